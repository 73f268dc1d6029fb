// The case page's chart reads the sickness periods and extensions from the case's facts, which hold
// all of them, not from the timeline, which keeps only the latest entries of a long case.
import { describe, expect, it } from 'vitest';
import { chartOf } from '../../service/pages/case-page.js';
import { caseView } from '../../workflows/case-api.js';
import { caseState } from './fixtures.js';

describe('the case chart', () => {
  it('shows a recovery and a loonsanctie that are no longer in the timeline at hand', () => {
    const state = caseState('2026-01-05');
    state.facts = {
      ...state.facts,
      periods: [{ from: '2026-01-05', to: '2026-02-10' }, { from: '2026-02-20' }],
      loonsanctieWeeks: 12,
    };
    // A long case: its timeline window holds none of the events that made these facts.
    state.timeline = [];
    state.timelineOmitted = { entries: 400, casemanagerChanges: 0 };
    const chart = chartOf(caseView(state, '2026-06-01'));
    expect(chart.periods).toEqual([{ from: '2026-01-05', to: '2026-02-10' }, { from: '2026-02-20' }]);
    expect(chart.extensions).toEqual([{ kind: 'loonsanctie', weeks: 12 }]);
  });
});
