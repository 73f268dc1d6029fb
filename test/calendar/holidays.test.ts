import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  addDays,
  addWorkingDays,
  easterSunday,
  firstWorkingDayAfter,
  firstWorkingDayOnOrAfter,
  generalHolidays,
  holidayOn,
  isWorkingDay,
  weekday,
} from '../../workflows/calendar/index.js';

describe('Easter', () => {
  // Published dates of Easter Sunday (Western churches).
  it.each([
    [2024, '2024-03-31'],
    [2025, '2025-04-20'],
    [2026, '2026-04-05'],
    [2027, '2027-03-28'],
    [2028, '2028-04-16'],
    [2038, '2038-04-25'], // the latest possible date
    [2008, '2008-03-23'],
    [2285, '2285-03-22'], // the earliest possible date
    [2000, '2000-04-23'],
    [2019, '2019-04-21'],
  ])('Easter %i is %s', (year, date) => {
    expect(easterSunday(year)).toBe(date);
  });

  it('always falls on a Sunday between 22 March and 25 April', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1900, max: 2999 }), (year) => {
        const e = easterSunday(year);
        expect(weekday(e)).toBe(0);
        expect(e >= `${year}-03-22` && e <= `${year}-04-25`).toBe(true);
      }),
    );
  });
});

describe('general holidays (Algemene termijnenwet art. 3)', () => {
  it('lists the holidays of 2026', () => {
    // Easter 2026-04-05: Goede Vrijdag -2 = 04-03, 2e Paasdag +1 = 04-06, Hemelvaart +39 = 05-14
    // (April has 30 days: 04-05 + 25 = 04-30, + 14 = 05-14), 2e Pinksterdag +50 = 05-25.
    // 27 April 2026 is a Monday, so Koningsdag is the 27th.
    expect(generalHolidays(2026).map((h) => [h.date, h.kind])).toEqual([
      ['2026-01-01', 'nieuwjaarsdag'],
      ['2026-04-03', 'goede-vrijdag'],
      ['2026-04-06', 'tweede-paasdag'],
      ['2026-04-27', 'koningsdag'],
      ['2026-05-05', 'bevrijdingsdag'],
      ['2026-05-14', 'hemelvaartsdag'],
      ['2026-05-25', 'tweede-pinksterdag'],
      ['2026-12-25', 'eerste-kerstdag'],
      ['2026-12-26', 'tweede-kerstdag'],
    ]);
  });

  it('moves Koningsdag to 26 April only when the 27th is a Sunday', () => {
    // 2025-04-27 is a Sunday: Koningsdag is Saturday 26 April; Monday 28 April is an ordinary day.
    expect(holidayOn('2025-04-26')?.kind).toBe('koningsdag');
    expect(holidayOn('2025-04-27')).toBeUndefined();
    expect(isWorkingDay('2025-04-28')).toBe(true);
    // 2024-04-27 is a Saturday: Koningsdag stays on the 27th, so Friday 26 April is a working day.
    expect(holidayOn('2024-04-27')?.kind).toBe('koningsdag');
    expect(isWorkingDay('2024-04-26')).toBe(true);
  });

  it('keeps 5 mei every year, also when it is also Hemelvaart', () => {
    // Easter 2008-03-23 + 39 = 2008-05-01 (Hemelvaart); 5 May 2008 is a Monday and still a holiday.
    expect(holidayOn('2008-05-05')?.kind).toBe('bevrijdingsdag');
    expect(isWorkingDay('2008-05-05')).toBe(false);
  });

  it('accepts extra days designated under art. 3 lid 3 as data', () => {
    const designated = [{ date: '2026-07-01', description: 'test: dag gelijkgesteld bij besluit' }];
    expect(isWorkingDay('2026-07-01')).toBe(true); // a Wednesday
    expect(isWorkingDay('2026-07-01', designated)).toBe(false);
    expect(holidayOn('2026-07-01', designated)?.kind).toBe('art-3-lid-3');
    expect(firstWorkingDayOnOrAfter('2026-07-01', designated)).toBe('2026-07-02');
  });
});

describe('working days', () => {
  it('skips weekends and holidays', () => {
    expect(isWorkingDay('2026-10-24')).toBe(false); // Saturday
    expect(isWorkingDay('2026-10-25')).toBe(false); // Sunday
    expect(isWorkingDay('2026-10-26')).toBe(true); // Monday
    // Friday 2026-04-03 Goede Vrijdag, weekend, Monday 04-06 2e Paasdag: next is Tuesday 04-07.
    expect(firstWorkingDayOnOrAfter('2026-04-03')).toBe('2026-04-07');
    expect(firstWorkingDayAfter('2026-04-02')).toBe('2026-04-07');
    expect(firstWorkingDayOnOrAfter('2026-04-07')).toBe('2026-04-07');
    expect(firstWorkingDayAfter('2026-04-07')).toBe('2026-04-08');
    // Thursday 2025-12-25 and Friday 12-26 are Kerst, then the weekend: Monday 12-29.
    expect(firstWorkingDayAfter('2025-12-24')).toBe('2025-12-29');
  });

  it('counts working days forwards and backwards', () => {
    // 5 working days before Tuesday 2026-04-07: Thu 04-02, Wed 04-01, Tue 03-31, Mon 03-30, Fri 03-27
    // (Mon 04-06 and Fri 04-03 are holidays, 04-04/05 the weekend).
    expect(addWorkingDays('2026-04-07', -5)).toBe('2026-03-27');
    // 3 working days after Wednesday 2026-05-13: Fri 05-15 (Thu 05-14 Hemelvaart), Mon 05-18, Tue 05-19.
    expect(addWorkingDays('2026-05-13', 3)).toBe('2026-05-19');
    expect(addWorkingDays('2026-05-16', 0)).toBe('2026-05-16');
  });

  it('goes back and forth to the same working day', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 40_000 }), fc.integer({ min: -30, max: 30 }), (offset, n) => {
        const d = firstWorkingDayOnOrAfter(addDays('2000-01-01', offset));
        const moved = addWorkingDays(d, n);
        expect(isWorkingDay(moved) || n === 0).toBe(true);
        expect(addWorkingDays(moved, -n)).toBe(d);
      }),
    );
  });
});
