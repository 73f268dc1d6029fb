// Computes the calendar of a case: every obligation with its due date and status.
//
// Decisions where the law leaves room (docs/domain.md explains each one):
// - Samentellen: a relapse fewer than 28 days after recovery continues the case. Deadlines are found
//   by counting sick days (see timeline.ts), so a deadline reached before the recovery keeps its date
//   and every later one moves by the days between recovery and relapse. Deadlines counted from a
//   completion date ("14 days after the probleemanalyse") are counted in sick days too.
// - A relapse 28 days or more after recovery is a new case with a new first sick day. Completions,
//   evaluations and postponements dated before that day belong to the earlier case and are ignored.
// - Full recovery (the last period has an end): obligations due after the last sick day are
//   `not-applicable` while the employee is recovered; their dates are shown as if the sickness ran on,
//   which is what they become after a relapse the next day. The case closes 28 days after recovery
//   (`closed.closesOn`: from that day a relapse is a new case). Partial recovery is not recorded.
// - Art. 5 postponement: only probleemanalyse and plan van aanpak, to a date later than the statutory
//   one; the latest postponement of a milestone counts. While the plan van aanpak has no completion,
//   its due date is 14 days after the probleemanalyse's due date (D + 55, or later when the
//   probleemanalyse was postponed). Status `postponed` until the new date passes, then `overdue`.
// - Spoor 2: due 6 weeks after the eerstejaarsevaluatie (or after its due date while not held); a
//   finding on F that spoor 1 has no prospect makes it due on F + 42 when that is earlier. A recorded
//   exception until X moves it to X (status `postponed`) when X is later; a no-prospect finding
//   overrides an exception that rests on a prospect of return to own work, as the two contradict.
// - Employment ended (not eigenrisicodrager): UWV takes over, so tasks due after the last day of
//   employment are `not-applicable`, except the probleemanalyse and plan van aanpak when the sickness
//   had lasted 8 weeks (they go into the dossier for UWV). An eigenrisicodrager keeps every task.
// - Loonsanctie moves only the end of the waiting time; a bekorting sets it to `loonsanctieEndsOn`,
//   which must lie after the end without the sanction and not after the end with the full sanction.
//   Vrijwillige verlenging moves the week-88 to week-93 milestones and the end of the waiting time.
// - Evaluations due after the end of the waiting time are `not-applicable`.
// - einde-wachttijd is not a task: `open` until it has passed on `asOf`, then `done`.
// - `overdue` means: not done and `asOf` is later than the due date (the due date itself is still on time).
import { addDays, compareDates, type IsoDate, isoDateProblem } from './dates.js';
import { CalendarInputError, type InputIssue } from './errors.js';
import { type CaseFacts, parseCaseFacts, type Postponement } from './facts.js';
import { boundedMemory } from './memo.js';
import type { MilestoneId, OwnerRole, SingleTaskId } from './milestones.js';
import { getRuleset, LATEST_RULESET } from './rulesets/registry.js';
import type { DueRule, MilestoneRule, RulesetId } from './rulesets/types.js';
import { currentCase, SickDayCounter } from './timeline.js';
import { firstWorkingDayAfter } from './working-days.js';

export type MilestoneStatus = 'open' | 'done' | 'overdue' | 'postponed' | 'not-applicable';

export type NotApplicableReason = 'hersteld' | 'uit-dienst' | 'na-einde-wachttijd';

export interface Milestone {
  id: MilestoneId;
  title: string;
  owner: OwnerRole;
  isTask: boolean;
  due: IsoDate;
  /** From when the task may be done, where the law says so (eerstejaarsevaluatie: week 46). */
  from?: IsoDate;
  status: MilestoneStatus;
  legalBasis: string;
  doneOn?: IsoDate;
  /** Set when the due date was moved: an art. 5 postponement or a spoor-2 exception. */
  postponement?: { reason: string; originalDue: IsoDate };
  notApplicableBecause?: NotApplicableReason;
}

export type CaseClosure =
  | { reason: 'hersteld'; lastSickDay: IsoDate; /** From this day a relapse is a new case. */ closesOn: IsoDate }
  | { reason: 'uit-dienst'; employmentEndedOn: IsoDate; /** UWV takes over from this day. */ closesOn: IsoDate };

export interface CalendarResult {
  ruleset: RulesetId;
  /** The first sick day of the current case (later than the input's when a relapse started a new case). */
  firstSickDay: IsoDate;
  waitingTimeEnds: IsoDate;
  closed?: CaseClosure;
  /** First sick days of earlier cases, closed by a relapse 28 or more days after recovery. */
  earlierCases?: IsoDate[];
  milestones: Milestone[];
}

export interface ComputeOptions {
  /** The date against which `overdue` and a passed end of the waiting time are judged. */
  asOf?: IsoDate;
}

const isAfter = (a: IsoDate, b: IsoDate) => compareDates(a, b) > 0;

/**
 * The calendar of a case. Validates the facts (throws CalendarInputError, also for facts that are
 * only wrong against the calendar, such as a postponement to a date before the statutory one).
 */
export function computeCalendar(input: CaseFacts, options: ComputeOptions = {}): CalendarResult {
  // The workflow asks for calendars of the same facts many times: several per wake-up (its loop,
  // and an event's validator and handler, each before and after the change), and again on every
  // later wake-up with a new `asOf`, while the facts change only with an event. So recent calendars
  // are remembered, and apart from them recent validated facts: a new `asOf` does not validate the
  // same facts again. Everything remembered is frozen so that no caller can change a shared one.
  let factsKey: string | undefined;
  try {
    factsKey = JSON.stringify(input, markUndefined);
  } catch {
    factsKey = undefined; // not JSON (a cycle, a BigInt): validation below refuses it
  }
  const asOf = options.asOf;
  const asOfProblem =
    asOf === undefined
      ? undefined
      : typeof asOf === 'string'
        ? isoDateProblem(asOf)
        : 'must be a date string YYYY-MM-DD';

  const validate = () => deepFreeze(parseCaseFacts(input));
  const calendar = () => {
    const facts = factsKey === undefined ? validate() : recentFacts(factsKey, validate);
    if (asOfProblem) throw new CalendarInputError([{ path: 'asOf', message: asOfProblem }]);
    return deepFreeze(calculateCalendar(facts, asOf));
  };
  // A valid date holds no line break, so no two questions share a key.
  return factsKey === undefined || asOfProblem ? calendar() : recentCalendars(`${asOf ?? ''}\n${factsKey}`, calendar);
}

/**
 * JSON leaves out a field set to undefined, which the strict schemas refuse: marked instead, such a
 * field keeps its place in the key (no valid facts hold an object with the key "\u0000").
 */
const markUndefined = (_key: string, value: unknown) => (value === undefined ? UNDEFINED_MARK : value);
const UNDEFINED_MARK = { '\u0000': 0 };

const recentCalendars = boundedMemory<string, CalendarResult>(8);
const recentFacts = boundedMemory<string, CaseFacts>(8);

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

/** The calendar of validated facts on `asOf` (valid or absent). */
function calculateCalendar(facts: CaseFacts, asOf: IsoDate | undefined): CalendarResult {
  const rulesetId = facts.ruleset ?? LATEST_RULESET;
  const ruleset = getRuleset(rulesetId);
  if (!ruleset) throw new CalendarInputError([{ path: 'ruleset', message: `unknown rule set "${rulesetId}"` }]);

  const timeline = currentCase(facts.firstSickDay, facts.periods, ruleset.samentellenGapDays);
  const D = timeline.firstSickDay;
  const counter = new SickDayCounter(timeline);
  const inCase = (date: IsoDate | undefined): IsoDate | undefined =>
    date !== undefined && compareDates(date, D) >= 0 ? date : undefined;

  const doneOn = (id: MilestoneId): IsoDate | undefined =>
    id === 'evaluatie' || id === 'einde-wachttijd' ? undefined : inCase(facts.completed?.[id as SingleTaskId]);
  const occurrences = (id: MilestoneId): IsoDate[] =>
    id === 'evaluatie' ? (facts.completed?.evaluatie ?? []).filter((d) => inCase(d)).sort() : [];
  const postponementOf = (id: MilestoneId): { p: Postponement; index: number } | undefined => {
    let found: { p: Postponement; index: number } | undefined;
    facts.postponements?.forEach((p, index) => {
      if (p.milestone === id && inCase(p.newDue)) found = { p, index };
    });
    return found;
  };

  const verlengingDays = 7 * (facts.vrijwilligeVerlengingWeeks ?? 0);
  const loonsanctieDays = 7 * (facts.loonsanctieWeeks ?? 0);
  const noProspectOn = inCase(facts.spoor1UitzichtloosOn);
  const issues: InputIssue[] = [];
  const dueOf = new Map<MilestoneId, IsoDate>();

  const evaluate = (rule: DueRule, id: MilestoneId, extraSickDays = 0): IsoDate => {
    switch (rule.kind) {
      case 'sick-day':
        return counter.dateOfSickDay(rule.day + extraSickDays);
      case 'first-working-day-after-week':
        return firstWorkingDayAfter(counter.dateOfSickDay(7 * rule.week));
      case 'after-task':
        return counter.addSickDays(doneOn(rule.task) ?? dueOf.get(rule.task)!, rule.days);
      case 'recurring-after': {
        const latest = occurrences(id).at(-1);
        return counter.addSickDays(latest ?? doneOn(rule.task) ?? dueOf.get(rule.task)!, rule.days);
      }
    }
  };

  interface Draft {
    rule: MilestoneRule;
    due: IsoDate;
    from?: IsoDate;
    postponement?: { reason: string; originalDue: IsoDate };
  }
  const drafts: Draft[] = [];

  for (const rule of ruleset.milestones) {
    const shift = (rule.movesWithVerlenging ? verlengingDays : 0) + (rule.movesWithLoonsanctie ? loonsanctieDays : 0);
    let due = evaluate(rule.due, rule.id, shift);
    let postponement: Draft['postponement'];

    if (rule.spoor2 && noProspectOn) {
      const early = counter.addSickDays(noProspectOn, rule.spoor2.afterNoProspectDays);
      if (compareDates(early, due) < 0) due = early;
    }

    if (rule.isWaitingTimeEnd && facts.loonsanctieEndsOn !== undefined) {
      const withoutSanction = evaluate(rule.due, rule.id, rule.movesWithVerlenging ? verlengingDays : 0);
      const endsOn = facts.loonsanctieEndsOn;
      if (!isAfter(endsOn, withoutSanction) || isAfter(endsOn, due)) {
        issues.push({
          path: 'loonsanctieEndsOn',
          message: `${endsOn} must lie after ${withoutSanction} (end without loonsanctie) and not after ${due} (end with the full loonsanctie)`,
        });
      } else {
        due = endsOn;
      }
    }

    const moved = postponementOf(rule.id);
    if (moved) {
      if (!rule.postponable) {
        issues.push({
          path: `postponements[${moved.index}].milestone`,
          message: `${rule.id} may not be postponed under rule set ${ruleset.id}`,
        });
      } else if (!isAfter(moved.p.newDue, due)) {
        issues.push({
          path: `postponements[${moved.index}].newDue`,
          message: `${moved.p.newDue} is not later than the statutory due date ${due} of ${rule.id}`,
        });
      } else {
        postponement = { reason: moved.p.reason, originalDue: due };
        due = moved.p.newDue;
      }
    }

    const exception = facts.spoor2Exception;
    if (rule.spoor2 && exception && !(exception.reason === 'terugkeer-eigen-werk-binnen-3-maanden' && noProspectOn)) {
      if (isAfter(exception.until, due)) {
        postponement = { reason: `uitzondering tweede spoor: ${exception.reason}`, originalDue: due };
        due = exception.until;
      }
    }

    dueOf.set(rule.id, due);
    const draft: Draft = { rule, due };
    if (rule.from) draft.from = evaluate(rule.from, rule.id);
    if (postponement) draft.postponement = postponement;
    drafts.push(draft);
  }
  if (issues.length > 0) throw new CalendarInputError(issues);

  const waitingTimeEnds = drafts.find((d) => d.rule.isWaitingTimeEnd)!.due;
  const employmentEnd =
    facts.employmentEnded && !facts.employmentEnded.eigenrisicodrager ? facts.employmentEnded.on : undefined;

  const notApplicable = (d: Draft): NotApplicableReason | undefined => {
    if (timeline.lastSickDay !== undefined && isAfter(d.due, timeline.lastSickDay)) return 'hersteld';
    if (employmentEnd !== undefined && d.rule.isTask && isAfter(d.due, employmentEnd)) {
      const keepAfter = d.rule.requiredForVangnetDossierAfterSickDays;
      if (keepAfter === undefined || counter.countThrough(employmentEnd) < keepAfter) return 'uit-dienst';
    }
    if (d.rule.isTask && isAfter(d.due, waitingTimeEnds)) return 'na-einde-wachttijd';
    return undefined;
  };

  const milestones = drafts.map((d): Milestone => {
    const done = doneOn(d.rule.id);
    const na = done === undefined ? notApplicable(d) : undefined;
    const passed = asOf !== undefined && isAfter(asOf, d.due);
    let status: MilestoneStatus;
    if (done !== undefined) status = 'done';
    else if (na) status = 'not-applicable';
    else if (!d.rule.isTask) status = passed ? 'done' : 'open';
    else if (passed) status = 'overdue';
    else if (d.postponement) status = 'postponed';
    else status = 'open';

    const m: Milestone = {
      id: d.rule.id,
      title: d.rule.title,
      owner: d.rule.owner,
      isTask: d.rule.isTask,
      due: d.due,
      status,
      legalBasis: d.rule.legalBasis,
    };
    if (d.from !== undefined) m.from = d.from;
    if (done !== undefined) m.doneOn = done;
    if (d.postponement) m.postponement = d.postponement;
    if (na) m.notApplicableBecause = na;
    return m;
  });

  const result: CalendarResult = { ruleset: ruleset.id, firstSickDay: D, waitingTimeEnds, milestones };
  const closures: CaseClosure[] = [];
  if (timeline.lastSickDay !== undefined) {
    closures.push({
      reason: 'hersteld',
      lastSickDay: timeline.lastSickDay,
      closesOn: addDays(timeline.lastSickDay, ruleset.samentellenGapDays + 1),
    });
  }
  if (employmentEnd !== undefined) {
    closures.push({ reason: 'uit-dienst', employmentEndedOn: employmentEnd, closesOn: addDays(employmentEnd, 1) });
  }
  const first = closures.sort((a, b) => compareDates(a.closesOn, b.closesOn))[0];
  if (first) result.closed = first;
  if (timeline.earlierCases.length > 0) result.earlierCases = [...timeline.earlierCases];
  return result;
}
