// Changes to the end of the waiting time: a loonsanctie keeps the case running for up to a year
// more, a vrijwillige verlenging moves the week-88 to week-93 milestones and the end, and the end of
// employment hands the case to UWV (unless the employer is eigenrisicodrager).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCase, recordEvent } from '../../client/cases.js';
import { addDays, addWorkingDays } from '../../workflows/calendar/index.js';
import { sampleCase, startCaseWorld, type CaseWorld } from '../setup/case-world.js';
import { dueOf, entries, inAmsterdam, mailsOf, taskMessageId } from '../setup/case-story.js';

const ACTOR = 'p.jansen@korenschoof.example';

describe('the end of the waiting time', () => {
  let world: CaseWorld;
  beforeAll(async () => {
    world = await startCaseWorld();
  });
  afterAll(async () => {
    await world?.close();
  });

  it('a loonsanctie of 52 weeks: the case runs on past week 104 and closes a year later', async () => {
    const caseId = `loonsanctie-${Date.now()}`;
    // First sick day Monday 2026-01-05: week 104 ends on Sunday 2028-01-02, and the sanction year on
    // New Year's Eve 2028, so the case closes at 00:00 on New Year's Day 2029.
    const D = '2026-01-05';
    await world.startAt(D, 9);
    await openCase(world.cases, sampleCase(caseId, D));

    // Week 95: UWV finds the re-integration effort insufficient and imposes 52 weeks.
    const decision = addDays(D, 7 * 94 + 3);
    await world.travelTo(decision, 10);
    await recordEvent(world.cases, caseId, { type: 'loonsanctie', actor: ACTOR, weeks: 52, decisionDate: decision });
    let view = await world.show(caseId);
    expect(dueOf(view, 'einde-wachttijd')).toBe(addDays(D, 727 + 364));
    expect(view.calendar.waitingTimeEnds).toBe(addDays(D, 727 + 364));

    // The day after week 104: still open.
    await world.travelTo(addDays(D, 728), 12);
    view = await world.show(caseId);
    expect(view.status).toBe('open');
    expect(entries(view, 'closed')).toEqual([]);

    // The last day of the sanction year, then the day after.
    await world.travelTo(addDays(D, 727 + 364), 23);
    expect((await world.show(caseId)).status).toBe('open');
    await world.travelTo(addDays(D, 728 + 364), 1);
    view = await world.show(caseId);
    expect(view.status).toBe('closed');
    expect(view.closedReason).toBe('einde wachttijd');
    expect(inAmsterdam(entries(view, 'closed')[0]!.at)).toEqual({ date: addDays(D, 728 + 364), time: '00:00' });
  });

  it('a vrijwillige verlenging moves the WIA application and the end of the waiting time', async () => {
    const caseId = `verlenging-${Date.now()}`;
    // First sick day Thursday 2026-09-17: the extended WIA application is due Wednesday 2028-12-27,
    // so its reminder counts five working days back over both Christmas days (to Monday 2028-12-18).
    const D = '2026-09-17';
    await world.startAt(D, 9);
    await openCase(world.cases, sampleCase(caseId, D));

    // Week 80: employer and employee agree on 26 weeks more.
    const agreed = addDays(D, 7 * 79 + 1);
    await world.travelTo(agreed, 10);
    await recordEvent(world.cases, caseId, { type: 'vrijwillige-verlenging', actor: ACTOR, weeks: 26, date: agreed });
    const view = await world.show(caseId);
    const extra = 26 * 7;
    expect(dueOf(view, 'wia-brief-ontvangen')).toBe(addDays(D, 615 + extra));
    expect(dueOf(view, 'riv-kopie-werknemer')).toBe(addDays(D, 636 + extra));
    expect(dueOf(view, 'actueel-oordeel')).toBe(addDays(D, 636 + extra));
    expect(dueOf(view, 'eindevaluatie')).toBe(addDays(D, 636 + extra));
    expect(dueOf(view, 'wia-aanvraag')).toBe(addDays(D, 650 + extra));
    expect(dueOf(view, 'einde-wachttijd')).toBe(addDays(D, 727 + extra));
    // Still 11 weeks between the WIA application and the end.
    expect(dueOf(view, 'wia-aanvraag')).toBe(addDays(dueOf(view, 'einde-wachttijd'), -77));
    // The first year does not move.
    expect(dueOf(view, 'eerstejaarsevaluatie')).toBe(addDays(D, 363));

    // Past the old end of the waiting time the case is still open.
    await world.travelTo(addDays(D, 728 + 7), 10);
    expect((await world.show(caseId)).status).toBe('open');

    // No reminder for the old WIA application date; one for the new one, at 08:00.
    const newWia = addDays(D, 650 + extra);
    await world.travelTo(addDays(newWia, 1), 10);
    const ids = mailsOf(world, caseId).map((m) => m.messageId);
    expect(ids).not.toContain(taskMessageId(caseId, 'reminder', 'wia-aanvraag', addDays(D, 650)));
    expect(ids).toContain(taskMessageId(caseId, 'reminder', 'wia-aanvraag', newWia));
    const reminder = entries(await world.show(caseId), 'reminder', 'wia-aanvraag');
    expect(reminder).toHaveLength(1);
    expect(inAmsterdam(reminder[0]!.at)).toEqual({ date: addWorkingDays(newWia, -5), time: '08:00' });
    await recordEvent(world.cases, caseId, { type: 'case-closed', actor: ACTOR, reason: 'test done' });
  });

  it('employment ending without eigenrisicodrager closes the case the next day; with it, the case runs on', async () => {
    // First sick day Tuesday 2026-11-10; the contract ends on Saturday 2027-03-27, so the case
    // without an eigenrisicodrager closes at 00:00 in the night the clocks go forward.
    const D = '2026-11-10';
    await world.startAt(D, 9);
    const vangnet = `uit-dienst-${Date.now()}`;
    const eigenrisico = `uit-dienst-erd-${Date.now()}`;
    await openCase(world.cases, sampleCase(vangnet, D));
    await openCase(world.cases, sampleCase(eigenrisico, D));

    // Week 20: the contract ends in both cases.
    const lastDay = addDays(D, 7 * 19 + 4);
    await world.travelTo(lastDay, 10);
    await recordEvent(world.cases, vangnet, {
      type: 'employment-ended',
      actor: ACTOR,
      date: lastDay,
      eigenrisicodrager: false,
    });
    await recordEvent(world.cases, eigenrisico, {
      type: 'employment-ended',
      actor: ACTOR,
      date: lastDay,
      eigenrisicodrager: true,
    });

    await world.travelTo(addDays(lastDay, 1), 1);
    const closed = await world.show(vangnet);
    expect(closed.status).toBe('closed');
    expect(closed.closedReason).toBe('uit dienst: UWV neemt de re-integratie over');
    expect(inAmsterdam(entries(closed, 'closed')[0]!.at)).toEqual({ date: addDays(lastDay, 1), time: '00:00' });
    const kept = await world.show(eigenrisico);
    expect(kept.status).toBe('open');
    expect(kept.calendar.milestones.find((m) => m.id === 'uwv-42-weken-melding')?.status).toBe('open');

    // Weeks later the eigenrisicodrager's case still reminds; the closed one sends nothing more.
    const closedMails = mailsOf(world, vangnet).length;
    const uwvDue = dueOf(kept, 'uwv-42-weken-melding');
    await world.travelTo(uwvDue, 10);
    expect(mailsOf(world, vangnet)).toHaveLength(closedMails);
    expect(mailsOf(world, eigenrisico).map((m) => m.messageId)).toContain(
      taskMessageId(eigenrisico, 'reminder', 'uwv-42-weken-melding', uwvDue),
    );
    await recordEvent(world.cases, eigenrisico, { type: 'case-closed', actor: ACTOR, reason: 'test done' });
  });
});
