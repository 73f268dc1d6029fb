// The good case: 104 weeks in which every task is done on its due date. Every task is reminded
// once, at 08:00 Amsterdam time on the 5th working day before it is due, nothing escalates, and the
// case closes by itself at the end of the waiting time.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCase, recordEvent } from '../../client/cases.js';
import { addDays, addWorkingDays, firstWorkingDayOnOrAfter, type IsoDate } from '../../workflows/calendar/index.js';
import { sampleCase, startCaseWorld, type CaseWorld } from '../setup/case-world.js';
import { addresses, dueOf, entries, inAmsterdam, mailsOf, taskMessageId } from '../setup/case-story.js';

describe('a 104-week case with every task done on time', () => {
  let world: CaseWorld;
  beforeAll(async () => {
    world = await startCaseWorld();
  });
  afterAll(async () => {
    await world?.close();
  });

  it('reminds every task once at its moment, escalates nothing, and closes after week 104', async () => {
    const caseId = `on-time-${Date.now()}`;
    // First sick day Wednesday 2028-11-22, opened at 09:00. The ziekmelding's reminder moment
    // (Tuesday 2028-11-21) lies before the case, so it goes out at once; the probleemanalyse is due
    // Tuesday 2029-01-02, so its reminder counts back over New Year's Day and both Christmas days (to
    // Thursday 2028-12-21); spoor 2 is due on New Year's Day 2030; evaluations are reminded across
    // Ascension, Whitsun and Easter; and the two years hold four changes of summer time.
    const D = '2028-11-22';
    await world.startAt(D, 9);
    await openCase(world.cases, sampleCase(caseId, D));
    const openedAt = (await world.show(caseId)).timeline[0]!.at;
    expect(inAmsterdam(openedAt)).toEqual({ date: D, time: '09:00' });

    // The due dates worked out by hand from domain.md, each task done on its due date.
    const plan: { task: string; due: IsoDate; outcome?: string }[] = [
      { task: 'ziekmelding', due: addDays(D, 6) }, // within week 1
      { task: 'probleemanalyse', due: addDays(D, 41) }, // week 6
      { task: 'plan-van-aanpak', due: addDays(D, 41 + 14) }, // 14 days after the probleemanalyse
      { task: 'uwv-42-weken-melding', due: firstWorkingDayOnOrAfter(addDays(D, 294)) }, // after week 42
      { task: 'eerstejaarsevaluatie', due: addDays(D, 363), outcome: 'spoor1-perspectief' }, // week 52
      { task: 'start-tweede-spoor', due: addDays(D, 363 + 42) }, // 6 weeks after the eerstejaarsevaluatie
      { task: 'wia-brief-ontvangen', due: addDays(D, 615) }, // week 88
      { task: 'riv-kopie-werknemer', due: addDays(D, 636) }, // week 91
      { task: 'actueel-oordeel', due: addDays(D, 636) },
      { task: 'eindevaluatie', due: addDays(D, 636) },
      { task: 'wia-aanvraag', due: addDays(D, 650) }, // week 93
    ];
    // Evaluations every 42 days after the plan van aanpak, up to the end of the waiting time (D + 727).
    for (let due = addDays(D, 55 + 42); due <= addDays(D, 727); due = addDays(due, 42)) {
      plan.push({ task: 'evaluatie', due });
    }
    plan.sort((a, b) => a.due.localeCompare(b.due));
    expect(plan.filter((p) => p.task === 'evaluatie')).toHaveLength(16);

    let today = D;
    for (const step of plan) {
      // The morning of the due date: the reminder went out days ago, the task is done today.
      if (step.due !== today) await world.travelTo(step.due, 10);
      today = step.due;
      const before = await world.show(caseId);
      expect(dueOf(before, step.task), `${step.task} due`).toBe(step.due);
      const reminder = taskMessageId(caseId, 'reminder', step.task, step.due);
      expect(
        mailsOf(world, caseId).filter((m) => m.messageId === reminder),
        `${step.task} reminded`,
      ).toHaveLength(1);
      await recordEvent(world.cases, caseId, {
        type: 'task-completed',
        actor: 'anna@arbo.example',
        task: step.task,
        date: step.due,
        ...(step.outcome && { outcome: step.outcome }),
      });
    }

    // Week 104 ends on D + 727; the case closes at the start of the next day.
    await world.travelTo(addDays(D, 728), 1);
    const view = await world.show(caseId);
    expect(view.status).toBe('closed');
    expect(view.closedReason).toBe('einde wachttijd');
    expect(inAmsterdam(entries(view, 'closed')[0]!.at)).toEqual({ date: addDays(D, 728), time: '00:00' });
    expect(view.calendar.milestones.filter((m) => m.isTask && m.status !== 'done').map((m) => m.id)).toEqual([
      // the next evaluation would fall after the waiting time
      'evaluatie',
    ]);
    expect(view.calendar.milestones.find((m) => m.id === 'evaluatie')?.status).toBe('not-applicable');

    // Every reminder exactly once, at 08:00 Amsterdam on the 5th working day before the due date, or
    // at once when that moment had passed before the case was opened. Nothing else was sent but the
    // calendar cancellation of each reminded task once it was done (one per reminder, none twice).
    const all = mailsOf(world, caseId);
    const cancels = all.filter((m) => m.messageId?.includes('.calendar-cancel.'));
    expect(cancels.map((m) => m.messageId!.replace('.calendar-cancel.', '.reminder.')).sort()).toEqual(
      plan.map((p) => taskMessageId(caseId, 'reminder', p.task, p.due)).sort(),
    );
    const mails = all.filter((m) => !cancels.includes(m));
    expect(mails.map((m) => m.messageId).sort()).toEqual(
      plan.map((p) => taskMessageId(caseId, 'reminder', p.task, p.due)).sort(),
    );
    expect(entries(view, 'escalation')).toEqual([]);
    expect(entries(view, 'overdue')).toEqual([]);
    const reminders = entries(view, 'reminder');
    expect(reminders).toHaveLength(plan.length);
    const atOnce: string[] = [];
    for (const step of plan) {
      const entry = reminders.find((r) => r.task === step.task && r.due === step.due)!;
      const remindOn = addWorkingDays(step.due, -5);
      const opened = inAmsterdam(openedAt);
      if (remindOn < opened.date || (remindOn === opened.date && opened.time >= '08:00')) {
        // Already passed when the case was opened: sent at once.
        atOnce.push(step.task);
        expect(Date.parse(entry.at) - Date.parse(openedAt), step.task).toBeLessThan(60_000);
      } else {
        expect(inAmsterdam(entry.at), `${step.task} due ${step.due}`).toEqual({ date: remindOn, time: '08:00' });
      }
      const mail = mails.find((m) => m.messageId === entry.messageId)!;
      const bedrijfsartsTask = step.task === 'probleemanalyse' || step.task === 'actueel-oordeel';
      expect(addresses(mail, 'to').sort(), step.task).toEqual(
        bedrijfsartsTask ? ['anna@arbo.example', 'arts@arbo.example'] : ['anna@arbo.example'],
      );
      expect(addresses(mail, 'cc')).toEqual([]);
    }
    expect(atOnce).toEqual(['ziekmelding']);
  });
});
