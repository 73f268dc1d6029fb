import { describe, expect, it } from 'vitest';
import { CalendarInputError, caseFactsSchema, parseCaseFacts } from '../../workflows/calendar/index.js';

/** The issues of invalid input, as `path: message` lines. */
function issuesOf(input: unknown): string[] {
  try {
    parseCaseFacts(input);
  } catch (err) {
    expect(err).toBeInstanceOf(CalendarInputError);
    return (err as CalendarInputError).issues.map((i) => `${i.path}: ${i.message}`);
  }
  throw new Error('expected the input to be refused');
}

describe('case facts validation', () => {
  it('accepts a complete, valid set of facts', () => {
    const facts = {
      ruleset: 'wvp-2026',
      firstSickDay: '2026-01-05',
      periods: [{ from: '2026-01-05', to: '2026-01-20' }, { from: '2026-02-01' }],
      completed: { ziekmelding: '2026-01-06', evaluatie: ['2026-04-01'] },
      postponements: [{ milestone: 'plan-van-aanpak', reason: 'afgesproken met werknemer', newDue: '2026-04-01' }],
      spoor1UitzichtloosOn: '2026-09-01',
      spoor2Exception: { reason: 'onvoldoende-belastbaar', until: '2027-03-01' },
      loonsanctieWeeks: 10,
      loonsanctieEndsOn: '2028-02-01',
      vrijwilligeVerlengingWeeks: 1,
      employmentEnded: { on: '2027-06-30', eigenrisicodrager: true },
    };
    expect(parseCaseFacts(facts)).toEqual(facts);
  });

  it('rejects impossible dates', () => {
    expect(issuesOf({ firstSickDay: '2026-02-30' })).toEqual([
      'firstSickDay: 2026-02-30 does not exist: month 02 of 2026 has 28 days',
    ]);
    expect(issuesOf({ firstSickDay: '2026-01-05', completed: { evaluatie: ['2026-04-31'] } })).toEqual([
      'completed.evaluatie[0]: 2026-04-31 does not exist: month 04 of 2026 has 30 days',
    ]);
    expect(issuesOf({ firstSickDay: '5-1-2026' })[0]).toMatch(/^firstSickDay: .*YYYY-MM-DD/);
    expect(issuesOf({})).toEqual(['firstSickDay: is required']);
    expect(issuesOf([])).toEqual(['(input): must be a JSON object with the case facts']);
  });

  it('rejects periods that overlap, are out of order or do not start on the first sick day', () => {
    const D = '2026-01-05';
    expect(
      issuesOf({ firstSickDay: D, periods: [{ from: '2026-01-05', to: '2026-01-20' }, { from: '2026-01-15' }] }),
    ).toEqual([
      'periods[1].from: overlaps periods[0], which runs until 2026-01-20: a relapse cannot start before the recovery',
    ]);
    expect(
      issuesOf({
        firstSickDay: D,
        periods: [
          { from: '2026-01-05', to: '2026-01-20' },
          { from: '2026-03-01', to: '2026-03-05' },
          { from: '2026-02-01' },
        ],
      }),
    ).toEqual(['periods[2].from: periods are out of order: 2026-02-01 is not after periods[1].from 2026-03-01']);
    expect(issuesOf({ firstSickDay: D, periods: [{ from: '2026-01-06' }] })).toEqual([
      'periods[0].from: the first period must start on firstSickDay 2026-01-05, not 2026-01-06',
    ]);
    expect(issuesOf({ firstSickDay: D, periods: [{ from: '2026-01-05', to: '2026-01-04' }] })).toEqual([
      'periods[0].to: 2026-01-04 is before the start of the period 2026-01-05',
    ]);
    expect(issuesOf({ firstSickDay: D, periods: [{ from: '2026-01-05' }, { from: '2026-03-01' }] })).toEqual([
      'periods[0].to: is missing: only the last period may be open, every earlier one ends in a recovery',
    ]);
    // a relapse the day after the last sick day: there was no recovery
    expect(
      issuesOf({ firstSickDay: D, periods: [{ from: '2026-01-05', to: '2026-01-20' }, { from: '2026-01-21' }] })[0],
    ).toMatch(/^periods\[1\]\.from: starts the day after periods\[0\]\.to/);
  });

  it('rejects completion dates before the first sick day', () => {
    expect(issuesOf({ firstSickDay: '2026-01-05', completed: { probleemanalyse: '2026-01-04' } })).toEqual([
      'completed.probleemanalyse: completion date 2026-01-04 is before firstSickDay 2026-01-05',
    ]);
  });

  it('rejects extensions outside 1..52 weeks', () => {
    expect(issuesOf({ firstSickDay: '2026-01-05', loonsanctieWeeks: 53 })).toEqual([
      'loonsanctieWeeks: must be at most 52 weeks of loonsanctie',
    ]);
    expect(issuesOf({ firstSickDay: '2026-01-05', loonsanctieWeeks: 0 })[0]).toMatch(
      /^loonsanctieWeeks: must be at least 1 week/,
    );
    expect(issuesOf({ firstSickDay: '2026-01-05', vrijwilligeVerlengingWeeks: 2.5 })[0]).toMatch(
      /^vrijwilligeVerlengingWeeks: must be a whole number/,
    );
    expect(issuesOf({ firstSickDay: '2026-01-05', vrijwilligeVerlengingWeeks: '4' })[0]).toMatch(
      /^vrijwilligeVerlengingWeeks: /,
    );
    expect(issuesOf({ firstSickDay: '2026-01-05', loonsanctieEndsOn: '2028-06-01' })).toEqual([
      'loonsanctieEndsOn: a bekorting shortens a loonsanctie: set loonsanctieWeeks too',
    ]);
  });

  it('rejects unknown task ids and einde-wachttijd as a task', () => {
    expect(issuesOf({ firstSickDay: '2026-01-05', completed: { probleemanalise: '2026-02-01' } })[0]).toMatch(
      /^completed\.probleemanalise: unknown task id; known: ziekmelding, probleemanalyse/,
    );
    expect(issuesOf({ firstSickDay: '2026-01-05', completed: { 'einde-wachttijd': '2028-01-02' } })).toEqual([
      'completed.einde-wachttijd: einde-wachttijd is a date, not a task: it cannot be completed',
    ]);
    expect(
      issuesOf({
        firstSickDay: '2026-01-05',
        postponements: [{ milestone: 'eindevaluatie', reason: 'x', newDue: '2027-12-01' }],
      })[0],
    ).toMatch(/^postponements\[0\]\.milestone: only probleemanalyse and plan-van-aanpak may be postponed/);
  });

  it('refuses unknown fields everywhere, so that no medical detail slips in', () => {
    expect(issuesOf({ firstSickDay: '2026-01-05', diagnose: 'burn-out' })).toEqual([
      'diagnose: unknown field (refused: the case facts hold dates and decisions only, never medical details)',
    ]);
    expect(issuesOf({ firstSickDay: '2026-01-05', periods: [{ from: '2026-01-05', note: 'rugklachten' }] })[0]).toMatch(
      /^periods\[0\]\.note: unknown field/,
    );
    expect(
      issuesOf({
        firstSickDay: '2026-01-05',
        spoor2Exception: { reason: 'onvoldoende-belastbaar', until: '2027-01-01', toelichting: 'x' },
      })[0],
    ).toMatch(/^spoor2Exception\.toelichting: unknown field/);
    // the exception reason is a fixed choice, not free text
    expect(
      issuesOf({ firstSickDay: '2026-01-05', spoor2Exception: { reason: 'depressie', until: '2027-01-01' } })[0],
    ).toMatch(/^spoor2Exception\.reason: must be one of/);
  });

  it('rejects an unknown rule set', () => {
    expect(issuesOf({ firstSickDay: '2026-01-05', ruleset: 'wvp-1999' })).toEqual([
      'ruleset: unknown rule set "wvp-1999"; known: wvp-2026',
    ]);
  });

  it('lists every problem, and the schema can be used directly', () => {
    expect(
      issuesOf({ firstSickDay: '2026-01-05', loonsanctieWeeks: 60, completed: { foo: '2026-01-01' } }),
    ).toHaveLength(2);
    expect(
      caseFactsSchema.safeParse({
        firstSickDay: '2026-01-05',
        periods: [{ from: '2026-01-05', to: '2026-01-20' }, { from: '2026-01-10' }],
      }).error?.issues[0]?.path,
    ).toEqual(['periods', 1, 'from']);
  });

  it('joins the issues into the error message', () => {
    expect(() => parseCaseFacts({ firstSickDay: '2026-02-30', x: 1 })).toThrow(
      'firstSickDay: 2026-02-30 does not exist: month 02 of 2026 has 28 days\nx: unknown field (refused: the case facts hold dates and decisions only, never medical details)',
    );
  });
});
