import { describe, expect, it } from 'vitest';
import {
  computeCalendar,
  getRuleset,
  LATEST_RULESET,
  listRulesets,
  registerRuleset,
  type CaseFacts,
  type Ruleset,
} from '../../workflows/calendar/index.js';
import { WVP_2026 } from '../../workflows/calendar/rulesets/wvp-2026.js';

// A case keeps the rule set it was opened under: adding a version must not change the calendar of
// cases under an older one.
describe('versioned rule sets', () => {
  const facts: CaseFacts = {
    firstSickDay: '2026-01-05',
    periods: [{ from: '2026-01-05', to: '2026-01-20' }, { from: '2026-02-01' }],
    completed: { ziekmelding: '2026-01-06' },
    vrijwilligeVerlengingWeeks: 4,
  };

  it('starts with wvp-2026 as the latest', () => {
    expect(LATEST_RULESET).toBe('wvp-2026');
    expect(listRulesets()).toContain('wvp-2026');
    expect(computeCalendar({ firstSickDay: '2026-01-05' }).ruleset).toBe('wvp-2026');
  });

  it('keeps the output of an old version unchanged when a new version is registered', () => {
    const before = JSON.stringify(computeCalendar(facts, { asOf: '2026-06-01' }));

    // A test-only rule set in which the probleemanalyse is due in week 4 and titles differ.
    const next: Ruleset = {
      ...WVP_2026,
      id: 'test-2099',
      description: 'test only',
      milestones: WVP_2026.milestones.map((m) =>
        m.id === 'probleemanalyse' ? { ...m, title: 'Probleemanalyse (nieuw)', due: { kind: 'sick-day', day: 28 } } : m,
      ),
    };
    registerRuleset(next);
    expect(listRulesets()).toEqual(['wvp-2026', 'test-2099']);

    expect(JSON.stringify(computeCalendar(facts, { asOf: '2026-06-01' }))).toBe(before);
    expect(JSON.stringify(computeCalendar({ ...facts, ruleset: 'wvp-2026' }, { asOf: '2026-06-01' }))).toBe(before);

    // The new version gives its own dates. Sick days: Jan 5..Jan 20 = 16, gap Jan 21..31 = 11 days.
    const newer = computeCalendar({ ...facts, ruleset: 'test-2099' });
    const pa = newer.milestones.find((m) => m.id === 'probleemanalyse');
    expect(newer.ruleset).toBe('test-2099');
    // sick day 28: 12 more from Feb 1 → Feb 12 (= Feb 1 + 11; without the gap it would be D + 27 = Feb 1)
    expect(pa).toMatchObject({ title: 'Probleemanalyse (nieuw)', due: '2026-02-12' });
    // and the old version still has week 6: sick day 42 → 26 more from Feb 1 → Feb 26 (= Feb 15 + 11)
    expect(computeCalendar(facts).milestones.find((m) => m.id === 'probleemanalyse')?.due).toBe('2026-02-26');
  });

  it('refuses to replace a published rule set', () => {
    expect(() => registerRuleset({ ...WVP_2026, description: 'changed' })).toThrow(/already registered/);
  });

  it('is not changed by editing the object it was registered from', () => {
    const before = JSON.stringify(computeCalendar(facts));
    const local: Ruleset = JSON.parse(JSON.stringify(WVP_2026));
    local.id = 'test-mutable';
    registerRuleset(local);
    (local.milestones[0] as { title: string }).title = 'changed afterwards';
    expect(getRuleset('test-mutable')?.milestones[0]?.title).toBe('Ziekmelding bij arbodienst of bedrijfsarts');
    expect(Object.isFrozen(getRuleset('wvp-2026'))).toBe(true);
    expect(JSON.stringify(computeCalendar(facts))).toBe(before);
  });

  it('refuses a rule set the engine cannot interpret', () => {
    expect(() => registerRuleset({ ...WVP_2026, id: 'test-broken', milestones: WVP_2026.milestones.slice(1) })).toThrow(
      /ziekmelding is missing/,
    );
    expect(() =>
      registerRuleset({
        ...WVP_2026,
        id: 'test-broken-order',
        milestones: [...WVP_2026.milestones].reverse(),
      }),
    ).toThrow(/must come earlier/);
  });
});
