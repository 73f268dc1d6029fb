// A worker stopped in the middle of a case and another started in its place: what fell due while no
// worker ran goes out when the new one starts, nothing is lost and nothing is sent twice.
import { temporal } from '@temporalio/proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCase, recordEvent } from '../../client/cases.js';
import { amsterdamInstant } from '../../workflows/calendar/amsterdam-time.js';
import { caseWorkflowId } from '../../workflows/case-model.js';
import { addDays, addWorkingDays, firstWorkingDayAfter } from '../../workflows/calendar/index.js';
import { sampleCase, startCaseWorld, type CaseWorld } from '../setup/case-world.js';
import { startCaseWorker, type RunningCaseWorker } from '../setup/case-workers.js';
import { entries, inAmsterdam, mailsOf, taskMessageId } from '../setup/case-story.js';
import { eventually } from '../setup/dev-world.js';

const EventType = temporal.api.enums.v1.EventType;

// Without a workflow cache a worker uses no sticky task queue. The time-skipping test server holds
// its clock while a workflow task is outstanding, and a task left on a stopped worker's sticky queue
// would wait for a sticky timeout that never comes; in production that timeout moves it on.
const NO_CACHE = { maxCachedWorkflows: 0 };

describe('a worker restarted in the middle of a case', () => {
  let world: CaseWorld;
  let worker: RunningCaseWorker | undefined;
  beforeAll(async () => {
    world = await startCaseWorld();
  });
  afterAll(async () => {
    await worker?.stop();
    await world?.close();
  });

  it('sends what fell due while it was down once it is back, and nothing twice', async () => {
    const taskQueue = `restart-${process.pid}-${Date.now()}`;
    const cases = { ...world.cases, taskQueue };
    const caseId = `restart-${Date.now()}`;
    worker = await startCaseWorker(world, taskQueue, NO_CACHE);

    // First sick day Friday 2027-02-12: the probleemanalyse's reminder (Thursday 2027-03-18) falls
    // while the worker is down; it is due Thursday 2027-03-25, the day before Good Friday, so its
    // escalation waits for Tuesday 2027-03-30, after Easter and the switch to summer time.
    const D = '2027-02-12';
    await world.startAt(D, 9);
    await openCase(cases, sampleCase(caseId, D));
    await world.travelTo(addDays(D, 2), 10);
    await recordEvent(cases, caseId, {
      type: 'task-completed',
      actor: 'anna@arbo.example',
      task: 'ziekmelding',
      date: addDays(D, 2),
    });

    // Week 5: the worker goes down.
    await world.travelTo(addDays(D, 30), 12);
    await worker.stop();
    worker = undefined;
    const before = mailsOf(world, caseId).length;
    const handle = world.env.client.workflow.getHandle(caseWorkflowId(caseId));
    const stoppedAt = (await handle.fetchHistory()).events!.length;
    const since = async () => ((await handle.fetchHistory()).events ?? []).slice(stoppedAt).map((e) => e.eventType);

    // Time runs on to the reminder of the probleemanalyse (due D + 41). With no worker the workflow
    // cannot act, and the test server's clock waits at that moment. The signal that the moment came
    // and found no worker: the clock stands at it, and the timer that woke the case for it has fired
    // into a workflow task that nobody picked up. Nothing else happened since the worker stopped,
    // so no e-mail can have gone out.
    const paDue = addDays(D, 41);
    const reminderOn = addWorkingDays(paDue, -5);
    const reminderAt = amsterdamInstant(reminderOn, 8);
    const trip = world.travelTo(addDays(D, 70), 12);
    const waiting = await eventually(
      async () => ({ now: await world.now(), events: await since() }),
      ({ now, events }) => now >= reminderAt && events.at(-1) === EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED,
      'the reminder moment, waiting for a worker',
    );
    expect(waiting.events).toEqual([EventType.EVENT_TYPE_TIMER_FIRED, EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED]);
    expect(inAmsterdam(waiting.now)).toEqual({ date: reminderOn, time: '08:00' });
    expect(mailsOf(world, caseId)).toHaveLength(before);

    // A new worker process on the same task queue picks the case up where it was.
    worker = await startCaseWorker(world, taskQueue, NO_CACHE);
    await trip;
    let view = await world.show(caseId);
    const ids = mailsOf(world, caseId).map((m) => m.messageId);
    expect(ids).toContain(taskMessageId(caseId, 'reminder', 'probleemanalyse', paDue));
    expect(ids).toContain(taskMessageId(caseId, 'escalation', 'probleemanalyse', paDue));
    expect(inAmsterdam(entries(view, 'reminder', 'probleemanalyse')[0]!.at)).toEqual({
      date: reminderOn,
      time: '08:00',
    });
    expect(inAmsterdam(entries(view, 'escalation', 'probleemanalyse')[0]!.at)).toEqual({
      date: firstWorkingDayAfter(paDue),
      time: '08:00',
    });

    // A second restart, between two moments this time; the case goes on as before.
    await recordEvent(cases, caseId, {
      type: 'task-completed',
      actor: 'arts@arbo.example',
      task: 'probleemanalyse',
      date: addDays(D, 70),
    });
    await worker.stop();
    worker = await startCaseWorker(world, taskQueue, NO_CACHE);
    const pvaDue = addDays(D, 70 + 14);
    await world.travelTo(addDays(pvaDue, 10), 12);
    view = await world.show(caseId);
    expect(mailsOf(world, caseId).map((m) => m.messageId)).toContain(
      taskMessageId(caseId, 'escalation', 'plan-van-aanpak', pvaDue),
    );

    // Every e-mail exactly once, and every e-mail the timeline records reached the inbox.
    const all = mailsOf(world, caseId).map((m) => m.messageId);
    expect(new Set(all).size).toBe(all.length);
    const recorded = view.timeline.filter((e) => e.messageId).map((e) => e.messageId);
    expect(new Set(recorded).size).toBe(recorded.length);
    expect([...all].sort()).toEqual([...recorded].sort());
    // The state was not lost either: both completions are there, no task escalated twice.
    expect(view.calendar.milestones.find((m) => m.id === 'ziekmelding')?.doneOn).toBe(addDays(D, 2));
    expect(view.calendar.milestones.find((m) => m.id === 'probleemanalyse')?.doneOn).toBe(addDays(D, 70));
    const overdue = entries(view, 'overdue').map((e) => `${e.task}/${e.due}`);
    expect(new Set(overdue).size).toBe(overdue.length);
    await recordEvent(cases, caseId, { type: 'case-closed', actor: 'anna@arbo.example', reason: 'test done' });
    // Closing cancels the open calendar invitations by e-mail: let that finish before the worker stops
    // (an activity left behind would hold the test server's clock).
    await world.env.client.workflow.getHandle(caseWorkflowId(caseId)).result();
  });
});
