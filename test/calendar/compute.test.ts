import { describe, expect, it, vi } from 'vitest';
import {
  CalendarInputError,
  caseFactsSchema,
  computeCalendar,
  type CaseFacts,
  type MilestoneId,
} from '../../workflows/calendar/index.js';

// Every expected date below is worked out by hand from domain.md: week n ends on D + 7n - 1, and
// the arithmetic is written next to it ("+26 = Jan 31" means 26 days after the previous date).

const dueOf = (facts: CaseFacts, asOf?: string) => {
  const result = computeCalendar(facts, asOf ? { asOf } : {});
  return Object.fromEntries(result.milestones.map((m) => [m.id, m.due])) as Record<MilestoneId, string>;
};
const milestone = (facts: CaseFacts, id: MilestoneId, asOf?: string) => {
  const m = computeCalendar(facts, asOf ? { asOf } : {}).milestones.find((x) => x.id === id);
  if (!m) throw new Error(`no ${id}`);
  return m;
};

describe('the milestones of a case without interruptions', () => {
  it('D = 2026-01-05 (a Monday)', () => {
    const result = computeCalendar({ firstSickDay: '2026-01-05' });
    expect(result.ruleset).toBe('wvp-2026');
    expect(result.firstSickDay).toBe('2026-01-05');
    // D + 727: 2026-01-05 + 730 = 2028-01-05 (2026 and 2027 have 365 days), - 3 = 2028-01-02
    expect(result.waitingTimeEnds).toBe('2028-01-02');
    expect(result.milestones.map((m) => [m.id, m.due])).toEqual([
      ['ziekmelding', '2026-01-11'], // D + 6
      ['probleemanalyse', '2026-02-15'], // D + 41: +26 = Jan 31, +15 = Feb 15
      ['plan-van-aanpak', '2026-03-01'], // D + 55 = Feb 15 + 14 (February 2026 has 28 days)
      ['evaluatie', '2026-04-12'], // plan van aanpak due + 42: Mar 1 + 30 = Mar 31, +12 = Apr 12
      ['uwv-42-weken-melding', '2026-10-26'], // D + 294: day-of-year 5 + 294 = 299 = Oct 26, a Monday (working day)
      ['eerstejaarsevaluatie', '2027-01-03'], // D + 363 = Oct 26 + 69: +5 Oct 31, +30 Nov 30, +31 Dec 31, +3 Jan 3
      ['start-tweede-spoor', '2027-02-14'], // D + 405 = Jan 3 + 42: +28 Jan 31, +14 Feb 14
      ['wia-brief-ontvangen', '2027-09-12'], // D + 615 = 2027-01-05 (D + 365) + 250 = Sep 12
      ['riv-kopie-werknemer', '2027-10-03'], // D + 636 = Sep 12 + 21
      ['actueel-oordeel', '2027-10-03'], // D + 636
      ['eindevaluatie', '2027-10-03'], // D + 636
      ['wia-aanvraag', '2027-10-17'], // D + 650 = Oct 3 + 14
      ['einde-wachttijd', '2028-01-02'], // D + 727
    ]);
    // week 46 starts on D + 315 = Oct 26 + 21 = Nov 16
    expect(result.milestones.find((m) => m.id === 'eerstejaarsevaluatie')?.from).toBe('2026-11-16');
    expect(result.closed).toBeUndefined();
  });

  it('D = 2023-03-01 (a Wednesday), across the leap day of 2024', () => {
    expect(dueOf({ firstSickDay: '2023-03-01' })).toEqual({
      ziekmelding: '2023-03-07', // D + 6
      probleemanalyse: '2023-04-11', // D + 41: +30 Mar 31, +11 Apr 11
      'plan-van-aanpak': '2023-04-25', // D + 55
      evaluatie: '2023-06-06', // Apr 25 + 42: +5 Apr 30, +31 May 31, +6 Jun 6
      'uwv-42-weken-melding': '2023-12-20', // D + 294: +30 Mar 31, +30, +31, +30, +31, +31, +30, +31, +30 = Nov 30 (+274), +20 = Dec 20, Wednesday
      eerstejaarsevaluatie: '2024-02-27', // D + 363 = Dec 20 + 69: +11 Dec 31, +31 Jan 31, +27 Feb 27
      'start-tweede-spoor': '2024-04-09', // Feb 27 + 42: +2 Feb 29 (leap), +31 Mar 31, +9 Apr 9
      'wia-brief-ontvangen': '2024-11-05', // D + 365 = 2024-02-29; +250: Mar 31 (+31) ... Oct 31 (+245), Nov 5
      'riv-kopie-werknemer': '2024-11-26', // D + 636 = Nov 5 + 21
      'actueel-oordeel': '2024-11-26',
      eindevaluatie: '2024-11-26',
      'wia-aanvraag': '2024-12-10', // D + 650 = Nov 26 + 14
      'einde-wachttijd': '2025-02-25', // D + 731 = 2025-03-01 (365 + 366 days), so D + 727 = Feb 25
    });
  });
});

describe('the 42-week report is due on the first working day on or after D + 294', () => {
  // 294 = 42 × 7, so D + 294 falls on the same weekday as D. Each row: D chosen so that D + 294 is the
  // named day, and the first working day on or after it.
  it.each([
    // D + 294 = 2026-01-01 (Thu, Nieuwjaarsdag) → Friday Jan 2
    ['Nieuwjaarsdag', '2025-03-13', '2026-01-02'],
    // D + 294 = 2026-04-03 (Goede Vrijdag), Sat 4, Sun 5, Mon 6 (2e Paasdag) → Tuesday Apr 7
    ['Goede Vrijdag', '2025-06-13', '2026-04-07'],
    // D + 294 = 2026-04-06 (Mon, 2e Paasdag) → Tuesday Apr 7
    ['tweede Paasdag', '2025-06-16', '2026-04-07'],
    // D + 294 = 2026-04-27 (Mon, Koningsdag) → Tuesday Apr 28
    ['Koningsdag', '2025-07-07', '2026-04-28'],
    // D + 294 = 2025-04-26 (Sat; Koningsdag because the 27th is a Sunday) → Sun 27 is no holiday
    // but a Sunday → Monday Apr 28
    ['Koningsdag on 26 April', '2024-07-06', '2025-04-28'],
    // D + 294 = 2024-04-26 (Fri): the 27th is a Saturday, so Koningsdag stays on the 27th and
    // Friday 26 April is a working day → Apr 26 itself
    ['not Koningsdag: 26 April when the 27th is a Saturday', '2023-07-07', '2024-04-26'],
    // D + 294 = 2026-05-05 (Tue, 5 mei) → Wednesday May 6
    ['5 mei', '2025-07-15', '2026-05-06'],
    // D + 294 = 2026-05-14 (Thu, Hemelvaart = Easter Apr 5 + 39) → Friday May 15
    ['Hemelvaartsdag', '2025-07-24', '2026-05-15'],
    // D + 294 = 2026-05-25 (Mon, 2e Pinksterdag = Easter + 50) → Tuesday May 26
    ['tweede Pinksterdag', '2025-08-04', '2026-05-26'],
    // D + 294 = 2025-12-25 (Thu, 1e Kerstdag), Fri 26 (2e Kerstdag), weekend → Monday Dec 29
    ['eerste Kerstdag', '2025-03-06', '2025-12-29'],
    // D + 294 = 2025-12-26 (Fri, 2e Kerstdag), weekend → Monday Dec 29
    ['tweede Kerstdag', '2025-03-07', '2025-12-29'],
    // D + 294 = 2026-10-24 (Sat) → Monday Oct 26
    ['Saturday', '2026-01-03', '2026-10-26'],
    // D + 294 = 2026-10-25 (Sun) → Monday Oct 26
    ['Sunday', '2026-01-04', '2026-10-26'],
    // D + 294 = 2026-10-27 (Tue, an ordinary day) → itself
    ['an ordinary Tuesday', '2026-01-06', '2026-10-27'],
  ])('%s: D = %s → %s', (_name, firstSickDay, expected) => {
    expect(milestone({ firstSickDay }, 'uwv-42-weken-melding').due).toBe(expected);
  });
});

describe('samentellen', () => {
  // D = 2026-01-05, sick until 2026-01-20 (16 sick days), then recovered.
  it('continues the case after a gap of 27 days and moves only the later deadlines', () => {
    // relapse on Jan 20 + 28 = Feb 17: days not sick Jan 21..Feb 16 = 27 (< 28) → same case
    const facts: CaseFacts = {
      firstSickDay: '2026-01-05',
      periods: [{ from: '2026-01-05', to: '2026-01-20' }, { from: '2026-02-17' }],
    };
    const result = computeCalendar(facts);
    expect(result.firstSickDay).toBe('2026-01-05');
    expect(result.earlierCases).toBeUndefined();
    const due = dueOf(facts);
    expect(due.ziekmelding).toBe('2026-01-11'); // sick day 7 falls before the recovery: unchanged
    expect(due.probleemanalyse).toBe('2026-03-14'); // sick day 42: 16 before, 26 more from Feb 17 → Feb 17 + 25 = Mar 14 (= Feb 15 + 27)
    expect(due['plan-van-aanpak']).toBe('2026-03-28'); // Mar 14 + 14
    expect(due['uwv-42-weken-melding']).toBe('2026-11-23'); // Oct 26 + 27 = Nov 22 (Sun) → Monday Nov 23
    expect(due['einde-wachttijd']).toBe('2028-01-29'); // Jan 2 + 27
  });

  it('starts a new case after a gap of 28 days', () => {
    // relapse on Jan 20 + 29 = Feb 18: days not sick Jan 21..Feb 17 = 28 → new case, D = Feb 18
    const facts: CaseFacts = {
      firstSickDay: '2026-01-05',
      periods: [{ from: '2026-01-05', to: '2026-01-20' }, { from: '2026-02-18' }],
      completed: { ziekmelding: '2026-01-06', probleemanalyse: '2026-02-10' }, // belong to the first case
    };
    const result = computeCalendar(facts);
    expect(result.firstSickDay).toBe('2026-02-18');
    expect(result.earlierCases).toEqual(['2026-01-05']);
    const due = dueOf(facts);
    expect(due.ziekmelding).toBe('2026-02-24'); // Feb 18 + 6
    expect(due.probleemanalyse).toBe('2026-03-31'); // Feb 18 + 41: +10 Feb 28, +31 Mar 31
    expect(result.milestones.find((m) => m.id === 'probleemanalyse')?.status).toBe('open'); // old completion ignored
  });

  it('adds up several short gaps', () => {
    // Periods Jan 5–Jan 10 (6 days), gap Jan 11–Jan 14 (4), Jan 15–Jan 31 (17 days, total 23),
    // gap Feb 1–Feb 10 (10), then from Feb 11. Sick day 42: 19 more from Feb 11 → Feb 11 + 18 = Mar 1
    // (= Feb 15 + 4 + 10).
    const due = dueOf({
      firstSickDay: '2026-01-05',
      periods: [
        { from: '2026-01-05', to: '2026-01-10' },
        { from: '2026-01-15', to: '2026-01-31' },
        { from: '2026-02-11' },
      ],
    });
    expect(due.ziekmelding).toBe('2026-01-15'); // 6 sick days until Jan 10, the 7th is Jan 15
    expect(due.probleemanalyse).toBe('2026-03-01');
  });

  it('counts a completion-based deadline in sick days too', () => {
    // probleemanalyse done on Jan 15 (sick day 11); recovered after Jan 20, relapse Feb 1 (gap Jan 21..31 = 11).
    // plan van aanpak: 14 sick days after Jan 15 → sick day 25: 16 until Jan 20, 9 more → Feb 9 (= Jan 29 + 11)
    expect(
      dueOf({
        firstSickDay: '2026-01-05',
        periods: [{ from: '2026-01-05', to: '2026-01-20' }, { from: '2026-02-01' }],
        completed: { probleemanalyse: '2026-01-15' },
      })['plan-van-aanpak'],
    ).toBe('2026-02-09');
  });
});

describe('completions', () => {
  it('bases the plan van aanpak and the evaluations on the actual dates', () => {
    const facts: CaseFacts = {
      firstSickDay: '2026-01-05',
      completed: { ziekmelding: '2026-01-05', probleemanalyse: '2026-01-20', 'plan-van-aanpak': '2026-01-30' },
    };
    const due = dueOf(facts);
    expect(due['plan-van-aanpak']).toBe('2026-02-03'); // Jan 20 + 14
    expect(due.evaluatie).toBe('2026-03-13'); // Jan 30 + 42: +1 Jan 31, +28 Feb 28, +13 Mar 13
    expect(milestone(facts, 'probleemanalyse')).toMatchObject({ status: 'done', doneOn: '2026-01-20' });
    // the next evaluation: 42 days after the latest one held (Apr 10 + 42: +20 Apr 30, +22 May 22)
    expect(
      dueOf({ ...facts, completed: { ...facts.completed, evaluatie: ['2026-04-10', '2026-03-01'] } }).evaluatie,
    ).toBe('2026-05-22');
  });

  it('starts spoor 2 six weeks after an early eerstejaarsevaluatie', () => {
    const facts: CaseFacts = { firstSickDay: '2026-01-05', completed: { eerstejaarsevaluatie: '2026-11-20' } };
    expect(dueOf(facts)['start-tweede-spoor']).toBe('2027-01-01'); // Nov 20 + 42: +10 Nov 30, +31 Dec 31, +1 Jan 1
    expect(milestone(facts, 'eerstejaarsevaluatie')).toMatchObject({ status: 'done', from: '2026-11-16' });
  });
});

describe('status against asOf', () => {
  const facts: CaseFacts = { firstSickDay: '2026-01-05', completed: { ziekmelding: '2026-01-07' } };
  it('is open on the due date and overdue the day after', () => {
    expect(milestone(facts, 'probleemanalyse', '2026-02-15').status).toBe('open');
    expect(milestone(facts, 'probleemanalyse', '2026-02-16').status).toBe('overdue');
    expect(milestone(facts, 'ziekmelding', '2026-03-01').status).toBe('done');
    expect(milestone(facts, 'probleemanalyse').status).toBe('open'); // without asOf nothing is overdue
  });
  it('marks the end of the waiting time as passed, not overdue', () => {
    expect(milestone(facts, 'einde-wachttijd', '2028-01-02').status).toBe('open');
    expect(milestone(facts, 'einde-wachttijd', '2028-01-03').status).toBe('done');
    expect(milestone(facts, 'einde-wachttijd').isTask).toBe(false);
    expect(milestone(facts, 'einde-wachttijd').owner).toBe('none');
  });
});

describe('postponement (Regeling procesgang art. 5)', () => {
  const facts: CaseFacts = {
    firstSickDay: '2026-01-05',
    postponements: [
      { milestone: 'probleemanalyse', reason: 'bedrijfsarts pas later beschikbaar, afgesproken', newDue: '2026-03-01' },
    ],
  };
  it('moves the deadline and what depends on it', () => {
    expect(milestone(facts, 'probleemanalyse')).toMatchObject({
      due: '2026-03-01',
      status: 'postponed',
      postponement: { reason: 'bedrijfsarts pas later beschikbaar, afgesproken', originalDue: '2026-02-15' },
    });
    expect(dueOf(facts)['plan-van-aanpak']).toBe('2026-03-15'); // postponed probleemanalyse Mar 1 + 14
    expect(dueOf(facts).ziekmelding).toBe('2026-01-11');
    expect(milestone(facts, 'probleemanalyse', '2026-03-02').status).toBe('overdue');
  });
  it('refuses a postponement to a date that is not later', () => {
    expect(() =>
      computeCalendar({
        ...facts,
        postponements: [{ milestone: 'probleemanalyse', reason: 'x', newDue: '2026-02-15' }],
      }),
    ).toThrow(/postponements\[0\]\.newDue: 2026-02-15 is not later than the statutory due date 2026-02-15/);
  });
});

describe('spoor 2', () => {
  const D = '2026-01-05'; // default: start-tweede-spoor D + 405 = 2027-02-14
  it('is due six weeks after the finding that spoor 1 has no prospect, when earlier', () => {
    expect(dueOf({ firstSickDay: D, spoor1UitzichtloosOn: '2026-06-01' })['start-tweede-spoor']).toBe('2026-07-13'); // +29 Jun 30, +13 Jul 13
    // a finding late in the year does not move it later: Jan 20 + 42 = Mar 3 > Feb 14
    expect(dueOf({ firstSickDay: D, spoor1UitzichtloosOn: '2027-01-20' })['start-tweede-spoor']).toBe('2027-02-14');
  });
  it('moves to the end of a recorded exception', () => {
    const facts: CaseFacts = {
      firstSickDay: D,
      spoor2Exception: { reason: 'onvoldoende-belastbaar', until: '2027-04-01' },
    };
    expect(milestone(facts, 'start-tweede-spoor')).toMatchObject({
      due: '2027-04-01',
      status: 'postponed',
      postponement: { originalDue: '2027-02-14' },
    });
    // an exception that ends before the deadline changes nothing
    expect(
      milestone(
        { firstSickDay: D, spoor2Exception: { reason: 'onvoldoende-belastbaar', until: '2027-01-01' } },
        'start-tweede-spoor',
      ).due,
    ).toBe('2027-02-14');
  });
  it('lets a no-prospect finding override an exception that rests on a prospect of return', () => {
    const facts: CaseFacts = {
      firstSickDay: D,
      spoor2Exception: { reason: 'terugkeer-eigen-werk-binnen-3-maanden', until: '2027-04-01' },
      spoor1UitzichtloosOn: '2026-06-01',
    };
    expect(milestone(facts, 'start-tweede-spoor').due).toBe('2026-07-13');
  });
});

describe('extensions of the waiting time', () => {
  const D = '2026-01-05';
  it('vrijwillige verlenging moves weeks 88 to 104 by its length', () => {
    // 13 weeks = 91 days
    const due = dueOf({ firstSickDay: D, vrijwilligeVerlengingWeeks: 13 });
    expect(due['eerstejaarsevaluatie']).toBe('2027-01-03'); // unchanged
    expect(due['start-tweede-spoor']).toBe('2027-02-14'); // unchanged
    expect(due['wia-brief-ontvangen']).toBe('2027-12-12'); // Sep 12 + 91: +18 Sep 30, +31 Oct 31, +30 Nov 30, +12 Dec 12
    expect(due['riv-kopie-werknemer']).toBe('2028-01-02'); // Oct 3 + 91 = Dec 12 + 21
    expect(due['actueel-oordeel']).toBe('2028-01-02');
    expect(due.eindevaluatie).toBe('2028-01-02');
    expect(due['wia-aanvraag']).toBe('2028-01-16'); // Oct 17 + 91 = Jan 2 + 14
    expect(due['einde-wachttijd']).toBe('2028-04-02'); // Jan 2 + 91: +29 Jan 31, +29 Feb 29 (2028 leap), +31 Mar 31, +2 Apr 2
    // the WIA application stays 11 weeks (77 days) before the end: Jan 16 + 77 = Apr 2
  });

  it('loonsanctie moves only the end of the waiting time', () => {
    const result = computeCalendar({ firstSickDay: D, loonsanctieWeeks: 52 });
    expect(result.waitingTimeEnds).toBe('2028-12-31'); // Jan 2 2028 + 364 (2028 has 366 days: + 366 = 2029-01-02)
    const due = Object.fromEntries(result.milestones.map((m) => [m.id, m.due]));
    expect(due['wia-aanvraag']).toBe('2027-10-17');
    expect(due['wia-brief-ontvangen']).toBe('2027-09-12');
  });

  it('adds both', () => {
    // verlenging 13 weeks: Apr 2 2028; + 52 weeks loonsanctie = + 364: 2029-04-02 is +365 (no Feb 29 in between) → Apr 1
    expect(
      computeCalendar({ firstSickDay: D, vrijwilligeVerlengingWeeks: 13, loonsanctieWeeks: 52 }).waitingTimeEnds,
    ).toBe('2029-04-01');
  });

  it('ends the waiting time on the date of a bekorting', () => {
    const facts: CaseFacts = { firstSickDay: D, loonsanctieWeeks: 52, loonsanctieEndsOn: '2028-06-30' };
    expect(computeCalendar(facts).waitingTimeEnds).toBe('2028-06-30');
    expect(() => computeCalendar({ ...facts, loonsanctieEndsOn: '2028-01-02' })).toThrow(
      /loonsanctieEndsOn: 2028-01-02 must lie after 2028-01-02/,
    );
    expect(() => computeCalendar({ ...facts, loonsanctieEndsOn: '2029-01-01' })).toThrow(CalendarInputError);
  });
});

describe('full recovery', () => {
  const facts: CaseFacts = { firstSickDay: '2026-01-05', periods: [{ from: '2026-01-05', to: '2026-03-31' }] };
  it('makes obligations after the recovery not applicable and closes the case after 28 days', () => {
    const result = computeCalendar(facts, { asOf: '2026-03-10' });
    const status = Object.fromEntries(result.milestones.map((m) => [m.id, m.status]));
    expect(status.ziekmelding).toBe('overdue');
    expect(status.probleemanalyse).toBe('overdue');
    expect(status['plan-van-aanpak']).toBe('overdue'); // due Mar 1
    expect(status.evaluatie).toBe('not-applicable'); // due Apr 12, after the last sick day Mar 31
    expect(status['uwv-42-weken-melding']).toBe('not-applicable');
    expect(status['einde-wachttijd']).toBe('not-applicable');
    expect(result.milestones.find((m) => m.id === 'evaluatie')?.notApplicableBecause).toBe('hersteld');
    // a relapse up to Mar 31 + 28 = Apr 28 continues the case; from Apr 29 it is a new one
    expect(result.closed).toEqual({ reason: 'hersteld', lastSickDay: '2026-03-31', closesOn: '2026-04-29' });
  });
});

describe('employment ended (ziek uit dienst)', () => {
  const D = '2026-01-05';
  it('hands over to UWV: later tasks are not applicable', () => {
    const result = computeCalendar({
      firstSickDay: D,
      employmentEnded: { on: '2026-06-30', eigenrisicodrager: false },
    });
    const status = Object.fromEntries(result.milestones.map((m) => [m.id, m.status]));
    expect(status.evaluatie).toBe('open'); // due Apr 12, before the end
    expect(status['uwv-42-weken-melding']).toBe('not-applicable'); // due Oct 26
    expect(status['wia-aanvraag']).toBe('not-applicable');
    expect(status['einde-wachttijd']).toBe('open'); // the waiting time itself goes on, at UWV
    expect(result.closed).toEqual({ reason: 'uit-dienst', employmentEndedOn: '2026-06-30', closesOn: '2026-07-01' });
  });
  it('keeps every task for an eigenrisicodrager', () => {
    const result = computeCalendar({ firstSickDay: D, employmentEnded: { on: '2026-06-30', eigenrisicodrager: true } });
    expect(result.milestones.every((m) => m.status === 'open')).toBe(true);
    expect(result.closed).toBeUndefined();
  });
  it('keeps the probleemanalyse for the dossier once the sickness lasted 8 weeks', () => {
    const postponed: CaseFacts = {
      firstSickDay: D,
      postponements: [{ milestone: 'probleemanalyse', reason: 'afgesproken', newDue: '2026-04-01' }],
    };
    // employment ends Mar 31: sick days Jan 5..Mar 31 = 27 + 28 + 31 = 86 ≥ 56
    expect(
      milestone({ ...postponed, employmentEnded: { on: '2026-03-31', eigenrisicodrager: false } }, 'probleemanalyse')
        .status,
    ).toBe('postponed');
    // ends Feb 20: 27 + 20 = 47 sick days < 56
    expect(
      milestone({ ...postponed, employmentEnded: { on: '2026-02-20', eigenrisicodrager: false } }, 'probleemanalyse')
        .status,
    ).toBe('not-applicable');
  });
});

describe('partial recovery', () => {
  it('is not a recovery: one open period keeps the clock running', () => {
    // working part of the hours is not recorded as a period end, so the calendar is that of an open period
    expect(dueOf({ firstSickDay: '2026-01-05', periods: [{ from: '2026-01-05' }] })).toEqual(
      dueOf({ firstSickDay: '2026-01-05' }),
    );
  });
});

describe('remembered results', () => {
  const D = '2026-01-05'; // probleemanalyse due Feb 15 (D + 41)
  it('judges each asOf on its own, also when the facts were validated before', () => {
    const facts: CaseFacts = { firstSickDay: D };
    expect(milestone(facts, 'probleemanalyse', '2026-02-15').status).toBe('open');
    expect(milestone(facts, 'probleemanalyse', '2026-02-16').status).toBe('overdue');
    expect(milestone(facts, 'probleemanalyse', '2026-02-15').status).toBe('open');
    // an absent asOf and null are not the same question: null is refused, every time
    expect(milestone(facts, 'probleemanalyse').status).toBe('open');
    for (let i = 0; i < 2; i++) {
      expect(() => computeCalendar(facts, { asOf: null as unknown as string })).toThrow(/asOf: must be a date string/);
    }
    expect(() => computeCalendar(facts, { asOf: '2026-02-30' })).toThrow(CalendarInputError);
  });
  it('follows the facts as they are at each call, and shares only frozen results', () => {
    const facts: CaseFacts = { firstSickDay: D, completed: {} };
    const first = computeCalendar(facts, { asOf: '2026-03-01' });
    expect(Object.isFrozen(first.milestones[0])).toBe(true);
    expect(() => {
      (first.milestones as unknown as unknown[]).push({});
    }).toThrow(TypeError);
    facts.completed!.probleemanalyse = '2026-02-10'; // the caller's object changes after the call
    expect(milestone(facts, 'probleemanalyse', '2026-03-01')).toMatchObject({ status: 'done', doneOn: '2026-02-10' });
    // more different facts than are remembered, then the first again: still its own calendar
    for (let day = 10; day < 30; day++) computeCalendar({ firstSickDay: `2026-01-${day}` }, { asOf: '2026-03-01' });
    const again = computeCalendar({ firstSickDay: D, completed: {} }, { asOf: '2026-03-01' });
    expect(again).toEqual(first);
    expect(again).not.toBe(first); // computed anew: the first was no longer remembered
    // a refusal is not remembered as valid facts
    const bad = { firstSickDay: D, loonsanctieWeeks: 60 };
    for (let i = 0; i < 2; i++) expect(() => computeCalendar(bad)).toThrow(/at most 52 weeks/);
  });
  it('validates unchanged facts once, whatever the asOf, and tells a field set to undefined apart', () => {
    const validate = vi.spyOn(caseFactsSchema, 'safeParse');
    try {
      const facts: CaseFacts = { firstSickDay: '2025-03-03' };
      computeCalendar(facts, { asOf: '2025-04-01' });
      computeCalendar(facts, { asOf: '2025-04-02' });
      computeCalendar({ ...facts }, { asOf: '2025-04-03' });
      expect(validate).toHaveBeenCalledTimes(1);
      computeCalendar({ ...facts, loonsanctieWeeks: 2 }, { asOf: '2025-04-03' });
      expect(validate).toHaveBeenCalledTimes(2);
      // JSON would drop the field; the strict schema refuses it, also right after the valid facts
      expect(() => computeCalendar({ ...facts, diagnosis: undefined } as CaseFacts, { asOf: '2025-04-01' })).toThrow(
        /diagnosis: unknown field/,
      );
    } finally {
      validate.mockRestore();
    }
  });
});
