// Day arithmetic on plain `YYYY-MM-DD` strings.
//
// Why not Date: this module runs inside Temporal's workflow sandbox and on every machine of an
// arbodienst; a Date carries a time and a time zone, and a deadline is a calendar date in
// Europe/Amsterdam. Counting whole days on a proleptic Gregorian day number avoids both, and needs
// no clock and no time-zone database.

import { boundedMemo } from './memo.js';

/** A calendar date as `YYYY-MM-DD`. */
export type IsoDate = string;

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** The years accepted as input. Wider than any case needs; it keeps typos like 0202 out. */
export const MIN_YEAR = 1900;
export const MAX_YEAR = 2999;

/**
 * The dates a person or system may give: no case under this law starts before 1990, and a year after
 * 2099 is a typo (2999, 20260). A fixed bound, not "today": a case may be simulated in the future, and
 * the test server runs years ahead of the wall clock. The arithmetic itself reaches to 2999, far past
 * what a case computes from such a date.
 */
export const EARLIEST_DATE = '1990-01-01';
export const LATEST_DATE = '2099-12-31';

/** Why a given date is not one to take: not a date, or outside EARLIEST_DATE…LATEST_DATE. */
export function givenDateProblem(value: string): string | undefined {
  const problem = isoDateProblem(value);
  if (problem) return problem;
  if (value < EARLIEST_DATE) return `${value} is before ${EARLIEST_DATE}: not a plausible date`;
  if (value > LATEST_DATE) return `${value} is after ${LATEST_DATE}: not a plausible date`;
  return undefined;
}

export function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

export function daysInMonth(year: number, month: number): number {
  if (month === 2) return isLeapYear(year) ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/**
 * Why a string is not an acceptable date, or undefined when it is one. Used by the input schema so
 * that the message can say what is wrong ("February 2026 has 28 days").
 */
export function isoDateProblem(value: string): string | undefined {
  const m = ISO_DATE.exec(value);
  if (!m) return `"${value}" is not a date in the form YYYY-MM-DD`;
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  if (year < MIN_YEAR || year > MAX_YEAR) return `${value}: year must be between ${MIN_YEAR} and ${MAX_YEAR}`;
  if (month < 1 || month > 12) return `${value} does not exist: there is no month ${m[2]}`;
  const max = daysInMonth(year, month);
  if (day < 1 || day > max) return `${value} does not exist: month ${m[2]} of ${year} has ${max} days`;
  return undefined;
}

export function isValidIsoDate(value: string): boolean {
  return isoDateProblem(value) === undefined;
}

function floorDiv(a: number, b: number): number {
  return Math.floor(a / b);
}

/**
 * Days since 1970-01-01 (which is day 0). The civil-calendar conversion works in 400-year eras,
 * shifted so that the year starts on 1 March and the leap day falls at the end of the year.
 */
export function toDayNumber(date: IsoDate): number {
  return dayNumbers(date);
}

// The calendar and the workflow's schedule convert the same few hundred dates over and over (every
// working-day step does). The working set of one calendar is a few hundred dates.
const DAY_NUMBER_CACHE_LIMIT = 1024;
const dayNumbers = boundedMemo(DAY_NUMBER_CACHE_LIMIT, computeDayNumber);

function computeDayNumber(date: IsoDate): number {
  const problem = isoDateProblem(date);
  if (problem) throw new RangeError(problem);
  const [ys, ms, ds] = date.split('-');
  let y = Number(ys);
  const m = Number(ms);
  const d = Number(ds);
  if (m <= 2) y -= 1;
  const era = floorDiv(y, 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = floorDiv(153 * (m + (m > 2 ? -3 : 9)) + 2, 5) + d - 1;
  const dayOfEra = yearOfEra * 365 + floorDiv(yearOfEra, 4) - floorDiv(yearOfEra, 100) + dayOfYear;
  return era * 146097 + dayOfEra - 719468;
}

/** The inverse of toDayNumber. */
export function fromDayNumber(dayNumber: number): IsoDate {
  return isoDates(dayNumber);
}

const isoDates = boundedMemo(DAY_NUMBER_CACHE_LIMIT, computeIsoDate);

function computeIsoDate(dayNumber: number): IsoDate {
  if (!Number.isInteger(dayNumber)) throw new RangeError(`day number must be an integer, got ${dayNumber}`);
  const z = dayNumber + 719468;
  const era = floorDiv(z, 146097);
  const dayOfEra = z - era * 146097;
  const yearOfEra = floorDiv(
    dayOfEra - floorDiv(dayOfEra, 1460) + floorDiv(dayOfEra, 36524) - floorDiv(dayOfEra, 146096),
    365,
  );
  const dayOfYear = dayOfEra - (365 * yearOfEra + floorDiv(yearOfEra, 4) - floorDiv(yearOfEra, 100));
  const mp = floorDiv(5 * dayOfYear + 2, 153);
  const day = dayOfYear - floorDiv(153 * mp + 2, 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0);
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

/** The date `n` calendar days after `date` (before it when n is negative). */
export function addDays(date: IsoDate, n: number): IsoDate {
  return fromDayNumber(toDayNumber(date) + n);
}

/** The same date `years` later (earlier when negative); 29 February becomes 1 March in other years. */
export function addYears(date: IsoDate, years: number): IsoDate {
  const [y, m, d] = date.split('-') as [string, string, string];
  const year = String(Number(y) + years).padStart(4, '0');
  return addDays(`${year}-${m}-01`, Number(d) - 1);
}

/** `a - b` in days: positive when a is later. */
export function diffDays(a: IsoDate, b: IsoDate): number {
  return toDayNumber(a) - toDayNumber(b);
}

/** -1, 0 or 1, for sorting. Valid ISO dates sort as strings, but this also rejects invalid ones. */
export function compareDates(a: IsoDate, b: IsoDate): -1 | 0 | 1 {
  const d = diffDays(a, b);
  return d < 0 ? -1 : d > 0 ? 1 : 0;
}

export function minDate(a: IsoDate, b: IsoDate): IsoDate {
  return compareDates(a, b) <= 0 ? a : b;
}

export function maxDate(a: IsoDate, b: IsoDate): IsoDate {
  return compareDates(a, b) >= 0 ? a : b;
}

/** Day of the week: 0 Sunday, 1 Monday, ..., 6 Saturday (1970-01-01 was a Thursday). */
export function weekday(date: IsoDate): number {
  return (((toDayNumber(date) + 4) % 7) + 7) % 7;
}

export function yearOf(date: IsoDate): number {
  return Number(date.slice(0, 4));
}
