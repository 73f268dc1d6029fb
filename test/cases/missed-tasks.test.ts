// Tasks left undone: a reminder before the due date, then an overdue mark and an escalation to the
// casemanager (employer's escalation contact in cc), both at 08:00 Amsterdam time, also when summer
// time starts or ends in between. And a case taken over with overdue tasks: one summary, no burst.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCase, recordEvent } from '../../client/cases.js';
import { addDays, addWorkingDays, firstWorkingDayAfter, type IsoDate } from '../../workflows/calendar/index.js';
import { sampleCase, startCaseWorld, type CaseWorld } from '../setup/case-world.js';
import { addresses, entries, inAmsterdam, lastSunday, mailsOf, taskMessageId } from '../setup/case-story.js';

const CASEMANAGER = 'anna@arbo.example';
const BEDRIJFSARTS = 'arts@arbo.example';
const EMPLOYER_ESCALATION = 'hr@korenschoof.example';

describe('missed tasks', () => {
  let world: CaseWorld;
  beforeAll(async () => {
    world = await startCaseWorld();
  });
  afterAll(async () => {
    await world?.close();
  });

  /**
   * Opens a case, lets it run undone to 10:00 on `until`, and checks the reminder and the escalation
   * of `task` (due `due`). Returns the UTC hours of both, for the summer/winter time check.
   */
  async function missed(caseId: string, task: string, due: IsoDate, bedrijfsartsTask: boolean) {
    const reminderOn = addWorkingDays(due, -5);
    const escalationOn = firstWorkingDayAfter(due);

    // The day before the reminder: nothing about this task yet.
    await world.travelTo(addDays(reminderOn, -1), 12);
    const reminderId = taskMessageId(caseId, 'reminder', task, due);
    const escalationId = taskMessageId(caseId, 'escalation', task, due);
    expect(mailsOf(world, caseId).filter((m) => m.messageId === reminderId)).toEqual([]);

    // 07:59 on the reminder day: still nothing; 08:01: the reminder.
    await world.travelTo(reminderOn, 7);
    await world.env.sleep(59 * 60_000);
    expect(mailsOf(world, caseId).filter((m) => m.messageId === reminderId)).toEqual([]);
    await world.env.sleep(2 * 60_000);
    const reminder = mailsOf(world, caseId).filter((m) => m.messageId === reminderId);
    expect(reminder).toHaveLength(1);
    expect(addresses(reminder[0]!, 'to').sort()).toEqual(
      bedrijfsartsTask ? [CASEMANAGER, BEDRIJFSARTS] : [CASEMANAGER],
    );

    // The due date itself is still on time: no escalation at the end of it.
    await world.travelTo(addDays(due, 1), 0);
    expect(mailsOf(world, caseId).filter((m) => m.messageId === escalationId)).toEqual([]);
    let view = await world.show(caseId);
    expect(entries(view, 'overdue', task)).toEqual([]);

    // 08:01 on the first working day after the due date: overdue, and escalated.
    await world.travelTo(escalationOn, 8);
    await world.env.sleep(60_000);
    const escalation = mailsOf(world, caseId).filter((m) => m.messageId === escalationId);
    expect(escalation).toHaveLength(1);
    expect(addresses(escalation[0]!, 'to')).toEqual([CASEMANAGER]);
    expect(addresses(escalation[0]!, 'cc')).toEqual([EMPLOYER_ESCALATION]);
    expect(escalation[0]!.subject).toContain('TE LAAT');

    view = await world.show(caseId);
    const reminderEntry = entries(view, 'reminder', task).find((e) => e.due === due)!;
    const overdueEntry = entries(view, 'overdue', task).find((e) => e.due === due)!;
    const escalationEntry = entries(view, 'escalation', task).find((e) => e.due === due)!;
    expect(inAmsterdam(reminderEntry.at)).toEqual({ date: reminderOn, time: '08:00' });
    expect(inAmsterdam(overdueEntry.at)).toEqual({ date: escalationOn, time: '08:00' });
    expect(inAmsterdam(escalationEntry.at)).toEqual({ date: escalationOn, time: '08:00' });
    expect(escalationEntry.recipients).toEqual([CASEMANAGER, EMPLOYER_ESCALATION]);
    expect(escalationEntry.messageId).toBe(escalationId);
    expect(view.calendar.milestones.find((m) => m.id === task)?.status).toBe('overdue');
    return {
      reminderUtcHour: new Date(reminderEntry.at).getUTCHours(),
      escalationUtcHour: new Date(escalationEntry.at).getUTCHours(),
    };
  }

  it('reminds in winter time and escalates in summer time, both at 08:00 (last Sunday of March)', async () => {
    const caseId = `missed-march-${Date.now()}`;
    // The probleemanalyse (week 6, D + 41) falls due on Sunday 2027-03-28, when summer time starts,
    // which is Easter Sunday too: the reminder counts back over Good Friday (to Friday 2027-03-19),
    // and the escalation waits for Tuesday 2027-03-30, after Easter Monday. The case opens at 07:00
    // on its first sick day, Monday 2027-02-15, before that day's 08:00.
    const sunday = '2027-03-28';
    expect(sunday).toBe(lastSunday(2027, 2));
    const D = addDays(sunday, -41);
    await world.startAt(D, 7);
    await openCase(world.cases, sampleCase(caseId, D));

    // Week 1: the ziekmelding (due D + 6) is not made; reminded at 08:00 on the first sick day
    // already (5 working days before) and escalated at 08:00 on the first working day after it.
    const ziekmeldingDue = addDays(D, 6);
    await world.travelTo(firstWorkingDayAfter(ziekmeldingDue), 9);
    let view = await world.show(caseId);
    expect(inAmsterdam(entries(view, 'reminder', 'ziekmelding')[0]!.at)).toEqual({
      date: addWorkingDays(ziekmeldingDue, -5),
      time: '08:00',
    });
    expect(inAmsterdam(entries(view, 'escalation', 'ziekmelding')[0]!.at)).toEqual({
      date: firstWorkingDayAfter(ziekmeldingDue),
      time: '08:00',
    });

    // Week 5 and 6: the probleemanalyse is not made either, with the clocks going forward between.
    const hours = await missed(caseId, 'probleemanalyse', sunday, true);
    expect(hours).toEqual({ reminderUtcHour: 7, escalationUtcHour: 6 });

    // Every e-mail of the case once; the case stops here.
    view = await world.show(caseId);
    const ids = mailsOf(world, caseId).map((m) => m.messageId);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toContain(taskMessageId(caseId, 'escalation', 'ziekmelding', ziekmeldingDue));
    await recordEvent(world.cases, caseId, { type: 'case-closed', actor: 'anna@arbo.example', reason: 'test done' });
  });

  it('reminds in summer time and escalates in winter time, both at 08:00 (last Sunday of October)', async () => {
    const caseId = `missed-october-${Date.now()}`;
    // The plan van aanpak (D + 55 while no probleemanalyse is recorded) falls due on Sunday
    // 2027-10-31, when summer time ends: reminded on Monday 2027-10-25 in summer time, escalated on
    // Monday 2027-11-01 in winter time.
    const sunday = '2027-10-31';
    expect(sunday).toBe(lastSunday(2027, 9));
    const D = addDays(sunday, -55);
    await world.startAt(D, 9);
    await openCase(world.cases, sampleCase(caseId, D));
    const hours = await missed(caseId, 'plan-van-aanpak', sunday, false);
    expect(hours).toEqual({ reminderUtcHour: 6, escalationUtcHour: 7 });
    await recordEvent(world.cases, caseId, { type: 'case-closed', actor: 'anna@arbo.example', reason: 'test done' });
  });

  it('reminds at once of a task that becomes known after its reminder moment', async () => {
    const caseId = `late-known-${Date.now()}`;
    // First sick day Monday 2027-06-07; the plan van aanpak is recorded on Tuesday 2027-07-27, an
    // ordinary working day: nothing here depends on a holiday or a change of summer time.
    const D = '2027-06-07';
    await world.startAt(D, 9);
    await openCase(world.cases, sampleCase(caseId, D));
    // Week 8: the plan van aanpak turns out to have been made in week 2 already. The first
    // evaluation is due 42 days after it (D + 52): its reminder moment (5 working days before) passed.
    const recordedOn = addDays(D, 50);
    await world.travelTo(recordedOn, 10);
    const { entry } = await recordEvent(world.cases, caseId, {
      type: 'task-completed',
      actor: 'anna@arbo.example',
      task: 'plan-van-aanpak',
      date: addDays(D, 10),
    });
    await world.env.sleep(60_000);
    const evaluatieDue = addDays(D, 52);
    expect(addWorkingDays(evaluatieDue, -5) < recordedOn).toBe(true);
    const view = await world.show(caseId);
    const reminder = entries(view, 'reminder', 'evaluatie');
    expect(reminder.map((e) => e.due)).toEqual([evaluatieDue]);
    expect(Date.parse(reminder[0]!.at) - Date.parse(entry.at)).toBeLessThan(60_000);
    expect(mailsOf(world, caseId).map((m) => m.messageId)).toContain(
      taskMessageId(caseId, 'reminder', 'evaluatie', evaluatieDue),
    );
    await recordEvent(world.cases, caseId, { type: 'case-closed', actor: 'anna@arbo.example', reason: 'test done' });
  });

  it('a postponed probleemanalyse (art. 5) is reminded and escalated for its new date only', async () => {
    const caseId = `postponed-${Date.now()}`;
    // First sick day Monday 2027-03-22. The probleemanalyse (due Sunday 2027-05-02, reminded on
    // Friday 2027-04-23) is postponed before that reminder, on Friday 2027-04-16, to Whit Sunday
    // 2027-05-16: without the postponement the old reminder would have gone out; the escalation for
    // the new date waits for Tuesday 2027-05-18, after Whit Monday.
    const D = '2027-03-22';
    await world.startAt(D, 9);
    await openCase(world.cases, sampleCase(caseId, D));
    // Week 4: employer and employee agree to hold the probleemanalyse two weeks later, with a reason.
    await world.travelTo(addDays(D, 25), 10);
    expect(addWorkingDays(addDays(D, 41), -5) > addDays(D, 25)).toBe(true); // the old reminder is still ahead
    const newDue = addDays(D, 41 + 14);
    await recordEvent(world.cases, caseId, {
      type: 'task-postponed',
      actor: 'p.jansen@korenschoof.example',
      task: 'probleemanalyse',
      newDate: newDue,
      reason: 'bedrijfsarts met verlof; afgesproken met werknemer',
    });
    let view = await world.show(caseId);
    const pa = view.calendar.milestones.find((m) => m.id === 'probleemanalyse')!;
    expect(pa).toMatchObject({ due: newDue, status: 'postponed' });
    expect(pa.postponement).toEqual({
      reason: 'bedrijfsarts met verlof; afgesproken met werknemer',
      originalDue: addDays(D, 41),
    });

    await world.travelTo(addDays(firstWorkingDayAfter(newDue), 1), 10);
    view = await world.show(caseId);
    expect(entries(view, 'reminder', 'probleemanalyse').map((e) => e.due)).toEqual([newDue]);
    expect(entries(view, 'escalation', 'probleemanalyse').map((e) => e.due)).toEqual([newDue]);
    expect(inAmsterdam(entries(view, 'escalation', 'probleemanalyse')[0]!.at)).toEqual({
      date: firstWorkingDayAfter(newDue),
      time: '08:00',
    });
    const ids = mailsOf(world, caseId).map((m) => m.messageId);
    expect(ids.filter((id) => id?.includes('.probleemanalyse.'))).toEqual([
      taskMessageId(caseId, 'reminder', 'probleemanalyse', newDue),
      taskMessageId(caseId, 'escalation', 'probleemanalyse', newDue),
    ]);
    await recordEvent(world.cases, caseId, { type: 'case-closed', actor: 'anna@arbo.example', reason: 'test done' });
  });

  it('sends a case taken over with overdue tasks one summary instead of a burst of escalations', async () => {
    const caseId = `takeover-${Date.now()}`;
    // Taken over on Wednesday 2026-12-30, between Christmas and New Year, in week 15: the ziekmelding
    // was made; the probleemanalyse (D + 41), the plan van aanpak (D + 55) and the first evaluation
    // (D + 97, Sunday 2026-12-27, escalated from Monday 2026-12-28) are all past due and not recorded.
    // The two weeks after it cross New Year's Day.
    const today = '2026-12-30';
    await world.startAt(today, 9);
    const D = addDays(today, -100);
    await openCase(world.cases, sampleCase(caseId, D, { completed: { ziekmelding: addDays(D, 2) } }));
    await world.env.sleep(60_000);

    let mails = mailsOf(world, caseId);
    expect(mails).toHaveLength(1);
    expect(mails[0]!.messageId).toBe(`<${caseId}.takeover.${today}@poortwachter>`);
    expect(addresses(mails[0]!, 'to')).toEqual([CASEMANAGER]);
    expect(addresses(mails[0]!, 'cc')).toEqual([EMPLOYER_ESCALATION]);
    expect(mails[0]!.subject).toContain('3 taken');
    for (const task of ['probleemanalyse', 'plan-van-aanpak', 'evaluatie'])
      expect(mails[0]!.text).toContain(`(${task})`);
    expect(mails[0]!.text).not.toContain('(ziekmelding)');

    let view = await world.show(caseId);
    expect(entries(view, 'takeover-summary')).toHaveLength(1);
    expect(entries(view, 'escalation')).toEqual([]);
    expect(
      entries(view, 'overdue')
        .map((e) => `${e.task} ${e.due}`)
        .sort(),
    ).toEqual([
      `evaluatie ${addDays(D, 97)}`,
      `plan-van-aanpak ${addDays(D, 55)}`,
      `probleemanalyse ${addDays(D, 41)}`,
    ]);

    // Two weeks later the overdue tasks have not been escalated again, one by one.
    await world.travelTo(addDays(today, 14), 12);
    view = await world.show(caseId);
    mails = mailsOf(world, caseId);
    expect(mails.map((m) => m.messageId)).toEqual([`<${caseId}.takeover.${today}@poortwachter>`]);
    expect(entries(view, 'escalation')).toEqual([]);
    await recordEvent(world.cases, caseId, { type: 'case-closed', actor: 'anna@arbo.example', reason: 'test done' });
  });
});
