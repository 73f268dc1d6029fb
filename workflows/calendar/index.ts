// The calendar of a sick-leave case under the Wet verbetering poortwachter: pure and deterministic
// (no I/O, no clock, no time zones), so that the case workflow, the CLI and the tests share it.
export {
  addDays,
  addYears,
  compareDates,
  diffDays,
  isValidIsoDate,
  isoDateProblem,
  givenDateProblem,
  EARLIEST_DATE,
  LATEST_DATE,
  maxDate,
  minDate,
  weekday,
  type IsoDate,
} from './dates.js';
export { amsterdamDate, amsterdamInstant, amsterdamOffsetHours } from './amsterdam-time.js';
export {
  ART_3_LID_3_DAYS,
  easterSunday,
  generalHolidays,
  holidayOn,
  isGeneralHoliday,
  koningsdag,
  type DesignatedDay,
  type Holiday,
  type HolidayKind,
} from './holidays.js';
export {
  addWorkingDays,
  firstWorkingDayAfter,
  firstWorkingDayOnOrAfter,
  isWeekend,
  isWorkingDay,
} from './working-days.js';
export {
  MILESTONE_IDS,
  POSTPONABLE_IDS,
  TASK_IDS,
  isMilestoneId,
  type MilestoneId,
  type OwnerRole,
  type PostponableId,
  type TaskId,
} from './milestones.js';
export { CalendarInputError, type InputIssue } from './errors.js';
export {
  caseFactsSchema,
  parseCaseFacts,
  SPOOR2_EXCEPTION_REASONS,
  type CaseFacts,
  type Postponement,
  type SicknessPeriod,
  type Spoor2Exception,
  type Spoor2ExceptionReason,
} from './facts.js';
export { LATEST_RULESET, getRuleset, listRulesets, registerRuleset } from './rulesets/registry.js';
export type { DueRule, MilestoneRule, Ruleset, RulesetId } from './rulesets/types.js';
export {
  computeCalendar,
  type CalendarResult,
  type CaseClosure,
  type ComputeOptions,
  type Milestone,
  type MilestoneStatus,
  type NotApplicableReason,
} from './compute.js';
