// The engine under everything: durable timers over two years on the time-skipping server, an
// activity reaching a real SMTP server, and a history that replays from JSON.
import { historyFromJSON, historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, Worker } from '@temporalio/worker';
import { DeterminismViolationError } from '@temporalio/workflow';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createActivities } from '../activities/index.js';
import { createMailer } from '../activities/mail.js';
import { smokeWorkflow } from '../workflows/smoke.js';
import { startSmtpSink, type SmtpSink } from './setup/smtp-sink.js';
import { connectTimeSkipping, workflowBundle } from './setup/temporal.js';

const DAY_MS = 24 * 60 * 60 * 1000;

describe('engine', () => {
  let env: TestWorkflowEnvironment;
  let sink: SmtpSink;

  beforeAll(async () => {
    env = await connectTimeSkipping();
    sink = await startSmtpSink();
  });
  afterAll(async () => {
    await env?.teardown();
    await sink?.close();
  });

  it('sleeps two years on the time-skipping server, then sends one e-mail, and the history replays from JSON', async () => {
    const mailer = createMailer(sink.url, 'Poortwachter <test@localhost>');
    const worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue: 'engine-test',
      workflowBundle: await workflowBundle(),
      activities: createActivities({ mailer }),
    });
    const startedAt = await env.currentTimeMs();
    const workflowId = `smoke-${startedAt}`;
    const result = await worker.runUntil(
      env.client.workflow.execute(smokeWorkflow, {
        taskQueue: 'engine-test',
        workflowId,
        args: [{ days: 728, to: 'casemanager@example.nl' }],
      }),
    );
    mailer.close();
    const elapsedDays = ((await env.currentTimeMs()) - startedAt) / DAY_MS;

    expect(result).toBe('<smoke-728@poortwachter>');
    expect(elapsedDays).toBeGreaterThanOrEqual(728);
    expect(sink.messages).toHaveLength(1);
    expect(sink.messages[0]?.messageId).toBe('<smoke-728@poortwachter>');
    expect(sink.messages[0]?.subject).toBe('Smoke: 728 days slept');

    // Through JSON text and back: this is the path that breaks when npm nests a second protobufjs.
    const history = await env.client.workflow.getHandle(workflowId).fetchHistory();
    const json = historyToJSON(history);
    const fromJson = historyFromJSON(JSON.parse(json));
    expect(fromJson.events?.length).toBe(history.events?.length);
    await Worker.runReplayHistory({ workflowBundle: await workflowBundle() }, fromJson, workflowId);

    // The same history against code that does its steps in another order must be refused.
    const changedBundle = await bundleWorkflowCode({
      workflowsPath: fileURLToPath(new URL('./fixtures/smoke-changed-workflow.ts', import.meta.url)),
      logger: { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} },
    });
    await expect(
      Worker.runReplayHistory({ workflowBundle: changedBundle }, fromJson, workflowId),
    ).rejects.toBeInstanceOf(DeterminismViolationError);
  });
});
