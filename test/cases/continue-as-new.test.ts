// Continue-as-new carries the case state into a new run. The server decides when to suggest it, so
// this starts a run the way continue-as-new does, with a carried state, and checks that the new run
// remembers what was sent (nothing twice) and goes on with what comes next (nothing lost).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseOpenCase } from '../../client/cases.js';
import { addDays, addWorkingDays, firstWorkingDayAfter } from '../../workflows/calendar/index.js';
import { caseWorkflowId, initialFacts, type CaseState, type CaseWorkflowInput } from '../../workflows/case-model.js';
import { messageKey } from '../../workflows/case-schedule.js';
import { sampleCase, startCaseWorld, type CaseWorld } from '../setup/case-world.js';
import { inAmsterdam, mailsOf, taskMessageId } from '../setup/case-story.js';

describe('a case continued as new', () => {
  let world: CaseWorld;
  beforeAll(async () => {
    world = await startCaseWorld();
  });
  afterAll(async () => {
    await world?.close();
  });

  it('keeps its sent messages, timeline and facts, and carries on', async () => {
    // First sick day Monday 2028-11-13: the probleemanalyse is due Sunday 2028-12-24, so the first
    // working day after it is Wednesday 2028-12-27, after both Christmas days; the plan van aanpak is
    // due Sunday 2029-01-07 and reminded on Friday 2028-12-29, five working days back over New Year's Day.
    const D = '2028-11-13';
    await world.startAt(D, 9);
    const caseId = `can-${Date.now()}`;
    const open = parseOpenCase(sampleCase(caseId, D));
    const earlier = { at: new Date(await world.now()).toISOString(), kind: 'opened' as const, actor: 'system' };
    const carried: CaseState = {
      open,
      facts: { ...initialFacts(open), completed: { ziekmelding: D } },
      status: 'open',
      // The previous run already reminded of the probleemanalyse, e.g. just before it continued.
      sent: [messageKey('reminder', 'probleemanalyse', addDays(D, 41))],
      timeline: [earlier],
      started: true,
    };
    // (the world's client gives the carried state the world's clock offset, as it does an opened case)
    const input: CaseWorkflowInput = { continued: carried };
    await world.cases.client.workflow.start('caseWorkflow', {
      taskQueue: world.cases.taskQueue,
      workflowId: caseWorkflowId(caseId),
      args: [input],
    });

    // Past the probleemanalyse's reminder moment and its due date (D + 41): no second reminder,
    // but the escalation on the first working day after the due date (here three days after it).
    await world.travelTo(firstWorkingDayAfter(addDays(D, 41)), 12);
    const ids = mailsOf(world, caseId).map((m) => m.messageId);
    expect(ids).not.toContain(taskMessageId(caseId, 'reminder', 'probleemanalyse', addDays(D, 41)));
    expect(ids).toContain(taskMessageId(caseId, 'escalation', 'probleemanalyse', addDays(D, 41)));

    const view = await world.show(caseId);
    expect(view.timeline[0]).toEqual(earlier); // the old run's timeline goes on
    const escalated = view.timeline.find((t) => t.kind === 'escalation' && t.task === 'probleemanalyse')!;
    expect(inAmsterdam(escalated.at)).toEqual({ date: '2028-12-27', time: '08:00' });
    expect(view.calendar.milestones.find((m) => m.id === 'ziekmelding')?.doneOn).toBe(D);
    // The plan van aanpak (due D + 55) is reminded on its 5th working day before, at 08:00.
    await world.travelTo(addDays(D, 56), 12);
    const reminder = mailsOf(world, caseId).find(
      (m) => m.messageId === taskMessageId(caseId, 'reminder', 'plan-van-aanpak', addDays(D, 55)),
    );
    expect(reminder).toBeDefined();
    const sentAt = (await world.show(caseId)).timeline.find(
      (t) => t.kind === 'reminder' && t.task === 'plan-van-aanpak',
    )!.at;
    expect(inAmsterdam(sentAt)).toEqual({ date: addWorkingDays(addDays(D, 55), -5), time: '08:00' });
  });
});
