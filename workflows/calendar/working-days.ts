// Working days in the sense of the Algemene termijnenwet: not a Saturday, not a Sunday, not a
// general holiday. Only the 42-week report names a working day; the workflow also uses these helpers
// to send reminders on working days.
import { addDays, type IsoDate, weekday } from './dates.js';
import { ART_3_LID_3_DAYS, type DesignatedDay, isGeneralHoliday } from './holidays.js';
import { boundedMemo } from './memo.js';

export function isWeekend(date: IsoDate): boolean {
  const day = weekday(date);
  return day === 0 || day === 6;
}

export function isWorkingDay(date: IsoDate, designated: readonly DesignatedDay[] = ART_3_LID_3_DAYS): boolean {
  return !isWeekend(date) && !isGeneralHoliday(date, designated);
}

/** `date` itself when it is a working day, else the next working day. */
export function firstWorkingDayOnOrAfter(
  date: IsoDate,
  designated: readonly DesignatedDay[] = ART_3_LID_3_DAYS,
): IsoDate {
  let d = date;
  // A run of non-working days is at most a few days long (e.g. Kerst + weekend), so this ends quickly.
  while (!isWorkingDay(d, designated)) d = addDays(d, 1);
  return d;
}

/** The first working day strictly after `date`. */
export function firstWorkingDayAfter(date: IsoDate, designated: readonly DesignatedDay[] = ART_3_LID_3_DAYS): IsoDate {
  return firstWorkingDayOnOrAfter(addDays(date, 1), designated);
}

/**
 * Moves `n` working days from `date`, counting only working days and not `date` itself: with n = -5
 * it gives the 5th working day before `date` ("08:00 on the 5th working day before the due date").
 * With n = 0 it returns `date` unchanged, working day or not.
 */
export function addWorkingDays(
  date: IsoDate,
  n: number,
  designated: readonly DesignatedDay[] = ART_3_LID_3_DAYS,
): IsoDate {
  if (!Number.isInteger(n)) throw new RangeError(`number of working days must be an integer, got ${n}`);
  // The workflow's schedule asks for the same few steps (5 before a due date, 10 after an escalation)
  // on every wake-up: remembered for the default list of designated days.
  if (designated !== ART_3_LID_3_DAYS) return stepWorkingDays(date, n, designated);
  return defaultSteps(`${date}|${n}`);
}

const defaultSteps = boundedMemo(1024, (key: string) => {
  const [date, n] = key.split('|') as [IsoDate, string];
  return stepWorkingDays(date, Number(n), ART_3_LID_3_DAYS);
});

function stepWorkingDays(date: IsoDate, n: number, designated: readonly DesignatedDay[]): IsoDate {
  const step = n < 0 ? -1 : 1;
  let left = Math.abs(n);
  let d = date;
  while (left > 0) {
    d = addDays(d, step);
    if (isWorkingDay(d, designated)) left -= 1;
  }
  return d;
}
