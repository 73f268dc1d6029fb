// Recovery and relapse (samentellen): a relapse within 4 weeks continues the case with every later
// deadline moved by the days in between; from 28 days after recovery the case is closed and a
// relapse is a new case. Partial recovery moves nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventNotAllowedError, openCase, recordEvent } from '../../client/cases.js';
import { addDays, addWorkingDays } from '../../workflows/calendar/index.js';
import { sampleCase, startCaseWorld, type CaseWorld } from '../setup/case-world.js';
import { dueOf, entries, inAmsterdam, mailsOf, taskMessageId } from '../setup/case-story.js';

const ACTOR = 'anna@arbo.example';

describe('recovery and relapse', () => {
  let world: CaseWorld;
  beforeAll(async () => {
    world = await startCaseWorld();
  });
  afterAll(async () => {
    await world?.close();
  });

  it('a relapse 10 days after recovery continues the case with every later deadline 10 days later', async () => {
    const caseId = `relapse-10-${Date.now()}`;
    // First sick day Tuesday 2027-02-09; back at work on Monday 2027-03-01, sick again on Thursday
    // 2027-03-11, before the old reminder of the probleemanalyse (Monday 2027-03-15, for Monday
    // 2027-03-22). The new due date, Thursday 2027-04-01, is reminded on Tuesday 2027-03-23: five
    // working days back over Easter Monday and Good Friday.
    const D = '2027-02-09';
    await world.startAt(D, 9);
    await openCase(world.cases, sampleCase(caseId, D));
    await world.travelTo(addDays(D, 3), 10);
    await recordEvent(world.cases, caseId, {
      type: 'task-completed',
      actor: ACTOR,
      task: 'ziekmelding',
      date: addDays(D, 3),
    });

    // Week 3: back at work on D + 20. Nothing after the last sick day is due while recovered.
    const recoveredOn = addDays(D, 20);
    await world.travelTo(recoveredOn, 10);
    await recordEvent(world.cases, caseId, { type: 'recovered', actor: ACTOR, date: recoveredOn });
    let view = await world.show(caseId);
    expect(view.status).toBe('hersteld');
    expect(view.calendar.milestones.find((m) => m.id === 'probleemanalyse')?.status).toBe('not-applicable');

    // Ten days later (D + 30) sick again: the 10 days D + 20 .. D + 29 do not count.
    const relapseOn = addDays(recoveredOn, 10);
    await world.travelTo(relapseOn, 10);
    await recordEvent(world.cases, caseId, { type: 'relapsed', actor: ACTOR, date: relapseOn });
    view = await world.show(caseId);
    expect(view.status).toBe('open');
    expect(view.calendar.firstSickDay).toBe(D);
    const expected = {
      ziekmelding: addDays(D, 6), // reached before the recovery: keeps its date
      probleemanalyse: addDays(D, 41 + 10),
      'plan-van-aanpak': addDays(D, 55 + 10),
      'uwv-42-weken-melding': undefined, // a working day: checked below
      eerstejaarsevaluatie: addDays(D, 363 + 10),
      'wia-aanvraag': addDays(D, 650 + 10),
      'einde-wachttijd': addDays(D, 727 + 10),
    };
    for (const [id, due] of Object.entries(expected)) if (due) expect(dueOf(view, id), id).toBe(due);
    expect(dueOf(view, 'uwv-42-weken-melding') >= addDays(D, 294 + 10)).toBe(true);
    expect(dueOf(view, 'uwv-42-weken-melding') <= addDays(D, 294 + 10 + 4)).toBe(true);

    // The probleemanalyse is reminded for its new date, at 08:00, never for the old one.
    const pa = addDays(D, 51);
    await world.travelTo(addDays(pa, 1), 10);
    const ids = mailsOf(world, caseId).map((m) => m.messageId);
    expect(ids).toContain(taskMessageId(caseId, 'reminder', 'probleemanalyse', pa));
    expect(ids.filter((id) => id?.includes(addDays(D, 41)))).toEqual([]);
    view = await world.show(caseId);
    expect(inAmsterdam(entries(view, 'reminder', 'probleemanalyse')[0]!.at)).toEqual({
      date: addWorkingDays(pa, -5),
      time: '08:00',
    });
    await recordEvent(world.cases, caseId, { type: 'case-closed', actor: ACTOR, reason: 'test done' });
  });

  it('closes 28 days after a full recovery, after which a relapse (30 days) is refused as a new case', async () => {
    const caseId = `relapse-30-${Date.now()}`;
    // First sick day Thursday 2027-02-18, recovered on Monday 2027-03-15: the 28 days after the
    // recovery cross the switch to summer time (2027-03-28), and the case still closes at 00:00
    // local time, on Monday 2027-04-12.
    const D = '2027-02-18';
    await world.startAt(D, 9);
    await openCase(world.cases, sampleCase(caseId, D));
    const recoveredOn = addDays(D, 25);
    await world.travelTo(recoveredOn, 10);
    await recordEvent(world.cases, caseId, { type: 'recovered', actor: ACTOR, date: recoveredOn });
    const mailsAtRecovery = mailsOf(world, caseId).length;

    // Day 27 after recovery: still open for a relapse.
    await world.travelTo(addDays(recoveredOn, 27), 23);
    let view = await world.show(caseId);
    expect(view.status).toBe('hersteld');

    // Day 28: closed, at midnight.
    await world.travelTo(addDays(recoveredOn, 28), 1);
    view = await world.show(caseId);
    expect(view.status).toBe('closed');
    expect(view.closedReason).toBe('hersteld: 28 dagen zonder terugval');
    expect(inAmsterdam(entries(view, 'closed')[0]!.at)).toEqual({ date: addDays(recoveredOn, 28), time: '00:00' });

    // Day 30: sick again. Not this case any more.
    const relapseOn = addDays(recoveredOn, 30);
    await world.travelTo(relapseOn, 10);
    await expect(recordEvent(world.cases, caseId, { type: 'relapsed', actor: ACTOR, date: relapseOn })).rejects.toThrow(
      EventNotAllowedError,
    );
    await expect(recordEvent(world.cases, caseId, { type: 'relapsed', actor: ACTOR, date: relapseOn })).rejects.toThrow(
      `is closed (completed); it takes no more events; sickness 28 days or more after recovery is a new case: open a new case with first sick day ${relapseOn}`,
    );
    // Nothing was sent for the old case after the recovery but, when it closed, the cancellation of the
    // calendar invitations still standing; the relapse is a new case.
    const afterRecovery = mailsOf(world, caseId).slice(mailsAtRecovery);
    expect(afterRecovery.length).toBeGreaterThan(0);
    for (const m of afterRecovery) expect(m.messageId).toContain('.calendar-cancel.');
    expect(entries(view, 'calendar-cancelled').map((e) => inAmsterdam(e.at).date)).toEqual(
      afterRecovery.map(() => addDays(recoveredOn, 28)),
    );
    const next = `${caseId}-b`;
    await openCase(world.cases, sampleCase(next, relapseOn));
    expect((await world.show(next)).calendar.milestones.find((m) => m.id === 'probleemanalyse')?.due).toBe(
      addDays(relapseOn, 41),
    );
    await recordEvent(world.cases, next, { type: 'case-closed', actor: ACTOR, reason: 'test done' });
  });

  it('partial recovery does not move the deadlines; a later full recovery does stop them', async () => {
    const caseId = `partial-${Date.now()}`;
    // First sick day Tuesday 2027-08-31: six weeks between the summer holidays and the end of summer
    // time, with no holiday in them; this test is about the work percentage alone.
    const D = '2027-08-31';
    await world.startAt(D, 9);
    await openCase(world.cases, sampleCase(caseId, D));
    const before = await world.show(caseId);

    // Week 3: back for half of the hours.
    const partialOn = addDays(D, 16);
    await world.travelTo(partialOn, 10);
    await recordEvent(world.cases, caseId, { type: 'recovered', actor: ACTOR, date: partialOn, workPercentage: 50 });
    let view = await world.show(caseId);
    expect(view.status).toBe('open');
    expect(view.workPercentage).toEqual({ since: partialOn, percentage: 50 });
    expect(view.calendar.milestones.map((m) => [m.id, m.due])).toEqual(
      before.calendar.milestones.map((m) => [m.id, m.due]),
    );
    expect(dueOf(view, 'probleemanalyse')).toBe(addDays(D, 41));
    expect(dueOf(view, 'einde-wachttijd')).toBe(addDays(D, 727));

    // The probleemanalyse is still reminded on time.
    await world.travelTo(addDays(D, 41), 10);
    expect(mailsOf(world, caseId).map((m) => m.messageId)).toContain(
      taskMessageId(caseId, 'reminder', 'probleemanalyse', addDays(D, 41)),
    );

    // Week 7: fully recovered. The partial work percentage is history now.
    await recordEvent(world.cases, caseId, {
      type: 'task-completed',
      actor: ACTOR,
      task: 'probleemanalyse',
      date: addDays(D, 41),
    });
    const recoveredOn = addDays(D, 41);
    await recordEvent(world.cases, caseId, { type: 'recovered', actor: ACTOR, date: recoveredOn });
    view = await world.show(caseId);
    expect(view.status).toBe('hersteld');
    expect(view.workPercentage).toBeUndefined();
    expect(view.calendar.closed).toMatchObject({ reason: 'hersteld', closesOn: addDays(recoveredOn, 28) });
    await recordEvent(world.cases, caseId, { type: 'case-closed', actor: ACTOR, reason: 'test done' });
  });
});
