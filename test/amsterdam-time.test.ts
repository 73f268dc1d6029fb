// The summer-time rule in code must agree with the real Europe/Amsterdam zone (tests may use Intl;
// workflow code may not).
import { describe, expect, it } from 'vitest';
import { addDays } from '../workflows/calendar/index.js';
import { amsterdamDate, amsterdamInstant } from '../workflows/calendar/amsterdam-time.js';
import { inAmsterdam } from './setup/case-story.js';

function wallClock(utcMs: number): string {
  const { date, time } = inAmsterdam(utcMs);
  return `${date} ${time}`;
}

describe('Amsterdam time without a time-zone database', () => {
  it('puts 08:00 on the right UTC hour around the 2026 changes', () => {
    expect(new Date(amsterdamInstant('2026-03-28')).toISOString()).toBe('2026-03-28T07:00:00.000Z');
    expect(new Date(amsterdamInstant('2026-03-29')).toISOString()).toBe('2026-03-29T06:00:00.000Z');
    expect(new Date(amsterdamInstant('2026-10-24')).toISOString()).toBe('2026-10-24T06:00:00.000Z');
    expect(new Date(amsterdamInstant('2026-10-25')).toISOString()).toBe('2026-10-25T07:00:00.000Z');
  });

  it('agrees with Intl for 08:00 and for the date, every day from 2000 to 2045', () => {
    for (let date = '2000-01-01'; date < '2046-01-01'; date = addDays(date, 1)) {
      const eight = amsterdamInstant(date);
      expect(wallClock(eight)).toBe(`${date} 08:00`);
      expect(amsterdamDate(eight)).toBe(date);
      // Just before and after midnight, local time.
      expect(amsterdamDate(amsterdamInstant(date, 0))).toBe(date);
      expect(amsterdamDate(amsterdamInstant(date, 0) - 1)).toBe(addDays(date, -1));
    }
  });
});
