// Europe/Amsterdam wall-clock time without a time-zone database.
//
// Workflow code must not ask `Intl` for time-zone offsets: the answer comes from the ICU data of
// the Node.js that runs the worker, and a change there would make an old history replay to a
// different reminder time. The Dutch rule is fixed in EU law (Directive 2000/84/EC): UTC+1, and UTC+2
// from 01:00 UTC on the last Sunday of March until 01:00 UTC on the last Sunday of October.
import type { IsoDate } from './dates.js';

const HOUR_MS = 60 * 60 * 1000;

function lastSundayAt0100Utc(year: number, monthIndex: number): number {
  const lastDay = new Date(Date.UTC(year, monthIndex + 1, 0));
  const sunday = lastDay.getUTCDate() - lastDay.getUTCDay();
  return Date.UTC(year, monthIndex, sunday, 1);
}

/** The offset of Amsterdam time from UTC, in hours, at an instant. */
export function amsterdamOffsetHours(utcMs: number): 1 | 2 {
  const year = new Date(utcMs).getUTCFullYear();
  return utcMs >= lastSundayAt0100Utc(year, 2) && utcMs < lastSundayAt0100Utc(year, 9) ? 2 : 1;
}

/** The instant at which it is `hour`:00 in Amsterdam on `date`. */
export function amsterdamInstant(date: IsoDate, hour = 8): number {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const asIfUtc = Date.UTC(y, m - 1, d, hour);
  // Try winter time first; on a summer-time instant the offset is 2. Between 02:00 and 03:00 on
  // the last Sunday of March (a local time that does not exist) this yields 03:xx summer time.
  const winter = asIfUtc - HOUR_MS;
  return amsterdamOffsetHours(winter) === 1 ? winter : asIfUtc - 2 * HOUR_MS;
}

/** The Amsterdam calendar date at an instant. */
export function amsterdamDate(utcMs: number): IsoDate {
  return new Date(utcMs + amsterdamOffsetHours(utcMs) * HOUR_MS).toISOString().slice(0, 10);
}
