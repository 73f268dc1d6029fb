// Samentellen: which sickness periods form the current case, and how sick days are counted in it.
//
// A relapse fewer than 28 days after recovery continues the case and the days in between do not
// count: week n ends on the day on which the count of sick days reaches 7n. A relapse 28 days or more
// after recovery starts a new case with a new first sick day. Partial recovery is not a recovery and
// is not recorded as one: it does not stop or move the clock.
//
// For computing dates the last period is treated as running on, even when it ended in a recovery:
// that gives every obligation the date it would have if the employee fell ill again straight away,
// and compute.ts marks the obligations after the recovery as not applicable.
import { addDays, compareDates, diffDays, type IsoDate } from './dates.js';

export interface PeriodInput {
  from: IsoDate;
  to?: IsoDate | undefined;
}

export interface CaseTimeline {
  /** The first sick day of the current case (the latest one, when relapses started new cases). */
  firstSickDay: IsoDate;
  /** The periods of the current case, in order. */
  periods: readonly PeriodInput[];
  /** The last sick day when the current case ended in a full recovery. */
  lastSickDay?: IsoDate;
  /** The first sick days of earlier cases that a relapse of 28 days or more closed. */
  earlierCases: readonly IsoDate[];
}

/** Days not sick between two periods: a recovery after `to`, a relapse on `from`. */
export function gapDays(previousTo: IsoDate, from: IsoDate): number {
  return diffDays(from, previousTo) - 1;
}

/** Splits the periods into cases and returns the latest. Periods must be valid (see facts.ts). */
export function currentCase(
  firstSickDay: IsoDate,
  periods: readonly PeriodInput[] | undefined,
  samentellenGapDays: number,
): CaseTimeline {
  const all = periods && periods.length > 0 ? periods : [{ from: firstSickDay }];
  const earlierCases: IsoDate[] = [];
  let start = 0;
  for (let i = 1; i < all.length; i++) {
    const prevTo = all[i - 1]!.to!;
    if (gapDays(prevTo, all[i]!.from) >= samentellenGapDays) {
      earlierCases.push(all[start]!.from);
      start = i;
    }
  }
  const own = all.slice(start);
  const last = own[own.length - 1]!;
  return {
    firstSickDay: own[0]!.from,
    periods: own,
    ...(last.to !== undefined ? { lastSickDay: last.to } : {}),
    earlierCases,
  };
}

/**
 * Counts sick days in a case, with the last period running on (see the comment at the top).
 */
export class SickDayCounter {
  constructor(private readonly timeline: CaseTimeline) {}

  /** The number of sick days on or before `date` (0 before the first sick day). */
  countThrough(date: IsoDate): number {
    const periods = this.timeline.periods;
    let count = 0;
    for (let i = 0; i < periods.length; i++) {
      const p = periods[i]!;
      if (compareDates(date, p.from) < 0) break;
      const isLast = i === periods.length - 1;
      const end = isLast || p.to === undefined ? date : compareDates(date, p.to) < 0 ? date : p.to;
      count += diffDays(end, p.from) + 1;
    }
    return count;
  }

  /** The day on which the count of sick days reaches `n` (n ≥ 1; day 1 is the first sick day). */
  dateOfSickDay(n: number): IsoDate {
    if (!Number.isInteger(n) || n < 1) throw new RangeError(`sick day must be a whole number from 1, got ${n}`);
    const periods = this.timeline.periods;
    let left = n;
    for (let i = 0; i < periods.length; i++) {
      const p = periods[i]!;
      const isLast = i === periods.length - 1;
      const length = isLast || p.to === undefined ? Infinity : diffDays(p.to, p.from) + 1;
      if (left <= length) return addDays(p.from, left - 1);
      left -= length;
    }
    throw new Error('unreachable: the last period runs on');
  }

  /** `n` sick days after `date`: days in a gap between periods do not count. */
  addSickDays(date: IsoDate, n: number): IsoDate {
    return this.dateOfSickDay(Math.max(1, this.countThrough(date) + n));
  }
}
