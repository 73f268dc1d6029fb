// The audit export follows continue-as-new: every run of a workflow id, oldest first, each linked
// to the one before it.
import { temporal } from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchRuns } from '../client/audit/bundle.js';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { connectTimeSkipping, testDataConverter } from './setup/temporal.js';

describe('audit export of a continued workflow', () => {
  let env: TestWorkflowEnvironment;
  beforeAll(async () => {
    env = await connectTimeSkipping();
  });
  afterAll(async () => {
    await env?.teardown();
  });

  it('collects all three runs of a chain, in order', async () => {
    const taskQueue = `chain-${process.pid}`;
    const worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      workflowsPath: fileURLToPath(new URL('./fixtures/chain-workflow.ts', import.meta.url)),
      dataConverter: testDataConverter(),
    });
    const workflowId = `chain-${Date.now()}`;
    const result = await worker.runUntil(
      env.client.workflow.execute('chainWorkflow', { taskQueue, workflowId, args: [1] }),
    );
    expect(result).toBe(3);

    const runs = await fetchRuns(env.client, workflowId);
    expect(runs).toHaveLength(3);
    const started = runs.map((r) => r.history.events?.[0]?.workflowExecutionStartedEventAttributes);
    expect(started[0]?.continuedExecutionRunId ?? '').toBe('');
    expect(started[1]?.continuedExecutionRunId).toBe(runs[0]!.runId);
    expect(started[2]?.continuedExecutionRunId).toBe(runs[1]!.runId);
    const { EventType } = temporal.api.enums.v1;
    expect(runs.map((r) => r.history.events?.at(-1)?.eventType)).toEqual([
      EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW,
      EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW,
      EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED,
    ]);
  });
});
