// The engine under everything: a case sleeps through two years of durable timers on the
// time-skipping server in seconds, its e-mails reach a real SMTP server, and its history replays
// from JSON text (the path that breaks when npm nests a second protobufjs).
import { historyFromJSON, historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import { bundleWorkflowCode, Worker } from '@temporalio/worker';
import { DeterminismViolationError } from '@temporalio/workflow';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCase } from '../client/cases.js';
import { amsterdamInstant } from '../workflows/calendar/amsterdam-time.js';
import { addDays } from '../workflows/calendar/index.js';
import { caseWorkflowId } from '../workflows/case-model.js';
import type { CaseView } from '../workflows/case-api.js';
import { sampleCase, startCaseWorld, type CaseWorld } from './setup/case-world.js';
import { testDataConverter, workflowBundle } from './setup/temporal.js';

const DAY_MS = 24 * 60 * 60 * 1000;

describe('engine', () => {
  let world: CaseWorld;
  beforeAll(async () => {
    world = await startCaseWorld();
  });
  afterAll(async () => {
    await world?.close();
  });

  it('runs a case through the 104-week waiting time in seconds, and its history replays from JSON', async () => {
    // First sick day Tuesday 2027-06-01: the waiting time holds a leap day (2028-02-29) and four
    // changes of summer time, and still ends after D + 727, at 00:00 on Tuesday 2029-05-29.
    const firstSickDay = '2027-06-01';
    await world.startAt(firstSickDay, 9);
    const startedAt = await world.now();
    const { workflowId } = await openCase(world.cases, sampleCase('engine-1', firstSickDay));
    const handle = world.env.client.workflow.getHandle(workflowId);
    const result = (await handle.result()) as CaseView; // the time-skipping client skips while waiting
    const elapsedDays = ((await world.now()) - startedAt) / DAY_MS;

    expect(result.status).toBe('closed');
    expect(result.closedReason).toBe('einde wachttijd');
    expect(elapsedDays).toBeGreaterThanOrEqual(727);
    // It closed at the start of the day after the 104th week: D + 727 is the last day of wage payment.
    // Closed, then the calendar invitations still standing are cancelled.
    const closed = result.timeline.find((e) => e.kind === 'closed')!;
    expect(
      result.timeline.slice(result.timeline.indexOf(closed) + 1).every((e) => e.kind === 'calendar-cancelled'),
    ).toBe(true);
    // (to the second: a timer fires a few milliseconds after its moment)
    expect(closed.at.slice(0, 19)).toBe(
      new Date(amsterdamInstant(addDays(firstSickDay, 728), 0)).toISOString().slice(0, 19),
    );
    // Nothing was recorded, so every task was reminded and escalated, each e-mail exactly once.
    const ids = world.sink.messages.map((m) => m.messageId);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.filter((id) => id?.includes('.escalation.')).length).toBeGreaterThanOrEqual(12);

    const history = await handle.fetchHistory();
    const fromJson = historyFromJSON(JSON.parse(historyToJSON(history)));
    expect(fromJson.events?.length).toBe(history.events?.length);
    await Worker.runReplayHistory(
      { workflowBundle: await workflowBundle(), dataConverter: testDataConverter() },
      fromJson,
      workflowId,
    );

    const reordered = await bundleWorkflowCode({
      workflowsPath: fileURLToPath(new URL('./fixtures/reordered-case-workflow.ts', import.meta.url)),
      logger: { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} },
    });
    await expect(
      Worker.runReplayHistory(
        { workflowBundle: reordered, dataConverter: testDataConverter() },
        fromJson,
        caseWorkflowId('engine-1'),
      ),
    ).rejects.toBeInstanceOf(DeterminismViolationError);
  });
});
