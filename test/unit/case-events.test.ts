// How an event changes a case, without a server: what applyEvent accepts, what it changes, and what it
// refuses with which kind of refusal (the workflow turns `invalid` into InvalidEvent and `not-allowed`
// into EventNotAllowed). First sick day Monday 2026-01-05 throughout; "today" is pinned per test.
import { describe, expect, it } from 'vitest';
import { computeCalendar } from '../../workflows/calendar/index.js';
import { applyEvent, EventRefusal, parseEvent } from '../../workflows/case-events.js';
import type { CaseState } from '../../workflows/case-model.js';
import { caseState as fixture } from './fixtures.js';

const D = '2026-01-05';

const caseState = (extra: Record<string, unknown> = {}) => fixture(D, extra);

const actor = 'anna@arbo.example';

function apply(state: CaseState, event: Record<string, unknown>, today: string) {
  return applyEvent(state, parseEvent({ actor, ...event }), today);
}

function refusal(state: CaseState, event: Record<string, unknown>, today: string): EventRefusal {
  try {
    apply(state, event, today);
  } catch (err) {
    if (err instanceof EventRefusal) return err;
    throw err;
  }
  throw new Error(`${String(event.type)} was accepted`);
}

describe('parseEvent', () => {
  it('refuses unknown fields and malformed values as invalid, naming the field', () => {
    const parse = (event: Record<string, unknown>) => {
      try {
        parseEvent({ actor, ...event });
      } catch (err) {
        return err as EventRefusal;
      }
      throw new Error('accepted');
    };
    expect(parse({ type: 'note', text: 'x', diagnosis: 'griep' })).toMatchObject({ kind: 'invalid' });
    expect(parse({ type: 'note', text: 'x', diagnosis: 'griep' }).message).toContain('diagnosis');
    expect(parse({ type: 'task-completed', task: 'ziekmelding', date: '2026-02-30' }).message).toMatch(/^date: /);
    expect(parse({ type: 'loonsanctie', weeks: 53, decisionDate: D }).message).toMatch(/^weeks: /);
    expect(parse({ type: 'no-such-event' }).message).toContain('type must be one of the known event types');
  });
});

describe('applyEvent', () => {
  it('records a completed task in the facts, and the calendar sees it done', () => {
    const state = caseState();
    expect(apply(state, { type: 'task-completed', task: 'ziekmelding', date: '2026-01-06' }, '2026-01-07')).toEqual({});
    expect(state.facts.completed).toEqual({ ziekmelding: '2026-01-06' });
    const calendar = computeCalendar(state.facts, { asOf: '2026-01-07' });
    expect(calendar.milestones.find((m) => m.id === 'ziekmelding')).toMatchObject({
      status: 'done',
      doneOn: '2026-01-06',
    });
  });

  it('refuses a completion in the future or before the first sick day as invalid, a second one as not allowed', () => {
    const state = caseState({ completed: { ziekmelding: '2026-01-06' } });
    expect(
      refusal(state, { type: 'task-completed', task: 'probleemanalyse', date: '2026-02-10' }, '2026-02-09'),
    ).toMatchObject({
      kind: 'invalid',
      message: 'date: 2026-02-10 is in the future (today is 2026-02-09)',
    });
    expect(
      refusal(state, { type: 'task-completed', task: 'probleemanalyse', date: '2026-01-02' }, '2026-02-09').kind,
    ).toBe('invalid');
    expect(
      refusal(state, { type: 'task-completed', task: 'ziekmelding', date: '2026-01-07' }, '2026-02-09'),
    ).toMatchObject({
      kind: 'not-allowed',
      message: 'ziekmelding is already recorded as done on 2026-01-06; it cannot be completed again on 2026-01-07',
    });
  });

  it('keeps every evaluatie, in date order, and refuses the same date twice', () => {
    const state = caseState();
    apply(state, { type: 'task-completed', task: 'evaluatie', date: '2026-05-01' }, '2026-06-01');
    apply(state, { type: 'task-completed', task: 'evaluatie', date: '2026-04-01' }, '2026-06-01');
    expect(state.facts.completed?.evaluatie).toEqual(['2026-04-01', '2026-05-01']);
    expect(refusal(state, { type: 'task-completed', task: 'evaluatie', date: '2026-04-01' }, '2026-06-01').kind).toBe(
      'not-allowed',
    );
  });

  it('an eerstejaarsevaluatie without prospect for spoor 1 asks for a deskundigenoordeel; with prospect it does not', () => {
    // The eerstejaarsevaluatie may be held from week 46: Monday 16 November 2026.
    const bleak = caseState();
    expect(
      apply(
        bleak,
        { type: 'task-completed', task: 'eerstejaarsevaluatie', date: '2026-12-01', outcome: 'spoor1-uitzichtloos' },
        '2026-12-01',
      ),
    ).toEqual({ requestDeskundigenoordeel: 'eerstejaarsevaluatie-spoor1-uitzichtloos' });
    expect(bleak.facts.spoor1UitzichtloosOn).toBe('2026-12-01');
    const hopeful = caseState();
    expect(
      apply(
        hopeful,
        { type: 'task-completed', task: 'eerstejaarsevaluatie', date: '2026-12-01', outcome: 'spoor1-perspectief' },
        '2026-12-01',
      ),
    ).toEqual({});
    expect(
      refusal(
        caseState(),
        { type: 'task-completed', task: 'eerstejaarsevaluatie', date: '2026-11-13', outcome: 'onduidelijk' },
        '2026-12-01',
      ),
    ).toMatchObject({
      kind: 'invalid',
      message: 'date: the eerstejaarsevaluatie may be held from week 46 (2026-11-16), not on 2026-11-13',
    });
    expect(
      refusal(caseState(), { type: 'task-completed', task: 'eerstejaarsevaluatie', date: '2026-12-01' }, '2026-12-01')
        .message,
    ).toMatch(/^outcome: is required/);
  });

  it('a full recovery ends the sickness the day before; a relapse within 28 days adds a period, later it is a new case', () => {
    const state = caseState();
    apply(state, { type: 'recovered', date: '2026-03-02' }, '2026-03-02');
    expect(state.status).toBe('hersteld');
    expect(state.facts.periods).toEqual([{ from: D, to: '2026-03-01' }]);
    const late = structuredClone(state);
    apply(state, { type: 'relapsed', date: '2026-03-20' }, '2026-03-20');
    expect(state.status).toBe('open');
    expect(state.facts.periods).toEqual([{ from: D, to: '2026-03-01' }, { from: '2026-03-20' }]);
    expect(refusal(late, { type: 'relapsed', date: '2026-03-30' }, '2026-03-30')).toMatchObject({
      kind: 'not-allowed',
      message: expect.stringContaining('that is a new sickness case'),
    });
  });

  it('a partial recovery keeps the clock running and is kept for the record', () => {
    const state = caseState();
    apply(state, { type: 'recovered', date: '2026-03-02', workPercentage: 50 }, '2026-03-02');
    expect(state.status).toBe('open');
    expect(state.workPercentage).toEqual({ since: '2026-03-02', percentage: 50 });
    expect(state.facts.periods).toBeUndefined();
    apply(state, { type: 'recovered', date: '2026-04-01' }, '2026-04-01');
    expect(state.workPercentage).toBeUndefined();
  });

  it('postpones only to a later date, and not a task that is done', () => {
    const state = caseState();
    const plan = computeCalendar(state.facts, { asOf: '2026-02-01' }).milestones.find(
      (m) => m.id === 'plan-van-aanpak',
    )!;
    expect(
      refusal(
        state,
        { type: 'task-postponed', task: 'plan-van-aanpak', newDate: plan.due, reason: 'vakantie' },
        '2026-02-01',
      ).kind,
    ).toBe('invalid');
    apply(
      state,
      { type: 'task-postponed', task: 'plan-van-aanpak', newDate: '2026-03-20', reason: 'vakantie' },
      '2026-02-01',
    );
    expect(state.facts.postponements).toEqual([
      { milestone: 'plan-van-aanpak', reason: 'vakantie', newDue: '2026-03-20' },
    ]);
    const done = caseState({ completed: { ziekmelding: '2026-01-06', probleemanalyse: '2026-02-01' } });
    expect(
      refusal(
        done,
        { type: 'task-postponed', task: 'probleemanalyse', newDate: '2026-03-01', reason: 'x' },
        '2026-02-02',
      ).kind,
    ).toBe('not-allowed');
  });

  it('closing is an effect for the workflow; a closed case refuses everything', () => {
    const state = caseState();
    expect(apply(state, { type: 'case-closed', reason: 'dossier overgedragen' }, '2026-02-01')).toEqual({
      close: 'dossier overgedragen',
    });
    const closed = { ...caseState(), status: 'closed' as const, closedReason: 'einde wachttijd' };
    expect(refusal(closed, { type: 'note', text: 'nog iets' }, '2026-02-01')).toMatchObject({
      kind: 'not-allowed',
      message: 'the case is closed (einde wachttijd)',
    });
  });

  it('a vrijwillige verlenging adds up to at most 52 weeks; a loonsanctie is recorded once', () => {
    const state = caseState();
    apply(state, { type: 'vrijwillige-verlenging', weeks: 40 }, '2027-06-01');
    expect(refusal(state, { type: 'vrijwillige-verlenging', weeks: 13 }, '2027-06-01')).toMatchObject({
      kind: 'invalid',
      message: 'weeks: the vrijwillige verlenging would total 53 weeks; at most 52 are allowed',
    });
    apply(state, { type: 'loonsanctie', weeks: 12, decisionDate: '2027-06-01' }, '2027-06-01');
    expect(refusal(state, { type: 'loonsanctie', weeks: 4, decisionDate: '2027-06-01' }, '2027-06-01').kind).toBe(
      'not-allowed',
    );
    expect(state.facts).toMatchObject({ vrijwilligeVerlengingWeeks: 40, loonsanctieWeeks: 12 });
  });
});

describe('reassignment, contacts and stand-ins', () => {
  it('another casemanager: the case is theirs from now on, and the one who left is named', () => {
    const state = caseState();
    const effects = apply(
      state,
      { type: 'casemanager-changed', name: 'Bram', email: 'bram@arbo.example', team: 'noord', from: '2026-02-02' },
      '2026-02-02',
    );
    expect(state.open.casemanager).toEqual({ name: 'Bram', email: 'bram@arbo.example', team: 'noord' });
    expect(effects.casemanagerLeft).toBe('anna@arbo.example');
    expect(
      refusal(
        state,
        { type: 'casemanager-changed', name: 'B', email: 'BRAM@arbo.example', team: 'noord', from: '2026-02-02' },
        '2026-02-02',
      ),
    ).toMatchObject({
      kind: 'not-allowed',
      message: 'BRAM@arbo.example is already the casemanager of this case',
    });
    expect(
      refusal(
        caseState(),
        { type: 'casemanager-changed', name: 'B', email: 'b@arbo.example', from: '2026-03-01' },
        '2026-02-02',
      ).message,
    ).toBe('from: 2026-03-01 is in the future (today is 2026-02-02)');
  });

  it("a new escalation contact or bedrijfsarts (who needs a name); a stand-in's period in order and not over", () => {
    const state = caseState();
    apply(state, { type: 'contact-changed', contact: 'werkgever', email: 'p.o@korenschoof.example' }, '2026-02-02');
    expect(state.open.employer.escalationEmail).toBe('p.o@korenschoof.example');
    expect(
      refusal(state, { type: 'contact-changed', contact: 'bedrijfsarts', email: 'x@arbo.example' }, '2026-02-02')
        .message,
    ).toBe('name: is required for a new bedrijfsarts');
    apply(
      state,
      { type: 'contact-changed', contact: 'bedrijfsarts', name: 'Dr. X', email: 'x@arbo.example' },
      '2026-02-02',
    );
    expect(state.open.bedrijfsarts).toEqual({ name: 'Dr. X', email: 'x@arbo.example' });

    apply(
      state,
      { type: 'stand-in', name: 'Carla', email: 'carla@arbo.example', from: '2026-07-01', until: '2026-07-31' },
      '2026-02-02',
    );
    expect(state.standIns).toEqual([
      { name: 'Carla', email: 'carla@arbo.example', from: '2026-07-01', until: '2026-07-31' },
    ]);
    expect(
      refusal(
        state,
        { type: 'stand-in', name: 'C', email: 'c@arbo.example', from: '2026-07-31', until: '2026-07-01' },
        '2026-02-02',
      ).message,
    ).toBe('until: 2026-07-01 is before from 2026-07-31');
    expect(
      refusal(
        state,
        { type: 'stand-in', name: 'C', email: 'c@arbo.example', from: '2026-01-10', until: '2026-01-20' },
        '2026-02-02',
      ).message,
    ).toBe('until: 2026-01-20 has passed (today is 2026-02-02)');
  });
});
