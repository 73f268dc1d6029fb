import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  addDays,
  compareDates,
  computeCalendar,
  diffDays,
  firstWorkingDayAfter,
  isWorkingDay,
  type CalendarResult,
  type CaseFacts,
  type MilestoneId,
} from '../../workflows/calendar/index.js';

// Invariants that must hold for any case, checked on generated ones.

const firstSickDay = fc.integer({ min: 0, max: 365 * 80 }).map((n) => addDays('2000-01-01', n));

/** Periods from D: lengths and gaps, the last one open or closed. */
const periodsFrom = (D: string) =>
  fc
    .record({
      parts: fc.array(fc.record({ length: fc.integer({ min: 1, max: 300 }), gap: fc.integer({ min: 1, max: 60 }) }), {
        minLength: 1,
        maxLength: 5,
      }),
      lastOpen: fc.boolean(),
    })
    .map(({ parts, lastOpen }) => {
      const periods: { from: string; to?: string }[] = [];
      let from = D;
      parts.forEach((p, i) => {
        const to = addDays(from, p.length - 1);
        const last = i === parts.length - 1;
        periods.push(last && lastOpen ? { from } : { from, to });
        from = addDays(to, p.gap + 1);
      });
      return periods;
    });

const caseFacts: fc.Arbitrary<CaseFacts> = firstSickDay.chain((D) =>
  fc.record(
    {
      firstSickDay: fc.constant(D),
      periods: periodsFrom(D),
      vrijwilligeVerlengingWeeks: fc.integer({ min: 1, max: 52 }),
      loonsanctieWeeks: fc.integer({ min: 1, max: 52 }),
    },
    { requiredKeys: ['firstSickDay'] },
  ),
);

const dues = (r: CalendarResult) =>
  Object.fromEntries(r.milestones.map((m) => [m.id, m.due])) as Record<MilestoneId, string>;

describe('calendar invariants', () => {
  it('never puts a due date before the first sick day', () => {
    fc.assert(
      fc.property(caseFacts, (facts) => {
        const r = computeCalendar(facts);
        expect(compareDates(r.firstSickDay, facts.firstSickDay)).toBeGreaterThanOrEqual(0);
        for (const m of r.milestones) {
          expect(compareDates(m.due, r.firstSickDay)).toBeGreaterThanOrEqual(0);
          if (m.from) expect(compareDates(m.from, m.due)).toBeLessThanOrEqual(0);
        }
      }),
    );
  });

  it('puts the 42-week report on the first working day after week 42', () => {
    fc.assert(
      fc.property(caseFacts, (facts) => {
        const r = computeCalendar(facts);
        const report = dues(r)['uwv-42-weken-melding'];
        expect(isWorkingDay(report)).toBe(true);
        // every day between the first eligible day and the report is not a working day
        const weekEnd42 = addDays(r.firstSickDay, 293);
        if (!r.earlierCases && !facts.periods?.some((p) => p.to && compareDates(p.to, weekEnd42) < 0)) {
          expect(report).toBe(firstWorkingDayAfter(weekEnd42));
        }
        expect(compareDates(report, addDays(r.firstSickDay, 294))).toBeGreaterThanOrEqual(0);
      }),
    );
  });

  it('gives the dates of domain.md for an uninterrupted case', () => {
    fc.assert(
      fc.property(firstSickDay, (D) => {
        const d = dues(computeCalendar({ firstSickDay: D }));
        const offset = (id: MilestoneId) => diffDays(d[id], D);
        expect(offset('ziekmelding')).toBe(6);
        expect(offset('probleemanalyse')).toBe(41);
        expect(offset('plan-van-aanpak')).toBe(55);
        expect(offset('evaluatie')).toBe(97);
        expect(offset('eerstejaarsevaluatie')).toBe(363);
        expect(offset('start-tweede-spoor')).toBe(405);
        expect(offset('wia-brief-ontvangen')).toBe(615);
        expect(offset('riv-kopie-werknemer')).toBe(636);
        expect(offset('actueel-oordeel')).toBe(636);
        expect(offset('eindevaluatie')).toBe(636);
        expect(offset('wia-aanvraag')).toBe(650);
        expect(offset('einde-wachttijd')).toBe(727);
        // at most a few non-working days (Kerst + weekend, Pasen) push the report; the most is 5, once
        // in these 80 years: D = 2037-07-03, whose D + 294 is Goede Vrijdag 2038, followed by the
        // weekend, tweede paasdag and Koningsdag on the Tuesday (Easter on 25 April)
        expect(offset('uwv-42-weken-melding')).toBeGreaterThanOrEqual(294);
        expect(offset('uwv-42-weken-melding')).toBeLessThanOrEqual(299);
      }),
    );
  });

  it('samentellen never moves a deadline earlier', () => {
    fc.assert(
      fc.property(firstSickDay, fc.integer({ min: 1, max: 700 }), fc.integer({ min: 1, max: 40 }), (D, length, gap) => {
        const plain = dues(computeCalendar({ firstSickDay: D }));
        const to = addDays(D, length - 1);
        const withGap = computeCalendar({
          firstSickDay: D,
          periods: [{ from: D, to }, { from: addDays(to, gap + 1) }],
        });
        for (const m of withGap.milestones) {
          expect(compareDates(m.due, plain[m.id])).toBeGreaterThanOrEqual(0);
          // a deadline reached before the recovery keeps its date, a later one moves by the gap
          // (the 42-week report may move by a little less or more, to a working day). A gap of 28
          // days or more starts a new case, which moves everything.
          if (m.id === 'uwv-42-weken-melding' || gap >= 28) continue;
          if (compareDates(plain[m.id], to) <= 0) expect(m.due).toBe(plain[m.id]);
          else expect(diffDays(m.due, plain[m.id])).toBe(gap);
        }
      }),
    );
  });

  it('vrijwillige verlenging moves exactly the week-88 to week-104 milestones by its length', () => {
    const moved: MilestoneId[] = [
      'wia-brief-ontvangen',
      'riv-kopie-werknemer',
      'actueel-oordeel',
      'eindevaluatie',
      'wia-aanvraag',
      'einde-wachttijd',
    ];
    fc.assert(
      fc.property(firstSickDay, fc.integer({ min: 1, max: 52 }), (D, weeks) => {
        const plain = dues(computeCalendar({ firstSickDay: D }));
        const extended = dues(computeCalendar({ firstSickDay: D, vrijwilligeVerlengingWeeks: weeks }));
        for (const id of Object.keys(plain) as MilestoneId[]) {
          expect(diffDays(extended[id], plain[id])).toBe(moved.includes(id) ? 7 * weeks : 0);
        }
        // the WIA application stays 11 weeks before the end of the waiting time
        expect(diffDays(extended['einde-wachttijd'], extended['wia-aanvraag'])).toBe(77);
      }),
    );
  });

  it('loonsanctie moves only the end of the waiting time', () => {
    fc.assert(
      fc.property(firstSickDay, fc.integer({ min: 1, max: 52 }), (D, weeks) => {
        const plain = computeCalendar({ firstSickDay: D });
        const sanctioned = computeCalendar({ firstSickDay: D, loonsanctieWeeks: weeks });
        expect(diffDays(sanctioned.waitingTimeEnds, plain.waitingTimeEnds)).toBe(7 * weeks);
        const a = dues(plain);
        const b = dues(sanctioned);
        for (const id of Object.keys(a) as MilestoneId[]) if (id !== 'einde-wachttijd') expect(b[id]).toBe(a[id]);
      }),
    );
  });

  it('is deterministic and does not change its input', () => {
    fc.assert(
      fc.property(caseFacts, (facts) => {
        const copy = JSON.parse(JSON.stringify(facts));
        expect(computeCalendar(facts, { asOf: '2030-01-01' })).toEqual(computeCalendar(copy, { asOf: '2030-01-01' }));
        expect(facts).toEqual(copy);
      }),
    );
  });

  it('never reports an open task as overdue before its due date', () => {
    fc.assert(
      fc.property(caseFacts, fc.integer({ min: 0, max: 1200 }), (facts, days) => {
        const asOf = addDays(facts.firstSickDay, days);
        for (const m of computeCalendar(facts, { asOf }).milestones) {
          if (m.status === 'overdue') expect(compareDates(asOf, m.due)).toBe(1);
          if (m.status === 'open' && m.isTask) expect(compareDates(asOf, m.due)).toBeLessThanOrEqual(0);
        }
      }),
    );
  });
});
