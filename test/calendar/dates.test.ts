import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  addDays,
  addYears,
  compareDates,
  diffDays,
  isoDateProblem,
  isValidIsoDate,
  weekday,
} from '../../workflows/calendar/index.js';
import { fromDayNumber, toDayNumber } from '../../workflows/calendar/dates.js';

// Date.UTC is the independent reference here: the module computes day numbers with its own civil
// calendar arithmetic, and the two must agree on every date.
const utcDay = (y: number, m: number, d: number) => Date.UTC(y, m - 1, d) / 86_400_000;

describe('day arithmetic on ISO dates', () => {
  it('numbers days from 1970-01-01', () => {
    expect(toDayNumber('1970-01-01')).toBe(0);
    expect(toDayNumber('1970-01-02')).toBe(1);
    expect(toDayNumber('1969-12-31')).toBe(-1);
    expect(toDayNumber('2000-03-01')).toBe(utcDay(2000, 3, 1));
    expect(fromDayNumber(0)).toBe('1970-01-01');
  });

  it('agrees with Date.UTC for any date from 1900 to 2999', () => {
    fc.assert(
      fc.property(fc.integer({ min: utcDay(1900, 1, 1), max: utcDay(2999, 12, 31) }), (n) => {
        const iso = new Date(n * 86_400_000).toISOString().slice(0, 10);
        expect(toDayNumber(iso)).toBe(n);
        expect(fromDayNumber(n)).toBe(iso);
      }),
    );
  });

  it('adds days across month ends and leap days', () => {
    expect(addDays('2026-01-05', 41)).toBe('2026-02-15'); // Jan 5 + 26 = Jan 31, + 15 = Feb 15
    expect(addDays('2024-02-28', 1)).toBe('2024-02-29'); // 2024 is a leap year
    expect(addDays('2026-02-28', 1)).toBe('2026-03-01'); // 2026 is not
    expect(addDays('2100-02-28', 1)).toBe('2100-03-01'); // divisible by 100, not by 400: no leap day
    expect(addDays('2000-02-28', 1)).toBe('2000-02-29'); // divisible by 400: leap day
    expect(addDays('2026-01-01', -1)).toBe('2025-12-31');
    expect(diffDays('2028-01-02', '2026-01-05')).toBe(727);
    expect(compareDates('2026-01-05', '2026-01-06')).toBe(-1);
    expect(compareDates('2026-01-06', '2026-01-06')).toBe(0);
  });

  it('knows the day of the week', () => {
    expect(weekday('2026-01-05')).toBe(1); // a Monday
    expect(weekday('2025-04-27')).toBe(0); // a Sunday
    expect(weekday('2024-04-27')).toBe(6); // a Saturday
  });

  it('rejects impossible dates with a reason', () => {
    expect(isValidIsoDate('2026-02-30')).toBe(false);
    expect(isoDateProblem('2026-02-30')).toMatch(/has 28 days/);
    expect(isoDateProblem('2024-02-29')).toBeUndefined();
    expect(isoDateProblem('2026-13-01')).toMatch(/no month 13/);
    expect(isoDateProblem('2026-04-31')).toMatch(/has 30 days/);
    expect(isoDateProblem('26-01-05')).toMatch(/YYYY-MM-DD/);
    expect(isoDateProblem('2026-1-5')).toMatch(/YYYY-MM-DD/);
    expect(isoDateProblem('2026-01-05T00:00:00Z')).toMatch(/YYYY-MM-DD/);
    expect(() => addDays('2026-02-30', 1)).toThrow(RangeError);
  });
});

describe('addYears', () => {
  it('keeps the day and month, and turns 29 February into 1 March in a year without it', () => {
    expect(addYears('2026-07-31', 6)).toBe('2032-07-31');
    expect(addYears('2024-02-29', 4)).toBe('2028-02-29');
    expect(addYears('2024-02-29', 1)).toBe('2025-03-01');
    expect(addYears('2025-01-10', -1)).toBe('2024-01-10');
  });
});
