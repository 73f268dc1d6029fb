// What a case is made of: the input that opens it, the events that happen to it, and the record the
// workflow keeps. The zod schemas here are the one validation of these shapes; the client checks
// with them before it calls the server, and the workflow's update validators check again, so that
// no input can reach workflow state without passing them. They are built with zod/mini, because
// the workflow bundle instantiates them once per case (calendar/zod.ts says why).
//
// Privacy: a case holds dates, tasks, document references and work capacity, never medical content.
// Every object is strict, so a field such as "diagnosis" is refused, not silently carried along.
import {
  POSTPONABLE_IDS,
  SPOOR2_EXCEPTION_REASONS,
  TASK_IDS,
  getRuleset,
  LATEST_RULESET,
  listRulesets,
  type CaseFacts,
  type IsoDate,
  type MilestoneId,
  type TaskId,
} from './calendar/index.js';
import { caseFactsSchema, completedSchema, givenDate, isoDate, sicknessPeriodSchema } from './calendar/facts.js';
import * as z from './calendar/zod.js';
import type { SearchParties, WebhookEvent } from './contract.js';

export { givenDate, isoDate };

/**
 * An address as SMTP takes it (RFC 5321): the local part may hold ! # $ % & ' * + / = ? ^ _ ` { | } ~
 * and dots between them (`p&o@vandijk.example`, `o'brien@…`), the domain a name with a dot.
 */
const ADDRESS =
  /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$/;
const email = z.email({ pattern: ADDRESS, error: 'must be an e-mail address' }).check(z.maxLength(254));

/** The languages the e-mail templates come in (templates/<language>/); Dutch by default. */
export const LANGUAGES = ['nl', 'en'] as const;
export type Language = (typeof LANGUAGES)[number];
const language = z.optional(z.enum(LANGUAGES, { error: `must be one of: ${LANGUAGES.join(', ')}` }));
/**
 * Free text (a note, a reason): lines and tabs allowed, no other control characters (C0 and C1), no
 * characters that turn the direction of text around (a name that reads differently than it is).
 */
const shortText = (max: number) =>
  z.string({ error: 'must be text' }).check(
    z.trim(),
    z.minLength(1, { error: 'must not be empty' }),
    z.maxLength(max, { error: `must be at most ${max} characters` }),
    z.refine((s) => !/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/.test(s), {
      error: 'must not contain control characters',
    }),
    z.refine((s) => !/[\u202a-\u202e\u2066-\u2069]/.test(s), {
      error: 'must not contain characters that change the direction of text',
    }),
  );

/**
 * One line (a name): as free text, and no line breaks or tabs either, which would put a line of
 * their own into an e-mail (a fake header in the plain-text body).
 */
const lineText = (max: number) =>
  shortText(max).check(
    z.refine((s) => !/[\t\n\r\u2028\u2029]/.test(s), { error: 'must be one line (no line breaks or tabs)' }),
  );

/**
 * The words a message's key starts with (case-messages.ts: `<caseId>.<key>@poortwachter`). A case id
 * with `.reminder…` in it would give one of its messages the Message-ID of another case's message
 * (`SEC-4.delivery-failed` and SEC-4's report of a refused e-mail), which a mail client may then show
 * as one: a new case's id may not contain a dot followed by one of them.
 */
const MESSAGE_KEY_WORDS =
  /\.(reminder|escalation|second-escalation|takeover|deskundigenoordeel|calendar|delivery-failed)/i;

/**
 * A new case's id. Case ids are case-sensitive, as the arbodienst's own system gives them: `K-1` and
 * `k-1` are two cases (docs/cli.md).
 */
export const newCaseIdSchema = caseIdSchemaBase().check(
  z.refine((id) => !MESSAGE_KEY_WORDS.test(id), {
    error:
      "must not contain a dot followed by a message word (reminder, escalation, delivery-failed, …): its e-mails would share Message-IDs with another case's",
  }),
);

/** The message of a missing field, or else `otherwise`; other issues keep zod's own message. */
const missingOr =
  (otherwise: string) =>
  (issue: { code?: string; input?: unknown }): string | undefined =>
    issue.code === 'invalid_type' || issue.code === 'invalid_value'
      ? issue.input === undefined
        ? 'is required'
        : otherwise
      : undefined;

/** Case ids become part of the workflow id and of e-mail Message-IDs: keep them plain. */
function caseIdSchemaBase() {
  return z.string({ error: 'must be text' }).check(
    z.regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, {
      error: 'must be 1 to 64 letters, digits, dots, dashes or underscores, starting with a letter or digit',
    }),
  );
}
export const caseIdSchema = caseIdSchemaBase();

export const reminderPolicySchema = z.strictObject({
  /** Working days before the due date on which the reminder goes out at 08:00 (0: on the due date). */
  reminderWorkingDaysBefore: z.optional(z.number().check(z.int(), z.minimum(0), z.maximum(30))),
  /** Whether an open task escalates on the first working day after its due date. */
  escalate: z.optional(z.boolean()),
});
export type ReminderPolicy = z.infer<typeof reminderPolicySchema>;

export const DEFAULT_REMINDER_WORKING_DAYS = 5;

/**
 * What one case takes, and what of it the case keeps at hand. The whole record is the case's history
 * (every run of it, which `audit export` follows); the state carried from run to run and answered by
 * the query keeps the latest TIMELINE_WINDOW entries, so that it stays far below Temporal's 2 MB per
 * payload whatever is recorded. The limits refuse events well before the history could grow past
 * what a case needs in its two years: a note is at most 2,000 characters.
 */
export const CASE_LIMITS = { events: 2_000, notes: 1_000 } as const;
export const TIMELINE_WINDOW = 250;

export const openCaseSchema = z
  .strictObject({
    caseId: newCaseIdSchema,
    employer: z.strictObject(
      {
        id: lineText(64),
        name: lineText(200),
        /** Who hears of overdue tasks at the employer. */
        escalationEmail: email,
        /** The language of the e-mails about this employer's cases, unless a recipient has their own. */
        language,
      },
      { error: missingOr('must be an object: { id, name, escalationEmail }') },
    ),
    employee: z.strictObject(
      {
        /** A pseudonymous id, not a BSN or personnel number that identifies the person elsewhere. */
        id: lineText(64),
        /** The only name of the employee the system holds, used in e-mails. */
        displayName: lineText(200),
      },
      { error: missingOr('must be an object: { id, displayName }') },
    ),
    casemanager: z.strictObject(
      {
        name: lineText(200),
        email,
        language,
        /** The casemanager's team: its teamleider sees the case. */
        team: z.optional(lineText(64)),
      },
      { error: missingOr('must be an object: { name, email }') },
    ),
    bedrijfsarts: z.strictObject(
      { name: lineText(200), email, language },
      { error: missingOr('must be an object: { name, email }') },
    ),
    firstSickDay: givenDate,
    /** Earlier sickness periods (recoveries and relapses) when the case is taken over. */
    periods: z.optional(z.array(sicknessPeriodSchema).check(z.maxLength(100))),
    /** Tasks already done when a running case is taken over, with their dates. */
    completed: z.optional(completedSchema),
    /** The rule set the case keeps for life; the newest when the case is opened without one. */
    ruleset: z._default(
      z.string().check(
        z.refine((id) => getRuleset(id) !== undefined, {
          error: (iss) => `unknown rule set "${String(iss.input)}"; known: ${listRulesets().join(', ')}`,
        }),
      ),
      LATEST_RULESET,
    ),
    /** Per task: when to remind and whether to escalate, instead of the defaults. */
    reminderPolicy: z.optional(z.partialRecord(z.enum(TASK_IDS), reminderPolicySchema)),
    /**
     * Task e-mails go out at any hour, not only 08:00 to 18:00 on working days (for an arbodienst
     * whose casemanagers work around the clock). Default: office hours.
     */
    anyHour: z.optional(z.boolean({ error: 'must be true or false' })),
  })
  .check(
    z.superRefine((open, ctx) => {
      // The facts must also hold together for the calendar (periods in order, completions after the
      // first sick day, ...): checked here so that a case never starts with facts it cannot compute.
      const facts = caseFactsSchema.safeParse(initialFacts(open));
      if (!facts.success)
        for (const issue of facts.error.issues)
          ctx.addIssue({ code: 'custom', path: issue.path, message: issue.message });
    }),
  );
/** The open input after validation: the rule set is always filled in. */
export type OpenCaseInput = z.infer<typeof openCaseSchema>;

export const EERSTEJAARSEVALUATIE_OUTCOMES = ['spoor1-perspectief', 'spoor1-uitzichtloos', 'onduidelijk'] as const;
export type EerstejaarsevaluatieOutcome = (typeof EERSTEJAARSEVALUATIE_OUTCOMES)[number];

/** The five questions UWV answers in a deskundigenoordeel (domain.md). */
export const DESKUNDIGENOORDEEL_QUESTIONS = [
  'geschikt-eigen-werk',
  'voldoende-inspanningen-werknemer',
  'passende-arbeid',
  'voldoende-inspanningen-werkgever',
  'frequent-verzuim',
] as const;

const actor = lineText(200).check(z.describe('who records the event: a user id or e-mail'));

const documentReference = z.strictObject({
  uri: z.url({ error: 'must be a URI' }).check(z.maxLength(2000)),
  sha256: z.string().check(z.regex(/^[0-9a-f]{64}$/, { error: 'must be 64 lower-case hexadecimal characters' })),
});

const wholeWeeks = () => z.number().check(z.int(), z.minimum(1), z.maximum(52));

const event = <T extends string, S extends z.core.$ZodLooseShape>(type: T, shape: S) =>
  z.strictObject({ type: z.literal(type), actor, ...shape });

export const caseEventSchema = z.discriminatedUnion(
  'type',
  [
    event('task-completed', {
      task: z.enum(TASK_IDS, { error: missingOr(`must be one of: ${TASK_IDS.join(', ')}`) }),
      date: givenDate,
      document: z.optional(documentReference),
      outcome: z.optional(z.enum(EERSTEJAARSEVALUATIE_OUTCOMES)),
    }),
    event('task-postponed', {
      task: z.enum(POSTPONABLE_IDS, {
        error: missingOr(`only ${POSTPONABLE_IDS.join(' and ')} may be postponed (art. 5)`),
      }),
      newDate: givenDate,
      reason: shortText(500),
    }),
    event('recovered', {
      date: givenDate,
      /** Below 100: partial recovery, which does not stop the clock. */
      workPercentage: z.optional(z.number().check(z.int(), z.minimum(1), z.maximum(100))),
    }),
    event('relapsed', { date: givenDate }),
    event('spoor1-uitzichtloos', { date: givenDate }),
    event('spoor2-exception', { reason: z.enum(SPOOR2_EXCEPTION_REASONS), until: givenDate }),
    event('deskundigenoordeel-received', {
      date: givenDate,
      question: z.enum(DESKUNDIGENOORDEEL_QUESTIONS),
      outcome: shortText(500),
      document: z.optional(documentReference),
    }),
    event('loonsanctie', { weeks: wholeWeeks(), decisionDate: givenDate }),
    event('loonsanctie-bekort', { endDate: givenDate }),
    event('vrijwillige-verlenging', { weeks: wholeWeeks(), date: z.optional(givenDate) }),
    event('employment-ended', { date: givenDate, eigenrisicodrager: z.boolean() }),
    event('note', { text: shortText(2000) }),
    event('case-closed', { reason: shortText(500) }),
    /** Another casemanager from now on (reassignment): e-mails, invitations, lists and digest follow. */
    event('casemanager-changed', {
      name: lineText(200),
      email,
      language,
      team: z.optional(lineText(64)),
      from: givenDate,
    }),
    /** The employer's escalation contact, or the bedrijfsarts, is someone else from now on. */
    event('contact-changed', {
      contact: z.enum(['werkgever', 'bedrijfsarts'], { error: 'must be werkgever or bedrijfsarts' }),
      name: z.optional(lineText(200)),
      email,
    }),
    /** A colleague who also gets the casemanager's e-mails from one date until another (a holiday). */
    event('stand-in', { name: lineText(200), email, from: givenDate, until: givenDate }),
  ],
  { error: 'type must be one of the known event types' },
);
export type CaseEvent = z.infer<typeof caseEventSchema>;
export type CaseEventType = CaseEvent['type'];
export const CASE_EVENT_TYPES = caseEventSchema._zod.def.options.map(
  (o) => o.shape.type._zod.def.values[0],
) as CaseEventType[];

export type CaseStatus = 'open' | 'hersteld' | 'closed';

export type TimelineKind =
  | 'opened'
  | 'event'
  | 'reminder'
  | 'escalation'
  | 'overdue'
  | 'takeover-summary'
  | 'deskundigenoordeel-request'
  | 'deskundigenoordeel-reminder'
  | 'second-escalation'
  | 'calendar-cancelled'
  | 'calendar-updated'
  | 'delivery-failed'
  | 'closed';

export interface TimelineEntry {
  /** Workflow time, ISO-8601 UTC. */
  at: string;
  kind: TimelineKind;
  /** Who: the recording user for events, "system" for what the workflow did itself. */
  actor: string;
  task?: MilestoneId;
  due?: IsoDate;
  event?: CaseEvent;
  recipients?: string[];
  messageId?: string;
  details?: string;
}

export interface Completion {
  task: string;
  date: IsoDate;
  document?: { uri: string; sha256: string };
}

/** The completions a timeline holds (for a case from before they were kept apart). */
export function completionsIn(timeline: TimelineEntry[]): Completion[] {
  const found: Completion[] = [];
  for (const e of timeline) {
    const event = e.event as
      { type?: string; task?: string; date?: IsoDate; document?: Completion['document'] } | undefined;
    if (event?.type === 'task-completed' && event.task && event.date) {
      found.push({ task: event.task, date: event.date, ...(event.document && { document: event.document }) });
    }
  }
  return found;
}

export interface StandIn {
  name: string;
  email: string;
  from: IsoDate;
  until: IsoDate;
}

export interface DeskundigenoordeelState {
  requestedOn: IsoDate;
  because:
    'eerstejaarsevaluatie-spoor1-uitzichtloos' | 'eerstejaarsevaluatie-onduidelijk' | 'start-tweede-spoor-overdue';
  receivedOn?: IsoDate;
}

/** Everything the workflow knows; carried across continue-as-new. */
export interface CaseState {
  open: OpenCaseInput;
  facts: CaseFacts;
  status: CaseStatus;
  closedReason?: string;
  /** Keys of the messages already sent, so nothing goes out twice (also after continue-as-new). */
  sent: string[];
  timeline: TimelineEntry[];
  eerstejaarsevaluatieOutcome?: EerstejaarsevaluatieOutcome;
  deskundigenoordeel?: DeskundigenoordeelState;
  /** Partial recovery: the clock runs on; kept for the record. */
  workPercentage?: { since: IsoDate; percentage: number };
  /** Colleagues who also get the casemanager's e-mails, each for a period (`stand-in` events). */
  standIns?: StandIn[];
  /** Casemanagers who left the case whose invitations are still to be cancelled (next round). */
  casemanagersLeft?: string[];
  /** Whether the first look at the calendar (the take-over moment) has happened. */
  started: boolean;
  /** Simulation only (see CaseWorkflowInput). */
  clockOffsetMs?: number;
  /**
   * The calendar invitations sent with reminders, by iCalendar UID: the last SEQUENCE and due date,
   * so that a new due date updates the same entry and a finished task cancels it.
   */
  invites?: Record<string, CalendarInvite>;
  /** The timeline entries no longer at hand (TIMELINE_WINDOW): how many, and how many of them were reassignments. */
  timelineOmitted?: { entries: number; casemanagerChanges: number };
  /** Events and notes recorded so far (CASE_LIMITS); counted from the timeline when absent (cases from before). */
  recorded?: { events: number; notes: number };
  /**
   * Every task-completed event's task, date and document, kept apart from the timeline window: the
   * re-integratieverslag checklist needs all of them. Derived from the timeline when absent.
   */
  completions?: Completion[];
  /** The ids of the events recorded (EventEnvelope): the same event is never taken twice. */
  eventIds?: string[];
  /** The webhook events made so far (their ids count on), and those not yet delivered. */
  webhooks?: { count: number; outbox: WebhookEvent[] };
  /**
   * The keyed searchable identifiers of the parties named in `for` (their addresses, casemanager and
   * bedrijfsarts). Absent in a case from before keyed identifiers: it publishes the unkeyed hash.
   */
  searchIds?: { for: SearchParties; ids: SearchParties };
}

export interface CalendarInvite {
  task: TaskId;
  due: IsoDate;
  sequence: number;
  recipients: string[];
  cancelled?: boolean;
}

/**
 * `clockOffsetMs` exists for `poortwachter simulate` alone: the time-skipping server's clock starts
 * at today, and a scenario may lie in the past. The workflow then reads its clock minus the offset,
 * so dates, weekdays, holidays and 08:00 in summer or winter time are exactly the scenario's. Real
 * cases never carry it (the client library does not set it).
 */
export type CaseWorkflowInput =
  | {
      open: OpenCaseInput;
      clockOffsetMs?: number;
      /** Who opened the case (`api:<key name>`, `login:<e-mail> (<role>)`, `cli:<user>`); absent: the system. */
      openedBy?: string;
    }
  | { continued: CaseState };

/** The calendar facts a new case starts with. */
export function initialFacts(
  open: Pick<OpenCaseInput, 'ruleset' | 'firstSickDay' | 'periods' | 'completed'>,
): CaseFacts {
  return {
    ruleset: open.ruleset,
    firstSickDay: open.firstSickDay,
    ...(open.periods !== undefined && { periods: open.periods }),
    ...(open.completed !== undefined && { completed: open.completed }),
  } as CaseFacts;
}

export function caseWorkflowId(caseId: string): string {
  return `case-${caseId}`;
}

export function isTaskId(id: MilestoneId): id is TaskId {
  return id !== 'einde-wachttijd';
}

/**
 * The CasemanagerId of the cases started before searchable identifiers were keyed: FNV-1a, 64 bit, of
 * the address. Not secret (anyone can compute it from a guessed address), so new cases carry a keyed
 * HMAC instead (runtime/search-keys.ts), computed outside the workflow where the keys are; this one is
 * kept for those cases' replay and for finding them until they publish the keyed one.
 */
export function legacyCasemanagerKey(email: string): string {
  return `cm-${fnv1a64(email)}`;
}

/** The same for the bedrijfsarts (the BedrijfsartsId search attribute). */
export function legacyBedrijfsartsKey(email: string): string {
  return `ba-${fnv1a64(email)}`;
}

/** An address as the identifiers see it: one person, however the address was typed. */
export function normalizedEmail(email: string): string {
  return email.trim().toLowerCase();
}

function fnv1a64(email: string): string {
  let hash = 0xcbf29ce484222325n;
  for (const byte of new TextEncoder().encode(normalizedEmail(email))) {
    hash ^= BigInt(byte);
    hash = (hash * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return hash.toString(16).padStart(16, '0');
}
