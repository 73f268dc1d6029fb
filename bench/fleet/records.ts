// The fleet's cases, as an arbodienst taking over its running cases would import them: first sick
// days spread over the past two years, the tasks already done as `completed` facts (most on time, one
// in ten left undone, so that older cases carry overdue tasks), casemanagers cm000..cmNNN@fleet.test.
// And the burst's cases: each with exactly one overdue task and nothing else due, so that its first
// workflow task sends one e-mail (the take-over summary). Seeded: one seed, one fleet.
import {
  LATEST_RULESET,
  addDays,
  addWorkingDays,
  compareDates,
  computeCalendar,
  type CalendarResult,
  type IsoDate,
} from '../../workflows/calendar/index.js';
import type { OpenCaseInput } from '../../workflows/case-model.js';
import { between, prng } from '../util.js';

/** What a fleet is made of: enough to make its records again, or to name its cases and casemanagers. */
export interface FleetPlan {
  cases: number;
  casemanagers: number;
  seed: number;
  /** The Amsterdam date the fleet was built on: its first sick days count back from it. */
  builtOn: IsoDate;
}

/** The casemanager whose desk the task-list measurement opens: about 300 cases, as the target says. */
export const DESK_CASEMANAGER = 0;
const DESK_CASES = 300;
/** First sick days lie within this many days before the build date (two years: the cases are still open). */
const SPREAD_DAYS = 720;
/** The share of tasks due before the build date that were not done (they are overdue). */
const UNDONE = 0.1;
const BEDRIJFSARTSEN = 20;

export const fleetCaseId = (index: number) => `fleet-${String(index).padStart(6, '0')}`;
export const casemanagerEmail = (k: number) => `cm${String(k).padStart(3, '0')}@fleet.test`;
const casemanagerName = (k: number) => `Casemanager ${String(k).padStart(3, '0')}`;

/** How many cases the desk casemanager gets: 300, or a tenth of a small fleet. */
export const deskCases = (plan: FleetPlan) => Math.min(DESK_CASES, Math.floor(plan.cases / 10));

/**
 * The casemanager of each case: the desk casemanager's cases spread evenly through the fleet, the
 * others in turn over the rest.
 */
export function casemanagersOf(plan: FleetPlan): number[] {
  const desk = deskCases(plan);
  const others = Math.max(plan.casemanagers - 1, 1);
  let next = 0;
  return Array.from({ length: plan.cases }, (_, i) => {
    const ownsDesk = Math.floor(((i + 1) * desk) / plan.cases) > Math.floor((i * desk) / plan.cases);
    return ownsDesk ? DESK_CASEMANAGER : 1 + (next++ % others);
  });
}

function person(rnd: () => number, index: number, casemanager: number, employers: number, firstSickDay: IsoDate) {
  const employer = `wg-${String(between(rnd, 0, employers - 1)).padStart(4, '0')}`;
  const arts = between(rnd, 0, BEDRIJFSARTSEN - 1);
  return {
    caseId: fleetCaseId(index),
    employer: {
      id: employer,
      name: `Werkgever ${employer}`,
      escalationEmail: `hr@${employer}.fleet.test`,
      // Some employers have their e-mails in English.
      ...(employer.endsWith('7') && { language: 'en' as const }),
    },
    employee: { id: `wn-${index}`, displayName: `Werknemer ${index}` },
    casemanager: { name: casemanagerName(casemanager), email: casemanagerEmail(casemanager) },
    bedrijfsarts: { name: `Dr. Arts ${arts}`, email: `ba${String(arts).padStart(2, '0')}@fleet.test` },
    firstSickDay,
    // The bench must not depend on the hour it runs at: outside office hours the take-over would wait for 08:00.
    anyHour: true,
  };
}

type Completed = NonNullable<OpenCaseInput['completed']>;

const calendarOf = (firstSickDay: IsoDate, completed: Completed, asOf: IsoDate): CalendarResult =>
  computeCalendar({ ruleset: LATEST_RULESET, firstSickDay, completed }, { asOf });

/**
 * The tasks done by `today`, taken in the order they fell due (a task's due date can follow from an
 * earlier one's date): each done a few days before its due date, or, one in ten, not done at all.
 */
function completedBy(firstSickDay: IsoDate, today: IsoDate, rnd: () => number): Completed {
  const completed: Record<string, IsoDate | IsoDate[]> = {};
  const undone = new Set<string>();
  for (;;) {
    const overdue = calendarOf(firstSickDay, completed as Completed, today)
      .milestones.filter((m) => m.isTask && m.status === 'overdue' && !undone.has(m.id))
      .sort((a, b) => compareDates(a.due, b.due));
    const task = overdue[0];
    if (!task) return completed as Completed;
    if (rnd() < UNDONE) {
      undone.add(task.id);
      continue;
    }
    let date = addDays(task.due, -between(rnd, 0, 5));
    if (compareDates(date, firstSickDay) < 0) date = firstSickDay;
    if (task.id === 'evaluatie') completed.evaluatie = [...((completed.evaluatie as IsoDate[]) ?? []), date];
    else completed[task.id] = date;
  }
}

/** The fleet's records, in case order. */
export function fleetRecords(plan: FleetPlan, onProgress: (made: number) => void): OpenCaseInput[] {
  const rnd = prng(plan.seed);
  const employers = Math.max(20, Math.round(plan.cases / 50));
  const owners = casemanagersOf(plan);
  return owners.map((casemanager, index) => {
    const firstSickDay = addDays(plan.builtOn, -between(rnd, 1, SPREAD_DAYS));
    const record = {
      ...person(rnd, index, casemanager, employers, firstSickDay),
      completed: completedBy(firstSickDay, plan.builtOn, rnd),
    } as OpenCaseInput;
    onProgress(index + 1);
    return record;
  });
}

/**
 * How many days before `today` a burst case fell sick: its first task (the ziekmelding) overdue, no
 * other task overdue and none within reach of its reminder (5 working days before it is due).
 */
export function burstDaysBack(today: IsoDate): number {
  for (let back = 14; back <= 30; back++) {
    const tasks = calendarOf(addDays(today, -back), {}, today).milestones.filter((m) => m.isTask);
    const overdue = tasks.filter((m) => m.status === 'overdue');
    const nextDue = tasks.filter((m) => m.status === 'open').sort((a, b) => compareDates(a.due, b.due))[0];
    if (overdue.length === 1 && nextDue && compareDates(nextDue.due, addWorkingDays(today, 7)) > 0) return back;
  }
  throw new Error(`no first sick day gives a burst case exactly one overdue task on ${today}`);
}

/** The burst's cases: `count` cases whose first workflow task sends one take-over summary. */
export function burstRecords(plan: FleetPlan, today: IsoDate, prefix: string, count: number): OpenCaseInput[] {
  const rnd = prng(plan.seed + 1);
  const firstSickDay = addDays(today, -burstDaysBack(today));
  const employers = Math.max(20, Math.round(plan.cases / 50));
  return Array.from({ length: count }, (_, i) => {
    const record = person(rnd, i, 1 + (i % Math.max(plan.casemanagers - 1, 1)), employers, firstSickDay);
    return { ...record, caseId: `${prefix}-${String(i).padStart(6, '0')}` } as OpenCaseInput;
  });
}
