// What-if simulation: runs the real case workflow and activities for a scenario on a private
// time-skipping test server, with a real SMTP server on loopback that catches the e-mails, and
// reports what the case did: every reminder, escalation and request with its time and recipients,
// the events that were refused, and the final state.
//
// The clock: the test server's clock starts at the real now. Instead of shifting the scenario's
// dates (which would move weekends, Easter and the switch to summer time), the case is started with
// `clockOffsetMs` = server now − 08:00 Amsterdam time on the day the case is opened. The workflow
// subtracts the offset from its clock, so it lives in the scenario's own dates: every date, weekday,
// holiday and 08:00 in winter or summer time is exactly the scenario's, and the times it records are
// already scenario times. A scenario in the future simply gets a negative offset. From there on the
// simulation only ever moves the server's clock forward (env.sleep), to 09:00 on each event's day
// and finally to 23:59:59 on `until`, in steps of at most 30 days, stopping early once the case closed.
//
// Simulation only: real cases are opened through openCase (client/cases.ts), which never sets an
// offset.
import { WorkflowIdReusePolicy } from '@temporalio/common';
import { Worker } from '@temporalio/worker';
import type { AddressObject, ParsedMail } from 'mailparser';
import { z } from 'zod';
import { activityConfig, createActivities } from '../activities/index.js';
import type { Config } from '../runtime/config.js';
import { createMailer } from '../activities/mail.js';
import { startTimeSkippingServer } from './test-server.js';
import { bundleWorkflows } from '../runtime/workflow-bundle.js';
import { amsterdamDate, amsterdamInstant } from '../workflows/calendar/amsterdam-time.js';
import { addDays, addYears, type IsoDate, type MilestoneStatus } from '../workflows/calendar/index.js';
import { formatPath } from '../workflows/calendar/errors.js';
import type { CaseView } from '../workflows/case-api.js';
import {
  caseEventSchema,
  caseWorkflowId,
  isoDate,
  openCaseSchema,
  type CaseEvent,
  type CaseStatus,
  type CaseWorkflowInput,
  type DeskundigenoordeelState,
  type OpenCaseInput,
  type TimelineEntry,
} from '../workflows/case-model.js';
import { CASEMANAGER_ID, CASE_STATUS, EMPLOYER_ID } from '../workflows/search-attributes.js';
import { encryptingDataConverter, generateKey, parseKeyring } from '../runtime/codec.js';
import {
  CaseError,
  getCase,
  InvalidInputError,
  parseOpenCase,
  recordEvent,
  type CaseClientOptions,
} from '../client/cases.js';
import { startSmtpSink } from './smtp-sink.js';
import { casemanagerIds, searchKeys, searchKeysOf } from '../runtime/search-keys.js';
import { registerSearchAttributes } from '../runtime/search-attributes.js';

/** The actor of scenario events that do not name one. */
export const SIMULATION_ACTOR = 'simulation';
/** A scenario may run at most this many years after the first sick day (the longest case, with a
 * full loonsanctie and a full vrijwillige verlenging, lasts about four). */
export const MAX_SCENARIO_YEARS = 6;
export const MAX_SCENARIO_EVENTS = 1000;
/**
 * The hour (Amsterdam time) at which the case opens: the hour of the e-mails, so that what is due on
 * that day goes out at once (for a take-over: in the one summary of what is overdue).
 */
export const OPEN_HOUR = 8;
/** The hour (Amsterdam time) at which the events of a day are recorded: after its 08:00 e-mails. */
export const EVENT_HOUR = 9;

export interface ScenarioEvent {
  /** The Amsterdam date on which the event is recorded (at 09:00). */
  on: IsoDate;
  event: CaseEvent;
}

/** A validated scenario. */
export interface Scenario {
  case: OpenCaseInput;
  /** The day the case is opened in the simulation; the first sick day unless a take-over is simulated. */
  openOn: IsoDate;
  events: ScenarioEvent[];
  /** The last day simulated: the final state is the state at the end of this day. */
  until: IsoDate;
}

export interface SimulatedEmail {
  /** Scenario time (ISO-8601 UTC) at which the workflow sent it. */
  at: string | undefined;
  messageId: string;
  subject: string;
  to: string[];
  cc: string[];
}

export interface RefusedEvent {
  on: IsoDate;
  /** Scenario time (ISO-8601 UTC) at which it was offered. */
  at: string;
  type: CaseEvent['type'];
  refused: string;
}

export interface FinalObligation {
  id: string;
  title: string;
  owner: string;
  due: IsoDate;
  status: MilestoneStatus;
  doneOn?: IsoDate;
  /** The due date before a postponement or spoor-2 exception moved it. */
  originalDue?: IsoDate;
  notApplicableBecause?: string;
}

export interface FinalState {
  /** The date the state is judged on: `until`, or the day the case closed when that came first. */
  asOf: IsoDate;
  status: CaseStatus;
  closedReason?: string;
  ruleset: string;
  waitingTimeEnds: IsoDate;
  deskundigenoordeel?: DeskundigenoordeelState;
  obligations: FinalObligation[];
}

export interface SimulationResult {
  scenario: {
    caseId: string;
    firstSickDay: IsoDate;
    openOn: IsoDate;
    until: IsoDate;
    ruleset: string;
    events: number;
  };
  /** The case's own record, times in scenario time (ISO-8601 UTC, to the minute). */
  timeline: TimelineEntry[];
  /** The e-mails the SMTP server received, in the order they arrived. */
  emails: SimulatedEmail[];
  refused: RefusedEvent[];
  final: FinalState;
}

export interface SimulateOptions {
  /** Progress lines (server start, bundling, how far the simulation got). */
  log?: (line: string) => void;
  /**
   * The configuration the worker would run with: the activities are built from it as the worker
   * builds them (supervisor in cc, operations address, templates, links). Default: the built-in ones.
   */
  config?: Config;
}

// ---------------------------------------------------------------------------------------------
// Validation

type Issue = { path: string; message: string };
type Path = readonly (string | number)[];

const scenarioShape = z.strictObject({
  case: z.unknown(),
  openOn: z.optional(isoDate),
  events: z
    .array(z.unknown(), { error: 'must be a list of events' })
    .max(MAX_SCENARIO_EVENTS, { error: `must hold at most ${MAX_SCENARIO_EVENTS} events` })
    .optional(),
  until: isoDate,
});

const eventOn = z.looseObject(
  { on: isoDate },
  { error: 'must be an event object: { "on": "YYYY-MM-DD", "type": "...", ... }' },
);

function collect(issues: Issue[], prefix: Path, error: z.core.$ZodError): void {
  for (const i of error.issues) {
    issues.push({ path: formatPath([...prefix, ...(i.path as (string | number)[])]), message: i.message });
  }
}

/** Validates a scenario; throws InvalidInputError whose issues name the fields (`events[2].on`). */
export function parseScenario(input: unknown): Scenario {
  const issues: Issue[] = [];
  const shape = scenarioShape.safeParse(input);
  if (!shape.success) {
    collect(issues, [], shape.error);
    // Report what can be checked of the parts too, so one run shows every problem.
    if (typeof input !== 'object' || input === null || Array.isArray(input)) throw new InvalidInputError(issues);
  }
  const raw = input as Record<string, unknown>;

  let open: OpenCaseInput | undefined;
  if (raw.case === undefined) issues.push({ path: 'case', message: 'is required: the input that opens the case' });
  else {
    const parsed = openCaseSchema.safeParse(raw.case);
    if (parsed.success) open = parsed.data;
    else collect(issues, ['case'], parsed.error);
  }

  const events: ScenarioEvent[] = [];
  /** Every event with a valid date, with its place in the list, for the checks between dates. */
  const dated: { i: number; on: IsoDate }[] = [];
  const rawEvents = Array.isArray(raw.events) ? raw.events.slice(0, MAX_SCENARIO_EVENTS) : [];
  rawEvents.forEach((item, i) => {
    const withOn = eventOn.safeParse(item);
    if (!withOn.success) {
      collect(issues, ['events', i], withOn.error);
      if (typeof item !== 'object' || item === null || Array.isArray(item)) return;
    } else dated.push({ i, on: withOn.data.on });
    const { on, ...rest } = item as Record<string, unknown>;
    const event = caseEventSchema.safeParse({ actor: SIMULATION_ACTOR, ...rest });
    if (!event.success) collect(issues, ['events', i], event.error);
    if (withOn.success && event.success) events.push({ on: on as IsoDate, event: event.data });
  });

  // Dates between the parts, as far as the parts they compare are valid.
  const dateField = (value: unknown) => (isoDate.safeParse(value).success ? (value as IsoDate) : undefined);
  const until = dateField(raw.until);
  const D = open?.firstSickDay;
  const openOn = raw.openOn === undefined ? D : dateField(raw.openOn);
  if (D && until) {
    const latest = addYears(D, MAX_SCENARIO_YEARS);
    if (until <= D) issues.push({ path: 'until', message: `${until} must lie after case.firstSickDay ${D}` });
    else if (until > latest) {
      issues.push({
        path: 'until',
        message: `${until} lies more than ${MAX_SCENARIO_YEARS} years after case.firstSickDay ${D} (at most ${latest})`,
      });
    }
  }
  if (D && openOn && raw.openOn !== undefined) {
    if (openOn < D) issues.push({ path: 'openOn', message: `${openOn} is before case.firstSickDay ${D}` });
    else if (until && openOn > until) issues.push({ path: 'openOn', message: `${openOn} is after until ${until}` });
  }

  // What the open input says has happened must have happened by the day the case is opened.
  if (open && openOn) {
    const history: [Path, IsoDate | undefined][] = [];
    for (const [id, value] of Object.entries(open.completed ?? {})) {
      if (Array.isArray(value)) value.forEach((d, i) => history.push([['case', 'completed', id, i], d]));
      else history.push([['case', 'completed', id], value]);
    }
    open.periods?.forEach((p, i) =>
      history.push([['case', 'periods', i, 'from'], p.from], [['case', 'periods', i, 'to'], p.to]),
    );
    for (const [path, date] of history) {
      if (date !== undefined && date > openOn) {
        issues.push({
          path: formatPath(path),
          message: `${date} is after the day the case is opened in the simulation (openOn ${openOn}); make it an event instead`,
        });
      }
    }
  }

  dated.forEach(({ i, on }, k) => {
    const path = formatPath(['events', i, 'on']);
    const previous = dated[k - 1];
    if (openOn && on < openOn) {
      issues.push({
        path,
        message: `${on} is before the case is opened (${raw.openOn === undefined ? 'case.firstSickDay' : 'openOn'} ${openOn})`,
      });
    } else if (until && on > until) issues.push({ path, message: `${on} is after until ${until}` });
    else if (previous && on < previous.on) {
      issues.push({
        path,
        message: `${on} is before events[${previous.i}].on ${previous.on}: list the events in date order`,
      });
    }
  });
  if (issues.length > 0 || !shape.success || !open || !until || !openOn) throw new InvalidInputError(issues);
  return { case: open, openOn, events, until };
}

// ---------------------------------------------------------------------------------------------
// The run

/**
 * Starts a case whose clock runs `clockOffsetMs` behind the server's. Simulation only: a real case
 * never carries an offset, which is why this is not part of client/cases.ts.
 */
async function startSimulatedCase(
  { client, taskQueue }: CaseClientOptions,
  input: unknown,
  clockOffsetMs: number,
): Promise<string> {
  const open = parseOpenCase(input);
  const workflowId = caseWorkflowId(open.caseId);
  const args: [CaseWorkflowInput] = [{ open, clockOffsetMs }];
  await client.workflow.start('caseWorkflow', {
    taskQueue,
    workflowId,
    args,
    workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
    typedSearchAttributes: [
      { key: CASE_STATUS, value: 'open' },
      {
        key: CASEMANAGER_ID,
        value: casemanagerIds(
          searchKeysOf(client.options.loadedDataConverter.payloadCodecs),
          open.casemanager.email,
        )[0]!,
      },
      { key: EMPLOYER_ID, value: open.employer.id },
    ],
  });
  return workflowId;
}

/** What the simulation reports of each message the SMTP server received. */
interface ReceivedMail {
  messageId: string;
  subject: string;
  to: string[];
  cc: string[];
}

function addresses(field: AddressObject | AddressObject[] | undefined): string[] {
  const list = field === undefined ? [] : Array.isArray(field) ? field : [field];
  return list.flatMap((a) => a.value.map((v) => v.address ?? '')).filter((a) => a !== '');
}

function received(mail: ParsedMail): ReceivedMail {
  return {
    messageId: mail.messageId ?? '',
    subject: mail.subject ?? '',
    to: addresses(mail.to),
    cc: addresses(mail.cc),
  };
}

/**
 * ISO-8601 UTC to the minute. Everything in a simulation happens on a whole hour (the case opens at
 * 08:00, e-mails go out at 08:00, events come at 09:00, a case closes at 00:00); the workflow's own
 * record adds the (real) time the processing took, up to a second or so, which would make the output
 * of two runs of the same scenario differ.
 */
function toMinute(iso: string): string {
  return `${iso.slice(0, 16)}:00Z`;
}

/** The end of an Amsterdam day: 23:59:59. */
function endOfDay(date: IsoDate): number {
  return amsterdamInstant(addDays(date, 1), 0) - 1000;
}

/** How far one time skip goes at most, so that progress is reported and a closed case stops the run. */
const STEP_MS = 30 * 24 * 60 * 60 * 1000;
const PROGRESS_EVERY_MS = 2000;

/** Runs a scenario (as read from JSON; validated with parseScenario) and reports what the case did. */
export async function simulate(input: unknown, options: SimulateOptions = {}): Promise<SimulationResult> {
  const scenario = parseScenario(input);
  const log = options.log ?? (() => {});
  const cleanup: (() => Promise<void> | void)[] = [];
  try {
    // Encrypted like a real case, with a throw-away key: the private server is discarded afterwards.
    const keyring = parseKeyring(`simulate:${generateKey()}`, 'simulation key');
    const dataConverter = encryptingDataConverter(keyring);
    const env = await startTimeSkippingServer({ dataConverter }, log);
    cleanup.push(() => env.teardown());
    await registerSearchAttributes(env.connection, env.namespace ?? 'default');

    const sink = await startSmtpSink();
    cleanup.push(() => sink.close());
    const mailer = createMailer(sink.url, 'Poortwachter simulatie <poortwachter@simulation.invalid>');
    cleanup.push(() => mailer.close());

    log('bundling the workflow code');
    const workflowBundle = await bundleWorkflows(bundlerLogger(log));
    const taskQueue = `simulate-${process.pid}`;
    const worker = await Worker.create({
      connection: env.nativeConnection,
      namespace: env.namespace ?? 'default',
      taskQueue,
      workflowBundle,
      activities: createActivities({
        mailer,
        searchKeys: searchKeys(keyring),
        ...(options.config && activityConfig(options.config)),
      }),
      dataConverter,
    });
    const running = worker.run();
    cleanup.push(async () => {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running;
    });
    const cases: CaseClientOptions = { client: env.client, taskQueue };

    // The clock offset: scenario time = server time − offset.
    const offset = (await env.currentTimeMs()) - amsterdamInstant(scenario.openOn, OPEN_HOUR);
    const caseId = scenario.case.caseId;
    const handle = env.client.workflow.getHandle(await startSimulatedCase(cases, scenario.case, offset));
    log(`opened case ${caseId} on ${scenario.openOn} (first sick day ${scenario.case.firstSickDay})`);

    let closed = false;
    let lastLog = Date.now();
    const scenarioNow = async () => (await env.currentTimeMs()) - offset;
    /** Lets scenario time run to `target`: timers fire, e-mails go out. Stops early once the case closed. */
    const travelTo = async (target: number) => {
      for (;;) {
        if (closed) return;
        const now = await scenarioNow();
        if (now >= target) return;
        await env.sleep(Math.min(target - now, STEP_MS));
        closed = (await handle.describe()).status.name !== 'RUNNING';
        if (Date.now() - lastLog >= PROGRESS_EVERY_MS) {
          lastLog = Date.now();
          log(`simulated up to ${amsterdamDate(await scenarioNow())}, ${sink.messages.length} e-mails`);
        }
      }
    };

    const refused: RefusedEvent[] = [];
    for (const { on, event } of scenario.events) {
      const at = amsterdamInstant(on, EVENT_HOUR);
      await travelTo(at);
      try {
        await recordEvent(cases, caseId, event);
      } catch (err) {
        if (!(err instanceof CaseError)) throw err;
        refused.push({
          on,
          at: new Date(at).toISOString().replace('.000Z', 'Z'),
          type: event.type,
          refused: err.message,
        });
      }
    }
    await travelTo(endOfDay(scenario.until));
    log(closed ? 'the case closed' : `reached the end of ${scenario.until}`);

    // Judged on the scenario's last day, not on today's date.
    const view = await getCase(cases, caseId, { asOf: scenario.until });
    const timeline = view.timeline.map((e) => ({ ...e, at: toMinute(e.at) }));
    const sentAt = new Map(timeline.filter((e) => e.messageId).map((e) => [e.messageId!, e.at]));
    const emails = sink.messages.map(received).map((m) => ({ at: sentAt.get(m.messageId), ...m }));
    return {
      scenario: {
        caseId,
        firstSickDay: scenario.case.firstSickDay,
        openOn: scenario.openOn,
        until: scenario.until,
        ruleset: scenario.case.ruleset,
        events: scenario.events.length,
      },
      timeline,
      emails,
      refused,
      final: finalState(view),
    };
  } finally {
    for (const step of cleanup.reverse()) {
      try {
        await step();
      } catch (err) {
        log(`while stopping the simulation: ${(err as Error).message}`);
      }
    }
  }
}

/** The state at the end: the case's own view, judged on the scenario's last day. */
export function finalState(view: CaseView): FinalState {
  return {
    asOf: view.asOf,
    status: view.status,
    ...(view.closedReason && { closedReason: view.closedReason }),
    ruleset: view.ruleset,
    waitingTimeEnds: view.calendar.waitingTimeEnds,
    ...(view.deskundigenoordeel && { deskundigenoordeel: view.deskundigenoordeel }),
    obligations: view.calendar.milestones.map((m) => {
      return {
        id: m.id,
        title: m.title,
        owner: m.owner,
        due: m.due,
        status: m.status,
        ...(m.doneOn && { doneOn: m.doneOn }),
        ...(m.postponement && { originalDue: m.postponement.originalDue }),
        ...(m.notApplicableBecause && { notApplicableBecause: m.notApplicableBecause }),
      };
    }),
  };
}

function bundlerLogger(log: (line: string) => void) {
  const quiet = () => {};
  return {
    log: quiet,
    trace: quiet,
    debug: quiet,
    info: quiet,
    warn: (message: string) => log(`bundler: ${message}`),
    error: (message: string) => log(`bundler: ${message}`),
  };
}
