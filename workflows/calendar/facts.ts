// The case facts the calendar is computed from, and their validation.
//
// The schemas are strict: an unknown field is refused rather than ignored, so that no medical detail
// (a diagnosis, a note) can be carried into the case record through an extra field. Free text is
// limited to the reason of an art. 5 postponement; the spoor-2 exception reason is a fixed choice.
import { compareDates, type IsoDate, addDays, givenDateProblem, isoDateProblem } from './dates.js';
import { CalendarInputError, formatPath, type InputIssue } from './errors.js';
import { POSTPONABLE_IDS, SINGLE_TASK_IDS, type SingleTaskId, TASK_IDS } from './milestones.js';
import { getRuleset, listRulesets } from './rulesets/registry.js';
import * as z from './zod.js';

export const isoDate = z
  .string({ error: (iss) => (iss.input === undefined ? 'is required' : 'must be a date string YYYY-MM-DD') })
  .check(
    z.superRefine((value, ctx) => {
      const problem = isoDateProblem(value);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    }),
  );

/**
 * A date someone gives now (an event's, a new case's first sick day): within EARLIEST_DATE…LATEST_DATE.
 * The facts themselves keep `isoDate`: a case that took a later date once (before the bound) must
 * still compute.
 */
export const givenDate = z
  .string({ error: (iss) => (iss.input === undefined ? 'is required' : 'must be a date string YYYY-MM-DD') })
  .check(
    z.superRefine((value, ctx) => {
      const problem = givenDateProblem(value);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    }),
  );

const weeks = (what: string) =>
  z
    .number({ error: `must be a whole number of weeks (1 to 52) of ${what}` })
    .check(
      z.int({ error: `must be a whole number of weeks (1 to 52) of ${what}` }),
      z.minimum(1, { error: `must be at least 1 week (1 to 52) of ${what}` }),
      z.maximum(52, { error: `must be at most 52 weeks of ${what}` }),
    );

export const sicknessPeriodSchema = z.strictObject({
  /** First sick day of the period. */
  from: isoDate,
  /** Last sick day before a full recovery; absent while the period is still open. */
  to: z.optional(isoDate),
});

const singleTaskShape = Object.fromEntries(SINGLE_TASK_IDS.map((id) => [id, z.optional(isoDate)])) as Record<
  SingleTaskId,
  z.ZodMiniOptional<typeof isoDate>
>;

export const completedSchema = z.strictObject({
  ...singleTaskShape,
  /** The dates of the evaluations held, in any order. */
  evaluatie: z.optional(z.array(isoDate, { error: 'must be a list of dates' })),
});

export const postponementSchema = z.strictObject({
  milestone: z.enum(POSTPONABLE_IDS, {
    error: `only ${POSTPONABLE_IDS.join(' and ')} may be postponed (Regeling procesgang art. 5)`,
  }),
  /** Why employer and employee agreed to deviate; art. 5 requires it to be recorded. No medical details. */
  reason: z
    .string({ error: 'is required: art. 5 requires the reason for the deviation' })
    .check(
      z.trim(),
      z.minLength(1, { error: 'must not be empty: art. 5 requires the reason for the deviation' }),
      z.maxLength(500, { error: 'must be at most 500 characters' }),
    ),
  newDue: isoDate,
});

/** Grounds for not starting spoor 2 (domain.md): a concrete prospect of return to own work within 3 months, or not belastbaar enough. */
export const SPOOR2_EXCEPTION_REASONS = ['terugkeer-eigen-werk-binnen-3-maanden', 'onvoldoende-belastbaar'] as const;

export const spoor2ExceptionSchema = z.strictObject({
  reason: z.enum(SPOOR2_EXCEPTION_REASONS, { error: `must be one of ${SPOOR2_EXCEPTION_REASONS.join(', ')}` }),
  /** The exception holds until this date; then spoor 2 is due. */
  until: isoDate,
});

export const employmentEndedSchema = z.strictObject({
  /** Last day of employment. */
  on: isoDate,
  /** An eigenrisicodrager keeps the re-integration duty after employment ends. */
  eigenrisicodrager: z.boolean({ error: 'must be true or false' }),
});

const baseSchema = z.strictObject({
  /** The rule set the case was opened under; LATEST_RULESET when absent. */
  ruleset: z.optional(
    z.string({ error: 'must be a rule set id' }).check(
      z.refine((id) => getRuleset(id) !== undefined, {
        error: (iss) => `unknown rule set "${String(iss.input)}"; known: ${listRulesets().join(', ')}`,
      }),
    ),
  ),
  firstSickDay: isoDate,
  /** Sickness periods in order; the first starts on firstSickDay, only the last may be open. */
  periods: z.optional(
    z
      .array(sicknessPeriodSchema, { error: 'must be a list of { from, to } periods' })
      .check(z.minLength(1, { error: 'must hold at least one period (or leave periods out)' })),
  ),
  completed: z.optional(completedSchema),
  postponements: z.optional(z.array(postponementSchema, { error: 'must be a list' })),
  /** The date on which spoor 1 was found to have no prospect. */
  spoor1UitzichtloosOn: z.optional(isoDate),
  spoor2Exception: z.optional(spoor2ExceptionSchema),
  loonsanctieWeeks: z.optional(weeks('loonsanctie')),
  /** Waiting time ends on this date after UWV shortened the loonsanctie (bekorting). */
  loonsanctieEndsOn: z.optional(isoDate),
  vrijwilligeVerlengingWeeks: z.optional(weeks('vrijwillige verlenging')),
  employmentEnded: z.optional(employmentEndedSchema),
});

/** Checks between fields, run once every field is valid on its own. */
type PathIssue = { path: (string | number)[]; message: string };

function crossFieldIssues(facts: z.infer<typeof baseSchema>): PathIssue[] {
  const issues: PathIssue[] = [];
  const D = facts.firstSickDay;
  const notBeforeD = (date: IsoDate | undefined, path: (string | number)[], what: string) => {
    if (date !== undefined && compareDates(date, D) < 0) {
      issues.push({ path, message: `${what} ${date} is before firstSickDay ${D}` });
    }
  };

  const periods = facts.periods ?? [];
  periods.forEach((p, i) => {
    if (i === 0 && p.from !== D) {
      issues.push({
        path: ['periods', i, 'from'],
        message: `the first period must start on firstSickDay ${D}, not ${p.from}`,
      });
    }
    if (p.to !== undefined && compareDates(p.to, p.from) < 0) {
      issues.push({ path: ['periods', i, 'to'], message: `${p.to} is before the start of the period ${p.from}` });
    }
    if (p.to === undefined && i < periods.length - 1) {
      issues.push({
        path: ['periods', i, 'to'],
        message: 'is missing: only the last period may be open, every earlier one ends in a recovery',
      });
    }
    const prev = periods[i - 1];
    if (prev) {
      if (compareDates(p.from, prev.from) <= 0) {
        issues.push({
          path: ['periods', i, 'from'],
          message: `periods are out of order: ${p.from} is not after periods[${i - 1}].from ${prev.from}`,
        });
      } else if (prev.to !== undefined && compareDates(p.from, prev.to) <= 0) {
        issues.push({
          path: ['periods', i, 'from'],
          message: `overlaps periods[${i - 1}], which runs until ${prev.to}: a relapse cannot start before the recovery`,
        });
      } else if (prev.to !== undefined && p.from === addDays(prev.to, 1)) {
        issues.push({
          path: ['periods', i, 'from'],
          message: `starts the day after periods[${i - 1}].to ${prev.to}: without a day of recovery in between it is the same period; merge them`,
        });
      }
    }
  });

  for (const id of SINGLE_TASK_IDS) notBeforeD(facts.completed?.[id], ['completed', id], 'completion date');
  facts.completed?.evaluatie?.forEach((d, i) => notBeforeD(d, ['completed', 'evaluatie', i], 'evaluation date'));
  facts.postponements?.forEach((p, i) => notBeforeD(p.newDue, ['postponements', i, 'newDue'], 'new due date'));
  notBeforeD(facts.spoor1UitzichtloosOn, ['spoor1UitzichtloosOn'], 'the finding');
  notBeforeD(facts.spoor2Exception?.until, ['spoor2Exception', 'until'], 'the end of the exception');
  notBeforeD(facts.employmentEnded?.on, ['employmentEnded', 'on'], 'the end of employment');
  notBeforeD(facts.loonsanctieEndsOn, ['loonsanctieEndsOn'], 'the end of the loonsanctie');
  if (facts.loonsanctieEndsOn !== undefined && facts.loonsanctieWeeks === undefined) {
    issues.push({
      path: ['loonsanctieEndsOn'],
      message: 'a bekorting shortens a loonsanctie: set loonsanctieWeeks too',
    });
  }
  return issues;
}

export const caseFactsSchema = baseSchema.check(
  z.superRefine(
    (facts, ctx) => {
      for (const issue of crossFieldIssues(facts)) ctx.addIssue({ code: 'custom', ...issue });
    },
    // Only when every field is valid on its own: comparing an impossible date would say nothing useful.
    { when: (payload) => payload.issues.length === 0 },
  ),
);

export type CaseFacts = z.infer<typeof caseFactsSchema>;
export type SicknessPeriod = z.infer<typeof sicknessPeriodSchema>;
export type Postponement = z.infer<typeof postponementSchema>;
export type Spoor2Exception = z.infer<typeof spoor2ExceptionSchema>;
export type Spoor2ExceptionReason = (typeof SPOOR2_EXCEPTION_REASONS)[number];

function unknownKeyMessage(parentPath: string, key: string): string {
  if (parentPath === 'completed') {
    if (key === 'einde-wachttijd') return 'einde-wachttijd is a date, not a task: it cannot be completed';
    return `unknown task id; known: ${TASK_IDS.join(', ')}`;
  }
  return 'unknown field (refused: the case facts hold dates and decisions only, never medical details)';
}

function formatIssues(error: z.core.$ZodError): InputIssue[] {
  const issues: InputIssue[] = [];
  for (const issue of error.issues) {
    const path = formatPath(issue.path);
    if (issue.code === 'unrecognized_keys') {
      const parent = issue.path.length === 0 ? '' : path;
      for (const key of issue.keys) {
        issues.push({ path: parent === '' ? key : `${parent}.${key}`, message: unknownKeyMessage(parent, key) });
      }
    } else if (issue.code === 'invalid_type' && issue.path.length === 0) {
      issues.push({ path, message: 'must be a JSON object with the case facts' });
    } else {
      issues.push({ path, message: issue.message });
    }
  }
  return issues;
}

/** Validates unknown input (parsed JSON, a workflow argument) into case facts, or throws CalendarInputError. */
export function parseCaseFacts(input: unknown): CaseFacts {
  const result = caseFactsSchema.safeParse(input);
  if (!result.success) throw new CalendarInputError(formatIssues(result.error));
  return result.data;
}
