// Someone who reaches the Temporal API without the keys cannot put anything into a case: a start or
// an event sent in plain JSON (as `temporal workflow start|update execute --input` sends it) is
// refused with a clear message, never applied and never a workflow task that fails and retries; an
// encrypted event copied out of one case's history is refused by another case, and by its own case a
// second time. Malformed starts of every shape fail the run at once.
import { Client, WorkflowFailedError, WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCase, recordEvent, getCase } from '../../client/cases.js';
import { recordEventUpdate } from '../../workflows/case-api.js';
import { caseWorkflowId } from '../../workflows/case-model.js';
import { NOT_ENCRYPTED_MESSAGE } from '../../workflows/not-encrypted.js';
import { sampleCase, startCaseWorld, type CaseWorld } from '../setup/case-world.js';

const { EventType } = temporal.api.enums.v1;

describe('payloads without the keys, and events moved between cases', () => {
  let world: CaseWorld;
  /** A client without the codec: what the Temporal CLI or another SDK sends, in plain JSON. */
  let plain: Client;
  beforeAll(async () => {
    world = await startCaseWorld();
    plain = new Client({ connection: world.env.connection });
  });
  afterAll(async () => {
    await world?.close();
  });

  const failures = async (caseId: string) =>
    ((await world.cases.client.workflow.getHandle(caseWorkflowId(caseId)).fetchHistory()).events ?? []).filter(
      (e) => e.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED,
    );

  it('refuses an event in plain JSON, and applies nothing', async () => {
    const D = await world.today();
    const caseId = `plain-event-${Date.now()}`;
    await openCase(world.cases, sampleCase(caseId, D));
    const handle = plain.workflow.getHandle(caseWorkflowId(caseId));
    for (const input of [
      { type: 'task-completed', actor: 'no-key-attacker', task: 'ziekmelding', date: D },
      { caseId, eventId: 'forged-0001', event: { type: 'note', actor: 'no-key-attacker', text: 'x' } },
    ]) {
      const err = await handle.executeUpdate(recordEventUpdate, { args: [input as never] }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(WorkflowUpdateFailedError);
      const cause = (err as WorkflowUpdateFailedError).cause as ApplicationFailure;
      expect(cause.type).toBe('InvalidEvent');
      expect(cause.message).toBe(NOT_ENCRYPTED_MESSAGE);
    }
    const view = await getCase(world.cases, caseId);
    expect(view.timeline.filter((e) => e.kind === 'event')).toEqual([]);
    expect(await failures(caseId)).toEqual([]);
  });

  it('fails a start in plain JSON at once, before anything of it is kept in the open', async () => {
    const D = await world.today();
    const caseId = `plain-start-${Date.now()}`;
    world.track(caseWorkflowId(caseId));
    const handle = await plain.workflow.start('caseWorkflow', {
      workflowId: caseWorkflowId(caseId),
      taskQueue: world.cases.taskQueue,
      args: [{ open: sampleCase(caseId, D) }],
    });
    const err = await handle.result().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkflowFailedError);
    const cause = (err as WorkflowFailedError).cause as ApplicationFailure;
    expect([cause.type, cause.message]).toEqual(['InvalidCaseInput', NOT_ENCRYPTED_MESSAGE]);
    expect(await failures(caseId)).toEqual([]);
  });

  it('fails a start of any other shape at once, with the reason', async () => {
    for (const [input, message] of [
      [{}, 'must have open (a new case) or continued'],
      [null, 'must be an object'],
      [[1], 'must be an object'],
      [{ continued: {} }, 'continued: is not the carried state of a case'],
      [{ continued: null }, 'continued: is not the carried state of a case'],
      [{ open: { caseId: 'x' } }, 'open.employer'],
    ] as const) {
      const workflowId = `case-bad-start-${Math.random().toString(36).slice(2)}`;
      world.track(workflowId);
      const handle = await world.cases.client.workflow.start('caseWorkflow', {
        workflowId,
        taskQueue: world.cases.taskQueue,
        args: [input],
      });
      const err = await handle.result().catch((e: unknown) => e);
      expect(err, JSON.stringify(input)).toBeInstanceOf(WorkflowFailedError);
      const cause = (err as WorkflowFailedError).cause as ApplicationFailure;
      expect(cause.type).toBe('InvalidCaseInput');
      expect(cause.message).toContain(message);
    }
  });

  it("fails a case's start run under another case's workflow id (a start copied from a history)", async () => {
    const D = await world.today();
    const workflowId = `case-someone-else-${Date.now()}`;
    world.track(workflowId);
    const handle = await world.cases.client.workflow.start('caseWorkflow', {
      workflowId,
      taskQueue: world.cases.taskQueue,
      args: [{ open: sampleCase('K-1001', D) }],
    });
    const err = await handle.result().catch((e: unknown) => e);
    const cause = (err as WorkflowFailedError).cause as ApplicationFailure;
    expect([cause.type, cause.message]).toEqual([
      'InvalidCaseInput',
      'invalid case input: this is the start of case K-1001, whose workflow id is case-K-1001',
    ]);
  });

  it("refuses an encrypted event copied from one case's history, in another case and in its own again", async () => {
    const D = await world.today();
    const [a, b] = [`copied-a-${Date.now()}`, `copied-b-${Date.now()}`];
    await openCase(world.cases, sampleCase(a, D));
    await openCase(world.cases, sampleCase(b, D));
    await recordEvent(world.cases, a, { type: 'task-completed', task: 'ziekmelding', date: D, actor: 'anna' });
    const history = await world.cases.client.workflow.getHandle(caseWorkflowId(a)).fetchHistory();
    const accepted = history.events!.find((e) => e.workflowExecutionUpdateAcceptedEventAttributes)!;
    const payloads = accepted.workflowExecutionUpdateAcceptedEventAttributes!.acceptedRequest!.input!.args!;

    // Sent as it is (still encrypted, the attacker has no key), with a new update id.
    const send = async (caseId: string) => {
      const answer = await world.env.connection.workflowService.updateWorkflowExecution({
        namespace: 'default',
        workflowExecution: { workflowId: caseWorkflowId(caseId) },
        request: {
          meta: { updateId: `replay-${Math.random().toString(36).slice(2)}`, identity: 'attacker' },
          input: { name: recordEventUpdate.name, args: payloads },
        },
        waitPolicy: {
          lifecycleStage:
            temporal.api.enums.v1.UpdateWorkflowExecutionLifecycleStage
              .UPDATE_WORKFLOW_EXECUTION_LIFECYCLE_STAGE_COMPLETED,
        },
      });
      return answer.outcome?.failure?.message;
    };
    expect(await send(b)).toBe(`caseId: this event is for case ${a}, not ${b}`);
    expect(await send(a)).toMatch(/^eventId: event ev:[0-9a-f-]+ has been recorded on this case already$/);
    const viewB = await getCase(world.cases, b);
    expect(viewB.timeline.filter((e) => e.kind === 'event')).toEqual([]);
    const viewA = await getCase(world.cases, a);
    expect(viewA.timeline.filter((e) => e.kind === 'event')).toHaveLength(1);
  });
});
