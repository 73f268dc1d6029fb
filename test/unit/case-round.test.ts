// The round planner without a server: what one wake-up of a case sends, settles and marks, at a
// given moment. Every date is pinned and chosen for what it shows.
import { describe, expect, it } from 'vitest';
import {
  addDays,
  amsterdamDate,
  amsterdamInstant,
  computeCalendar,
  type IsoDate,
} from '../../workflows/calendar/index.js';
import type { CaseState } from '../../workflows/case-model.js';
import { planRound, type RoundPlan } from '../../workflows/case-round.js';
import { messageKey, SECOND_ESCALATION_WORKING_DAYS } from '../../workflows/case-schedule.js';
import { caseState } from './fixtures.js';

/** The round at `hour`:mm Amsterdam time on `date`, with these messages already settled. */
function round(state: CaseState, date: IsoDate, hour = 8, sent: string[] = [], minute = 0): RoundPlan {
  const now = amsterdamInstant(date, hour) + minute * 60_000;
  const calendar = computeCalendar(state.facts, { asOf: amsterdamDate(now) });
  return planRound(state, calendar, new Set(sent), now, { secondEscalation: true });
}

const sends = (plan: RoundPlan) => plan.steps.flatMap((s) => (s.send ? [s.send.key] : []));

describe('planRound', () => {
  // First sick day Monday 2026-01-05: ziekmelding due Sunday 2026-01-11, probleemanalyse (week 6)
  // Sunday 2026-02-15, plan van aanpak Sunday 2026-03-01 (the calendar's own tests check these).
  const D = '2026-01-05';

  it('opens a case with the reminders whose moment has passed, to the casemanager (and the bedrijfsarts for theirs)', () => {
    const plan = round(caseState(D, {}, false), D);
    // The ziekmelding reminder was due on the 5th working day before Sunday 11 January: already passed.
    expect(sends(plan)).toEqual([messageKey('reminder', 'ziekmelding', '2026-01-11')]);
    const step = plan.steps[0]!;
    expect(step.send!.notification).toMatchObject({
      kind: 'reminder',
      to: ['anna@arbo.example'],
      messageId: '<K-1.reminder.ziekmelding.2026-01-11@poortwachter>',
      tasks: [{ id: 'ziekmelding', due: '2026-01-11' }],
      language: 'nl',
    });
    expect(step.send!.invite?.id).toBe('ziekmelding');
    expect(step.overdue).toBeUndefined();
    expect(plan.takeover).toBeUndefined();

    // The probleemanalyse is the bedrijfsarts' task: both are reminded, on Monday 9 February at 08:00.
    const pa = messageKey('reminder', 'probleemanalyse', '2026-02-15');
    expect(sends(round(caseState(D), '2026-02-09', 7, [], 59))).not.toContain(pa);
    const reminded = round(caseState(D), '2026-02-09', 8).steps.find((s) => s.key === pa)!;
    expect(reminded.send!.notification.to).toEqual(['anna@arbo.example', 'arts@arbo.example']);
  });

  it('plans nothing that is settled, and keeps every future message for the next wake-up', () => {
    const settled = [messageKey('reminder', 'ziekmelding', '2026-01-11')];
    const plan = round(caseState(D), '2026-01-06', 8, settled);
    expect(plan.steps).toEqual([]);
    const ahead = plan.messages.filter((m) => m.at > amsterdamInstant('2026-01-06', 8)).map((m) => m.key);
    expect(ahead).toContain(messageKey('escalation', 'ziekmelding', '2026-01-11'));
    expect(ahead).toContain(messageKey('reminder', 'probleemanalyse', '2026-02-15'));
  });

  it('escalates an open task at 08:00 on the first working day after its due date: overdue, to the casemanager with the employer in cc', () => {
    const reminded = [messageKey('reminder', 'ziekmelding', '2026-01-11')];
    expect(round(caseState(D), '2026-01-12', 7, reminded).steps).toEqual([]);
    const plan = round(caseState(D), '2026-01-12', 8, reminded);
    expect(plan.steps).toHaveLength(1);
    const step = plan.steps[0]!;
    expect(step.overdue).toEqual({ task: 'ziekmelding', due: '2026-01-11' });
    expect(step.send!.notification).toMatchObject({
      kind: 'escalation',
      to: ['anna@arbo.example'],
      cc: ['hr@korenschoof.example'],
    });
    expect(step.request).toBeUndefined();
  });

  it('after downtime sends the escalation alone: the reminder it overtook is settled unsent', () => {
    const plan = round(caseState(D), '2026-01-12', 8);
    const reminder = messageKey('reminder', 'ziekmelding', '2026-01-11');
    expect(plan.superseded).toEqual([reminder]);
    expect(plan.steps.map((s) => s.key)).toEqual([messageKey('escalation', 'ziekmelding', '2026-01-11')]);
  });

  it('a task whose policy does not escalate is only marked overdue', () => {
    const state = caseState(D, { reminderPolicy: { ziekmelding: { escalate: false } } });
    const plan = round(state, '2026-01-12', 8, [messageKey('reminder', 'ziekmelding', '2026-01-11')]);
    expect(plan.steps).toEqual([
      {
        key: messageKey('escalation', 'ziekmelding', '2026-01-11'),
        overdue: { task: 'ziekmelding', due: '2026-01-11' },
      },
    ]);
  });

  it('escalates a second time 10 working days later, when the chain is on', () => {
    const settled = [
      messageKey('reminder', 'ziekmelding', '2026-01-11'),
      messageKey('escalation', 'ziekmelding', '2026-01-11'),
    ];
    // 10 working days after Monday 12 January: Monday 26 January.
    expect(SECOND_ESCALATION_WORKING_DAYS).toBe(10);
    expect(sends(round(caseState(D), '2026-01-23', 8, settled))).toEqual([]);
    const plan = round(caseState(D), '2026-01-26', 8, settled);
    expect(plan.steps.map((s) => s.send?.notification.kind)).toEqual(['second-escalation']);
    expect(plan.steps[0]!.overdue).toBeUndefined();

    const state = caseState(D);
    const calendar = computeCalendar(state.facts, { asOf: '2026-01-26' });
    const off = planRound(state, calendar, new Set(settled), amsterdamInstant('2026-01-26', 8), {
      secondEscalation: false,
    });
    expect(off.steps).toEqual([]);
  });

  it('a case taken over with overdue tasks plans one summary that stands for everything due, chains included (before takeoverOverdueOnly)', () => {
    // Taken over on Wednesday 25 February 2026 (week 8), with the ziekmelding done: the probleemanalyse
    // (due 15 February) is overdue, the plan van aanpak (1 March) is about to be.
    const state = caseState(D, { completed: { ziekmelding: '2026-01-06' } }, false);
    const plan = round(state, '2026-02-25', 8);
    expect(plan.steps).toEqual([]);
    const takeover = plan.takeover!;
    expect(takeover.send.key).toBe('takeover/2026-02-25');
    expect(takeover.send.notification).toMatchObject({
      kind: 'takeover-summary',
      to: ['anna@arbo.example'],
      cc: ['hr@korenschoof.example'],
    });
    expect(takeover.send.notification.tasks.map((t) => t.id)).toEqual(['probleemanalyse', 'plan-van-aanpak']);
    // In the order they fell due: the escalation (Monday 16 February) before the reminder (23 February).
    expect(takeover.covered).toEqual([
      {
        key: messageKey('escalation', 'probleemanalyse', '2026-02-15'),
        overdue: { task: 'probleemanalyse', due: '2026-02-15' },
        chainKey: messageKey('second-escalation', 'probleemanalyse', '2026-02-15'),
      },
      { key: messageKey('reminder', 'plan-van-aanpak', '2026-03-01') },
    ]);
    // Once the case has started, the same moment escalates one by one.
    expect(round({ ...state, started: true }, '2026-02-25', 8).takeover).toBeUndefined();
  });

  it('with takeoverOverdueOnly, the summary names the late tasks only; the others get their own reminders', () => {
    // The same take-over: the plan van aanpak is not late yet, so it is reminded as usual (to the
    // casemanager alone, with its invitation), and HR is not copied on it.
    const state = caseState(D, { completed: { ziekmelding: '2026-01-06' } }, false);
    const now = amsterdamInstant('2026-02-25', 8);
    const calendar = computeCalendar(state.facts, { asOf: '2026-02-25' });
    const plan = planRound(state, calendar, new Set(), now, { secondEscalation: true, takeoverOverdueOnly: true });
    expect(plan.takeover!.send.notification.tasks.map((t) => t.id)).toEqual(['probleemanalyse']);
    expect(plan.takeover!.covered.map((c) => c.key)).toEqual([
      messageKey('escalation', 'probleemanalyse', '2026-02-15'),
    ]);
    expect(plan.takeover!.request).toBeUndefined();
    expect(plan.steps.map((s) => s.key)).toEqual([messageKey('reminder', 'plan-van-aanpak', '2026-03-01')]);
    expect(plan.steps[0]!.send!.notification).toMatchObject({ kind: 'reminder', to: ['anna@arbo.example'] });
    expect(plan.steps[0]!.send!.notification.cc).toBeUndefined();
    expect(plan.steps[0]!.send!.invite?.id).toBe('plan-van-aanpak');
  });

  it('with takeoverOverdueOnly, a case taken over with the start of spoor 2 overdue asks for a deskundigenoordeel', () => {
    const state = caseState(D, { completed: { ziekmelding: '2026-01-06' } }, false);
    const spoor2 = computeCalendar(state.facts).milestones.find((m) => m.id === 'start-tweede-spoor')!.due;
    const on = addDays(spoor2, 7);
    const calendar = computeCalendar(state.facts, { asOf: on });
    const options = { secondEscalation: true, takeoverOverdueOnly: true };
    const plan = planRound(state, calendar, new Set(), amsterdamInstant(on, 8), options);
    expect(plan.takeover!.send.notification.tasks.map((t) => t.id)).toContain('start-tweede-spoor');
    expect(plan.takeover!.request).toBe('start-tweede-spoor-overdue');
    // Not when one was asked already; and not before the change (the summary swallowed it).
    const asked = {
      ...state,
      deskundigenoordeel: { requestedOn: on, because: 'eerstejaarsevaluatie-onduidelijk' as const },
    };
    expect(planRound(asked, calendar, new Set(), amsterdamInstant(on, 8), options).takeover!.request).toBeUndefined();
    expect(round(state, on, 8).takeover!.request).toBeUndefined();
  });

  describe('with officeHours', () => {
    const options = { secondEscalation: true, officeHours: true };
    const at = (date: IsoDate, hour: number, minute = 0) => amsterdamInstant(date, hour) + minute * 60_000;
    const plan = (state: CaseState, now: number) =>
      planRound(state, computeCalendar(state.facts, { asOf: amsterdamDate(now) }), new Set(state.sent), now, options);
    const state = caseState(D, { completed: { ziekmelding: '2026-01-06' } });
    const reminder = messageKey('reminder', 'probleemanalyse', '2026-02-15');

    it('keeps a reminder due at night for 08:00 of the next working day', () => {
      // Tuesday 10 February 2026, 23:39: the probleemanalyse (due Sunday 15th) was to be reminded on Monday.
      const night = plan(state, at('2026-02-10', 23, 39));
      expect(night.steps).toEqual([]);
      expect(new Date(night.deferredUntil!).toISOString()).toBe('2026-02-11T07:00:00.000Z');
      // At 08:00 it goes out; between 08:00 and 18:00 nothing waits.
      const morning = plan(state, at('2026-02-11', 8));
      expect(morning.steps.map((s) => s.key)).toEqual([reminder]);
      expect(morning.deferredUntil).toBeUndefined();
    });

    it('sends at once a reminder whose task is due before the next opening', () => {
      // Friday 13 February 2026, 23:39: the task is due on Sunday, before Monday 08:00.
      const friday = plan(state, at('2026-02-13', 23, 39));
      expect(friday.steps.map((s) => s.key)).toEqual([reminder]);
      expect(friday.deferredUntil).toBeUndefined();
    });

    it('keeps an escalation and a take-over for the morning', () => {
      // Monday 16 February 2026, 06:00: the probleemanalyse escalates today, from 08:00 (its reminder,
      // never sent, is not sent at 06:00 either: the task is late already).
      const early = plan(state, at('2026-02-16', 6));
      expect(early.steps).toEqual([]);
      expect(new Date(early.deferredUntil!).toISOString()).toBe('2026-02-16T07:00:00.000Z');
      // The same escalation, due since 08:00 and not sent (the worker was down all day), at 20:00:
      // held for Tuesday 08:00.
      const reminded = { ...state, sent: [reminder] };
      const evening = plan(reminded, at('2026-02-16', 20));
      expect(evening.steps).toEqual([]);
      expect(new Date(evening.deferredUntil!).toISOString()).toBe('2026-02-17T07:00:00.000Z');
      expect(plan(reminded, at('2026-02-17', 8)).steps.map((s) => s.key)).toEqual([
        messageKey('escalation', 'probleemanalyse', '2026-02-15'),
      ]);
      // A case taken over on Saturday 28 February with overdue tasks: the summary waits for Monday.
      const takenOver = plan(caseState(D, { completed: { ziekmelding: '2026-01-06' } }, false), at('2026-02-28', 11));
      expect(takenOver.takeover).toBeUndefined();
      expect(new Date(takenOver.deferredUntil!).toISOString()).toBe('2026-03-02T07:00:00.000Z');
    });
  });

  it('an overdue start of spoor 2 asks for a deskundigenoordeel, unless one was asked already', () => {
    // Year one done, the eerstejaarsevaluatie held on 20 December 2026: spoor 2 starts within six
    // weeks, by Sunday 31 January 2027, and escalates on Monday 1 February.
    const completed = {
      ziekmelding: '2026-01-06',
      probleemanalyse: '2026-02-10',
      'plan-van-aanpak': '2026-02-20',
      evaluatie: ['2026-04-01', '2026-05-10', '2026-06-20', '2026-08-01', '2026-09-10', '2026-10-20', '2026-12-01'],
      'uwv-42-weken-melding': '2026-10-20',
      eerstejaarsevaluatie: '2026-12-20',
    };
    const state = caseState(D, { completed });
    const key = messageKey('escalation', 'start-tweede-spoor', '2027-01-31');
    const step = round(state, '2027-02-01', 8).steps.find((s) => s.key === key)!;
    expect(step.request).toBe('start-tweede-spoor-overdue');
    const asked = {
      ...state,
      deskundigenoordeel: { requestedOn: '2027-01-04', because: 'eerstejaarsevaluatie-onduidelijk' as const },
    };
    expect(round(asked, '2027-02-01', 8).steps.find((s) => s.key === key)!.request).toBeUndefined();
  });

  it('follows a deskundigenoordeel up 28 days after the request, until it is received', () => {
    const state = {
      ...caseState(D),
      deskundigenoordeel: { requestedOn: '2026-03-02', because: 'eerstejaarsevaluatie-onduidelijk' as const },
    };
    const key = 'deskundigenoordeel-reminder/2026-03-02';
    expect(round(state, '2026-03-29', 8).messages.map((m) => m.key)).toContain(key);
    expect(round(state, '2026-03-29', 8).steps.map((s) => s.key)).not.toContain(key);
    // 30 March: the day after the switch to summer time, so 08:00 is 06:00 UTC.
    const plan = round(state, '2026-03-30', 8);
    const followUp = plan.messages.find((m) => m.key === key)!;
    expect(new Date(followUp.at).toISOString()).toBe('2026-03-30T06:00:00.000Z');
    expect(plan.steps.find((s) => s.key === key)!.send!.notification).toMatchObject({
      kind: 'deskundigenoordeel-reminder',
      cc: ['hr@korenschoof.example'],
    });
    const received = { ...state, deskundigenoordeel: { ...state.deskundigenoordeel, receivedOn: '2026-03-20' } };
    expect(round(received, '2026-03-30', 8).messages.map((m) => m.key)).not.toContain(key);
  });

  it('follows a deskundigenoordeel up on the first working day when the 28th day is a holiday', () => {
    // Requested Friday 4 December 2026: 28 days later is New Year's Day, a Friday; then the weekend.
    const state = {
      ...caseState(D),
      deskundigenoordeel: { requestedOn: '2026-12-04', because: 'start-tweede-spoor-overdue' as const },
    };
    const at = (followUpOnWorkingDay: boolean) => {
      const calendar = computeCalendar(state.facts, { asOf: '2026-12-20' });
      const plan = planRound(state, calendar, new Set(), amsterdamInstant('2026-12-20', 8), {
        secondEscalation: true,
        followUpOnWorkingDay,
      });
      return new Date(plan.messages.find((m) => m.kind === 'deskundigenoordeel-reminder')!.at).toISOString();
    };
    expect(at(true)).toBe('2027-01-04T07:00:00.000Z');
    // A case from before the change keeps its holiday follow-up (patch deskundigenoordeel-follow-up-working-day).
    expect(at(false)).toBe('2027-01-01T07:00:00.000Z');
  });

  it('counts working days around Christmas and New Year: a probleemanalyse due on 31 December 2025', () => {
    // First sick day Thursday 20 November 2025: week 6 ends on Wednesday 31 December.
    const state = caseState('2025-11-20', { completed: { ziekmelding: '2025-11-21' } });
    const reminder = messageKey('reminder', 'probleemanalyse', '2025-12-31');
    const escalation = messageKey('escalation', 'probleemanalyse', '2025-12-31');
    // Five working days before: 30, 29, 24, 23 and 22 December (25 and 26 are Christmas), so Monday
    // 22 December at 08:00 winter time (07:00 UTC).
    expect(sends(round(state, '2025-12-19', 8))).not.toContain(reminder);
    const plan = round(state, '2025-12-22', 8);
    expect(sends(plan)).toEqual([reminder]);
    expect(new Date(plan.messages.find((m) => m.key === reminder)!.at).toISOString()).toBe('2025-12-22T07:00:00.000Z');
    // Nieuwjaarsdag (Thursday 1 January 2026) is no working day: it escalates on Friday 2 January.
    expect(sends(round(state, '2026-01-01', 8, [reminder]))).toEqual([]);
    expect(sends(round(state, '2026-01-02', 8, [reminder]))).toEqual([escalation]);
  });

  it('writes in the language of the casemanager, else the employer', () => {
    const english = caseState(
      D,
      { employer: { id: 'wg-2', name: 'Acme', escalationEmail: 'hr@acme.example', language: 'en' } },
      false,
    );
    expect(round(english, D).steps[0]!.send!.notification.language).toBe('en');
    const dutch = caseState(
      D,
      {
        employer: { id: 'wg-2', name: 'Acme', escalationEmail: 'hr@acme.example', language: 'en' },
        casemanager: { name: 'Anna', email: 'anna@arbo.example', language: 'nl' },
      },
      false,
    );
    expect(round(dutch, D).steps[0]!.send!.notification.language).toBe('nl');
  });
});
