// The shapes of the HTTP API that are its own: answers, lists and problems. What a case is opened
// with and what an event holds are the project's own schemas (workflows/case-model.ts), so that the
// API, the CLI and the workflow validate with the same code; the OpenAPI document is generated from
// all of them (service/app.ts).
import { z } from 'zod';
import { MILESTONE_IDS } from '../workflows/calendar/index.js';
import { caseEventSchema, CASE_EVENT_TYPES } from '../workflows/case-model.js';
import * as mini from 'zod/mini';
import { ROLES } from './identity.js';

const isoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/)
  .describe('a date, YYYY-MM-DD');

/** RFC 9457 problem details, with the fields at fault as the CLI names them. */
export const problemSchema = z
  .object({
    type: z.string().describe('a stable URI reference that names the kind of problem'),
    title: z.string(),
    status: z.number().int(),
    detail: z.string().optional(),
    errors: z
      .array(z.object({ path: z.string(), message: z.string() }))
      .optional()
      .describe('each field at fault'),
  })
  .describe('application/problem+json (RFC 9457)');

const milestoneSchema = z.object({
  id: z.enum(MILESTONE_IDS),
  title: z.string(),
  owner: z.string(),
  isTask: z.boolean(),
  due: isoDate,
  from: isoDate.optional(),
  status: z.enum(['open', 'done', 'overdue', 'postponed', 'not-applicable']),
  legalBasis: z.string(),
  doneOn: isoDate.optional(),
  postponement: z.object({ reason: z.string(), originalDue: isoDate }).optional(),
  notApplicableBecause: z.string().optional(),
});

export const calendarSchema = z
  .object({
    ruleset: z.string(),
    firstSickDay: isoDate,
    waitingTimeEnds: isoDate,
    closed: z
      .discriminatedUnion('reason', [
        z.object({ reason: z.literal('hersteld'), lastSickDay: isoDate, closesOn: isoDate }),
        z.object({ reason: z.literal('uit-dienst'), employmentEndedOn: isoDate, closesOn: isoDate }),
      ])
      .optional(),
    earlierCases: z.array(isoDate).optional(),
    milestones: z.array(milestoneSchema),
  })
  .describe('every obligation of the case with its due date and status');

const timelineEntrySchema = z.object({
  at: z.string().describe('workflow time, ISO-8601 UTC'),
  kind: z.string(),
  actor: z.string(),
  task: z.string().optional(),
  due: isoDate.optional(),
  event: z
    .looseObject({ type: z.enum(CASE_EVENT_TYPES as [string, ...string[]]) })
    .optional()
    .describe('the event as recorded, with its own fields'),
  recipients: z.array(z.string()).optional(),
  messageId: z.string().optional(),
  details: z.string().optional(),
});

const language = z.enum(['nl', 'en']).optional();

export const caseViewSchema = z
  .object({
    caseId: z.string(),
    status: z.enum(['open', 'hersteld', 'closed']),
    closedReason: z.string().optional(),
    ruleset: z.string(),
    employer: z.object({ id: z.string(), name: z.string(), language }),
    employee: z.object({ id: z.string(), displayName: z.string() }),
    casemanager: z.object({ name: z.string(), email: z.string(), language, team: z.string().optional() }),
    bedrijfsarts: z.object({ name: z.string(), email: z.string(), language }),
    asOf: isoDate.describe('the date the statuses are judged on'),
    calendar: calendarSchema,
    deskundigenoordeel: z
      .object({ requestedOn: isoDate, because: z.string(), receivedOn: isoDate.optional() })
      .optional(),
    workPercentage: z.object({ since: isoDate, percentage: z.number() }).optional(),
    timeline: z.array(timelineEntrySchema).describe('the latest entries (the case keeps 250 to 300 at hand)'),
    completions: z
      .array(
        z.object({
          task: z.string(),
          date: isoDate,
          document: z.object({ uri: z.string(), sha256: z.string() }).optional(),
        }),
      )
      .optional()
      .describe('every task recorded as done, with its date and document (also those before `timeline`)'),
    sickness: z
      .object({
        periods: z.array(z.object({ from: isoDate, to: isoDate.optional() })),
        loonsanctieWeeks: z.number().int().optional(),
        vrijwilligeVerlengingWeeks: z.number().int().optional(),
      })
      .optional()
      .describe('the sickness periods and extensions of the waiting time, as the case holds them'),
    timelineOmitted: z
      .number()
      .int()
      .optional()
      .describe('how many entries came before `timeline`: they are in the audit bundle of the case'),
  })
  .describe('a case: its calendar and timeline');

export const openedSchema = z.object({ caseId: z.string(), workflowId: z.string() }).describe('the case is opened');

export const eventAcceptedSchema = z
  .object({ accepted: z.literal(true), entry: timelineEntrySchema })
  .describe('the case took the event: its timeline entry');

export const caseListSchema = z
  .object({
    cases: z.array(
      z.object({
        caseId: z.string(),
        status: z.string(),
        employerId: z.string().optional(),
        nextDeadline: isoDate.optional(),
        overdueTasks: z.number().int(),
      }),
    ),
    next: z.string().optional().describe('the cursor of the next page; absent on the last page'),
  })
  .describe('one page of cases, by next deadline');

export const caseListQuerySchema = z.strictObject({
  casemanager: z.email().optional().describe("the casemanager's e-mail address"),
  employer: z.string().min(1).optional().describe('an employer id'),
  status: z.enum(['open', 'hersteld', 'closed']).optional(),
  overdue: z.enum(['true', 'false']).optional().describe('only cases with an overdue task'),
  deadlineBefore: isoDate.optional().describe('only cases whose next deadline is before this date (yyyy-mm-dd)'),
  limit: z.coerce.number().int().min(1).max(500).default(100),
  cursor: z.string().optional().describe('from `next` of the page before'),
});

export const caseParamsSchema = z.strictObject({ caseId: z.string().min(1).max(64) });
export const asOfQuerySchema = z.strictObject({ asOf: isoDate.optional().describe('judge the statuses on this date') });

/**
 * An event as the API takes it: the event schema without `actor`, because the actor of every event
 * is the caller's authenticated identity, never what a payload says.
 */
export const apiEventSchema = mini.discriminatedUnion(
  'type',
  caseEventSchema._zod.def.options.map((option) => mini.omit(option, { actor: true })) as unknown as [
    ReturnType<typeof mini.strictObject>,
    ...ReturnType<typeof mini.strictObject>[],
  ],
);

export const auditRequestSchema = z.strictObject({
  caseIds: z.array(z.string().min(1).max(64)).min(1).max(100).describe('the cases to export, at most 100 a call'),
});

export const auditBundleSchema = z
  .string()
  .describe(
    'the audit bundle (format poortwachter-audit-bundle/2) as `poortwachter audit export` writes it: JSON lines, ' +
      'a line with the format, a line per history, the manifest, and a last line with its digest and signature',
  );

/** The media type of an audit bundle: one JSON value per line. */
export const AUDIT_BUNDLE_TYPE = 'application/x-ndjson';

/** GET /auth/me: the logged-in person. */
export const meSchema = z.strictObject({
  subject: z.string().describe("the person's subject at the identity provider"),
  name: z.string(),
  email: z.string().optional(),
  roles: z.array(z.enum(ROLES)),
  employers: z.array(z.string()).optional().describe("a werkgever's employer ids"),
  team: z.string().optional().describe("a teamleider's team"),
  csrfToken: z.string().describe('send it back as x-csrf-token (or _csrf) with every change'),
});
