// General holidays of the Algemene termijnenwet (art. 3), which decide what a working day is.
//
// Lid 1 fixes the list (with Goede Vrijdag, which domain.md includes); lid 3 lets the government
// designate extra days by decree. Those differ per year and cannot be computed, so they are data:
// add them to ART_3_LID_3_DAYS (or pass a list to the functions) when a decree appears. They are
// facts of the calendar, not rules of a rule set, so a new designation applies to every case.
import { addDays, type IsoDate, weekday, yearOf } from './dates.js';
import { boundedMemo } from './memo.js';

export type HolidayKind =
  | 'nieuwjaarsdag'
  | 'goede-vrijdag'
  | 'tweede-paasdag'
  | 'koningsdag'
  | 'bevrijdingsdag'
  | 'hemelvaartsdag'
  | 'tweede-pinksterdag'
  | 'eerste-kerstdag'
  | 'tweede-kerstdag'
  | 'art-3-lid-3';

export interface Holiday {
  date: IsoDate;
  kind: HolidayKind;
  /** Dutch name, for people. */
  name: string;
}

/** A day designated under art. 3 lid 3 Algemene termijnenwet. */
export interface DesignatedDay {
  date: IsoDate;
  /** The decree or reason, in words. */
  description: string;
}

/**
 * Days designated under art. 3 lid 3. Empty: no designation is recorded yet. Extend this list in code
 * (its dates are cached per year with the lid 1 days, so it must not change at run time) or pass your
 * own list to the functions below (not cached).
 */
export const ART_3_LID_3_DAYS: readonly DesignatedDay[] = Object.freeze([]);

/**
 * Easter Sunday of a Gregorian year, by the anonymous Gregorian computus (Meeus/Jones/Butcher):
 * the first Sunday after the ecclesiastical full moon on or after 21 March.
 */
export function easterSunday(year: number): IsoDate {
  if (!Number.isInteger(year) || year < 1583) throw new RangeError(`no Gregorian Easter for year ${year}`);
  const a = year % 19; // position in the 19-year lunar cycle
  const b = Math.floor(year / 100);
  const c = year % 100;
  const d = Math.floor(b / 4);
  const e = b % 4;
  const f = Math.floor((b + 8) / 25);
  const g = Math.floor((b - f + 1) / 3);
  const h = (19 * a + b - d - g + 15) % 30; // epact-like correction: days to the full moon
  const i = Math.floor(c / 4);
  const k = c % 4;
  const l = (32 + 2 * e + 2 * i - h - k) % 7; // days from the full moon to the Sunday
  const m = Math.floor((a + 11 * h + 22 * l) / 451);
  const month = Math.floor((h + l - 7 * m + 114) / 31);
  const day = ((h + l - 7 * m + 114) % 31) + 1;
  return `${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

/** Koningsdag is 27 April, or 26 April when the 27th is a Sunday. */
export function koningsdag(year: number): IsoDate {
  const the27th = `${year}-04-27`;
  return weekday(the27th) === 0 ? `${year}-04-26` : the27th;
}

// The fixed list of lid 1 per year. A cache is safe in a workflow: it depends on the year only.
const statutoryCache = new Map<number, readonly Holiday[]>();

function statutoryHolidays(year: number): readonly Holiday[] {
  const cached = statutoryCache.get(year);
  if (cached) return cached;
  const easter = easterSunday(year);
  const list: readonly Holiday[] = Object.freeze([
    { date: `${year}-01-01`, kind: 'nieuwjaarsdag', name: 'Nieuwjaarsdag' },
    { date: addDays(easter, -2), kind: 'goede-vrijdag', name: 'Goede Vrijdag' },
    { date: addDays(easter, 1), kind: 'tweede-paasdag', name: 'Tweede Paasdag' },
    { date: koningsdag(year), kind: 'koningsdag', name: 'Koningsdag' },
    { date: `${year}-05-05`, kind: 'bevrijdingsdag', name: 'Bevrijdingsdag (5 mei)' },
    { date: addDays(easter, 39), kind: 'hemelvaartsdag', name: 'Hemelvaartsdag' },
    { date: addDays(easter, 50), kind: 'tweede-pinksterdag', name: 'Tweede Pinksterdag' },
    { date: `${year}-12-25`, kind: 'eerste-kerstdag', name: 'Eerste Kerstdag' },
    { date: `${year}-12-26`, kind: 'tweede-kerstdag', name: 'Tweede Kerstdag' },
  ]);
  statutoryCache.set(year, list);
  return list;
}

/** The general holidays of a year, in date order. */
export function generalHolidays(year: number, designated: readonly DesignatedDay[] = ART_3_LID_3_DAYS): Holiday[] {
  const list = statutoryHolidays(year).map((h) => ({ ...h }));
  for (const d of designated) {
    if (yearOf(d.date) === year) list.push({ date: d.date, kind: 'art-3-lid-3', name: d.description });
  }
  return list.sort((x, y) => (x.date < y.date ? -1 : x.date > y.date ? 1 : 0));
}

/** The general holiday on a date, if any (the first one when two coincide, e.g. 5 mei on Hemelvaart). */
export function holidayOn(date: IsoDate, designated: readonly DesignatedDay[] = ART_3_LID_3_DAYS): Holiday | undefined {
  return generalHolidays(yearOf(date), designated).find((h) => h.date === date);
}

export function isGeneralHoliday(date: IsoDate, designated: readonly DesignatedDay[] = ART_3_LID_3_DAYS): boolean {
  // The default list is asked for on every working-day step: its dates per year as a set.
  if (designated === ART_3_LID_3_DAYS) return defaultHolidayDates(yearOf(date)).has(date);
  return holidayOn(date, designated) !== undefined;
}

// A few years per case: no real bound needed, but the same memory as the other calendar caches.
const defaultHolidayDates = boundedMemo(
  64,
  (year: number): ReadonlySet<string> => new Set(generalHolidays(year).map((h) => h.date)),
);
