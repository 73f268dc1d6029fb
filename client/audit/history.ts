// Reading a case back out of its Temporal event history, without the server and without the
// workflow code running: what the case did (e-mails, events with their actor, the final record) as
// the history itself proves it.
//
// What each history event tells:
// - WorkflowExecutionStarted: the input, `{ open }` for a new case or `{ continued: state }` for a
//   run that carries on after continue-as-new (the carried state holds the facts so far);
// - WorkflowExecutionUpdateCompleted: an accepted event; its result is the timeline entry the workflow
//   recorded (time in the case's own clock, the actor, the event). Refused events never reach the
//   history (validators), so every completed update is a fact of the case;
// - ActivityTaskScheduled of `notify`: a notification the workflow decided to send (kind, tasks with
//   their due dates, recipients, the deterministic Message-ID); ActivityTaskCompleted says it went out;
// - WorkflowExecutionCompleted: the final CaseView (calendar with done dates and postponements).
//
// Payloads may be encoded by a PayloadCodec (encryption): pass the codecs, they are applied in reverse
// order as the SDK does on the way in.
import { defaultPayloadConverter, type Payload, type PayloadCodec, type PayloadConverter } from '@temporalio/common';
import type { temporal } from '@temporalio/proto';
import type { Notification } from '../../workflows/contract.js';
import { amsterdamDate } from '../../workflows/calendar/amsterdam-time.js';
import {
  addDays,
  computeCalendar,
  diffDays,
  type CalendarResult,
  type CaseFacts,
  type IsoDate,
  type Milestone,
} from '../../workflows/calendar/index.js';
import type { CaseView, EventAccepted } from '../../workflows/case-api.js';
import { applyEvent } from '../../workflows/case-events.js';
import {
  initialFacts,
  type OpenCaseInput,
  type CaseEvent,
  type CaseState,
  type CaseWorkflowInput,
  type TimelineEntry,
} from '../../workflows/case-model.js';

export type History = temporal.api.history.v1.IHistory;
type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

export interface DecodeOptions {
  /** Codecs the payloads were encoded with (e.g. encryption), in the order the client/worker uses. */
  payloadCodecs?: PayloadCodec[];
  payloadConverter?: PayloadConverter;
}

export interface RunSummary {
  runId: string;
  events: number;
  /** Server time of the first and last event (ISO-8601 UTC). */
  startedAt?: string;
  endedAt?: string;
  /** How the run ended: completed, continued-as-new, failed, terminated, timed-out, canceled, running. */
  ending: string;
  continuedFromRunId?: string;
}

export interface DerivedNotification {
  /** Case time (the workflow's clock) at which the workflow scheduled it. */
  at: string;
  kind: Notification['kind'];
  tasks: { id: string; due: string }[];
  to: string[];
  cc: string[];
  messageId: string;
  /** Whether the history shows the notify activity completed. */
  delivered: boolean;
}

export interface DerivedEvent {
  at: string;
  actor: string;
  type: CaseEvent['type'];
  event: CaseEvent;
}

export interface DerivedObligation {
  id: string;
  /** A recurring task (the evaluatie): which round this row is, from 1; each round has its own row. */
  round?: number;
  title: string;
  owner: string;
  due: IsoDate;
  status: string;
  doneOn?: IsoDate;
  /** Days after the due date it was done, or (still open) the days it has been overdue; 0 on time. */
  daysLate: number;
  postponement?: { reason: string; originalDue: IsoDate };
  notApplicableBecause?: string;
  reminders: string[];
  escalations: string[];
}

export interface DerivedCase {
  caseId: string;
  workflowId: string;
  ruleset: string;
  firstSickDay: IsoDate;
  employer: { id: string; name: string };
  casemanager: string;
  status: string;
  closedReason?: string;
  /** The Amsterdam date the obligations are judged on: the day the case closed, or its last event. */
  asOf: IsoDate;
  runs: RunSummary[];
  calendar: CalendarResult;
  obligations: DerivedObligation[];
  notifications: DerivedNotification[];
  events: DerivedEvent[];
  /** Sickness periods (recoveries and relapses) and extensions of the waiting time, for shading. */
  periods: { from: IsoDate; to?: IsoDate }[];
  extensions: { kind: 'loonsanctie' | 'vrijwillige-verlenging'; weeks: number }[];
  /** True when the final record came from the workflow's own result; false when recomputed. */
  fromResult: boolean;
}

async function decodePayload(payload: Payload, options: DecodeOptions): Promise<unknown> {
  let decoded = [payload];
  for (const codec of [...(options.payloadCodecs ?? [])].reverse()) decoded = await codec.decode(decoded);
  return (options.payloadConverter ?? defaultPayloadConverter).fromPayload(decoded[0]!);
}

async function firstPayload(
  payloads: temporal.api.common.v1.IPayloads | null | undefined,
  options: DecodeOptions,
): Promise<unknown> {
  const first = payloads?.payloads?.[0];
  return first ? decodePayload(first as Payload, options) : undefined;
}

function eventTime(event: HistoryEvent): number {
  const t = event.eventTime;
  if (!t) return 0;
  return Number(t.seconds ?? 0) * 1000 + Math.floor((t.nanos ?? 0) / 1e6);
}

function ending(events: HistoryEvent[]): string {
  const last = events.at(-1);
  if (!last) return 'empty';
  if (last.workflowExecutionCompletedEventAttributes) return 'completed';
  if (last.workflowExecutionContinuedAsNewEventAttributes) return 'continued-as-new';
  if (last.workflowExecutionFailedEventAttributes) return 'failed';
  if (last.workflowExecutionTerminatedEventAttributes) return 'terminated';
  if (last.workflowExecutionTimedOutEventAttributes) return 'timed-out';
  if (last.workflowExecutionCanceledEventAttributes) return 'canceled';
  return 'running';
}

/** The input of a run, decoded. */
export async function startInput(history: History, options: DecodeOptions = {}): Promise<CaseWorkflowInput> {
  const started = history.events?.[0]?.workflowExecutionStartedEventAttributes;
  if (!started) throw new Error('the history does not begin with WorkflowExecutionStarted');
  return (await firstPayload(started.input, options)) as CaseWorkflowInput;
}

/** The run id that came before this one (continue-as-new), from the started event. */
export function continuedFrom(history: History): string | undefined {
  return history.events?.[0]?.workflowExecutionStartedEventAttributes?.continuedExecutionRunId || undefined;
}

/**
 * Derives the case record from the histories of all runs of one case workflow, oldest run first.
 * `runIds` name the runs in the same order.
 */
export async function deriveCase(
  workflowId: string,
  runs: { runId: string; history: History }[],
  options: DecodeOptions = {},
): Promise<DerivedCase> {
  if (runs.length === 0) throw new Error(`no history for ${workflowId}`);
  const firstInput = await startInput(runs[0]!.history, options);
  const lastInput = await startInput(runs.at(-1)!.history, options);
  const open = 'open' in firstInput ? firstInput.open : firstInput.continued.open;
  const offset = ('open' in firstInput ? firstInput.clockOffsetMs : firstInput.continued.clockOffsetMs) ?? 0;
  const caseTime = (ms: number) => new Date(ms - offset).toISOString();

  const notifications: DerivedNotification[] = [];
  const events: DerivedEvent[] = [];
  const summaries: RunSummary[] = [];
  let result: CaseView | undefined;
  let lastAt = 0;

  for (const { runId, history } of runs) {
    const list = history.events ?? [];
    const scheduled = new Map<string, DerivedNotification>();
    for (const event of list) {
      lastAt = Math.max(lastAt, eventTime(event));
      const sched = event.activityTaskScheduledEventAttributes;
      if (sched && sched.activityType?.name === 'notify') {
        const n = (await firstPayload(sched.input, options)) as Notification;
        const derived: DerivedNotification = {
          at: caseTime(eventTime(event)),
          kind: n.kind,
          tasks: 'tasks' in n ? n.tasks.map((t) => ({ id: t.id, due: t.due })) : [],
          to: n.to,
          cc: n.cc ?? [],
          messageId: n.messageId,
          delivered: false,
        };
        scheduled.set(String(event.eventId), derived);
        notifications.push(derived);
      }
      const done = event.activityTaskCompletedEventAttributes;
      if (done) {
        const n = scheduled.get(String(done.scheduledEventId));
        if (n) n.delivered = true;
      }
      const update = event.workflowExecutionUpdateCompletedEventAttributes;
      if (update?.outcome?.success) {
        const accepted = (await firstPayload(update.outcome.success, options)) as EventAccepted | undefined;
        const entry = accepted?.entry as TimelineEntry | undefined;
        if (entry?.event) events.push({ at: entry.at, actor: entry.actor, type: entry.event.type, event: entry.event });
      }
      const completed = event.workflowExecutionCompletedEventAttributes;
      if (completed) result = (await firstPayload(completed.result, options)) as CaseView;
    }
    const previous = continuedFrom(history);
    summaries.push({
      runId,
      events: list.length,
      ...(list[0] && { startedAt: new Date(eventTime(list[0])).toISOString() }),
      ...(list.at(-1) && { endedAt: new Date(eventTime(list.at(-1)!)).toISOString() }),
      ending: ending(list),
      ...(previous && { continuedFromRunId: previous }),
    });
  }

  // The final record: the workflow's own result when the case completed; otherwise recomputed from
  // the last run's carried state and the events accepted since, with the workflow's own rules.
  let calendar: CalendarResult;
  let status: string;
  let closedReason: string | undefined;
  let asOf: IsoDate;
  if (result) {
    calendar = result.calendar;
    status = result.status;
    closedReason = result.closedReason;
    asOf = result.asOf;
  } else {
    const state: CaseState = 'open' in lastInput ? openedState(open) : JSON.parse(JSON.stringify(lastInput.continued));
    const since = 'open' in lastInput ? '' : (lastInput.continued.timeline.at(-1)?.at ?? '');
    applyTaken(
      state,
      events.filter((e) => e.at > since),
    );
    asOf = amsterdamDate(lastAt - offset);
    calendar = computeCalendar(state.facts, { asOf });
    status = state.status;
    closedReason = state.closedReason;
  }

  const obligations = calendar.milestones
    .filter((m) => m.isTask)
    .flatMap((m) =>
      m.id === 'evaluatie'
        ? evaluatieRounds(m, factsFromEvents(open, events), asOf, notifications)
        : [obligation(m, asOf, notifications)],
    );
  const periods = periodsFromEvents(open.periods, open.firstSickDay, events);
  const extensions: DerivedCase['extensions'] = events
    .filter((e) => e.type === 'loonsanctie' || e.type === 'vrijwillige-verlenging')
    .map((e) => ({
      kind: e.type as 'loonsanctie' | 'vrijwillige-verlenging',
      weeks: (e.event as { weeks: number }).weeks,
    }));

  return {
    caseId: open.caseId,
    workflowId,
    ruleset: calendar.ruleset,
    firstSickDay: calendar.firstSickDay,
    employer: { id: open.employer.id, name: open.employer.name },
    casemanager: open.casemanager.email,
    status,
    ...(closedReason && { closedReason }),
    asOf,
    runs: summaries,
    calendar,
    obligations,
    notifications,
    events,
    periods,
    extensions,
    fromResult: result !== undefined,
  };
}

/** Sickness periods from recovered/relapsed events (a partial recovery does not end a period). */
export function periodsFromEvents(
  known: { from: IsoDate; to?: IsoDate }[] | undefined,
  firstSickDay: IsoDate,
  events: { event: CaseEvent }[],
): { from: IsoDate; to?: IsoDate }[] {
  const periods = known?.length
    ? known.map((p) => ({ ...p }))
    : [{ from: firstSickDay } as { from: IsoDate; to?: IsoDate }];
  for (const e of events) {
    const current = periods.at(-1)!;
    if (e.event.type === 'recovered' && (e.event.workPercentage ?? 100) >= 100 && !current.to) {
      current.to = addDays(e.event.date, -1);
    } else if (e.event.type === 'relapsed' && current.to) {
      periods.push({ from: e.event.date });
    }
  }
  return periods;
}

/** The case's facts from its opening and every event it took (what the evaluatie rounds need). */
function factsFromEvents(open: OpenCaseInput, events: DerivedEvent[]): CaseFacts {
  const state = openedState(open);
  applyTaken(state, events);
  return state.facts;
}

/** A case's state as it opened. */
function openedState(open: OpenCaseInput): CaseState {
  return { open, facts: initialFacts(open), status: 'open', sent: [], timeline: [], started: false };
}

/** Applies events the workflow took, on the day it took each, to a copy of the case's state. */
function applyTaken(state: CaseState, events: DerivedEvent[]): void {
  for (const e of events) {
    try {
      applyEvent(state, e.event, amsterdamDate(Date.parse(e.at)));
    } catch {
      // Accepted by the workflow, so it applied there; a difference here is only in the recomputation.
    }
  }
}

/**
 * The evaluatie, round by round: each is due six weeks after the one before it was held (the first
 * after the plan van aanpak). Round n's due date is the calendar's with only the first n-1 held.
 */
function evaluatieRounds(
  current: Milestone,
  facts: CaseFacts,
  asOf: IsoDate,
  notifications: DerivedNotification[],
): DerivedObligation[] {
  const held = [...(facts.completed?.evaluatie ?? [])].sort();
  const rows: DerivedObligation[] = [];
  held.forEach((on, i) => {
    const before = { ...facts, completed: { ...facts.completed, evaluatie: held.slice(0, i) } };
    const m = computeCalendar(before, { asOf: on }).milestones.find((x) => x.id === 'evaluatie');
    if (!m) return;
    rows.push({ ...obligation({ ...m, status: 'done', doneOn: on }, asOf, notifications, true), round: i + 1 });
  });
  rows.push({ ...obligation(current, asOf, notifications, true), round: held.length + 1 });
  return rows;
}

function obligation(
  m: Milestone,
  asOf: IsoDate,
  notifications: DerivedNotification[],
  /** A round of a recurring task: only the messages about this round's due date. */
  byDue = false,
): DerivedObligation {
  const about = (kinds: string[]) =>
    notifications
      .filter((n) => kinds.includes(n.kind) && n.tasks.some((t) => t.id === m.id && (!byDue || t.due === m.due)))
      .map((n) => n.at);
  const daysLate = m.doneOn
    ? Math.max(0, diffDays(m.doneOn, m.due))
    : m.status === 'overdue' || (m.status !== 'not-applicable' && asOf > m.due && m.status !== 'done')
      ? Math.max(0, diffDays(asOf, m.due))
      : 0;
  return {
    id: m.id,
    title: m.title,
    owner: m.owner,
    due: m.due,
    status: m.status,
    ...(m.doneOn && { doneOn: m.doneOn }),
    daysLate,
    ...(m.postponement && { postponement: m.postponement }),
    ...(m.notApplicableBecause && { notApplicableBecause: m.notApplicableBecause }),
    reminders: about(['reminder']),
    escalations: about(['escalation', 'takeover-summary']),
  };
}

/** The on-time figures insurers exchange (SIVI verzuim): per milestone, on time or not. */
export const SIVI_MILESTONES = [
  { id: 'probleemanalyse', label: 'Probleemanalyse' },
  { id: 'plan-van-aanpak', label: 'Plan van aanpak' },
  { id: 'uwv-42-weken-melding', label: '42-weken melding' },
  { id: 'eerstejaarsevaluatie', label: 'Eerstejaarsevaluatie' },
  // The re-integratieverslag goes to UWV with the WIA application: on time when that is.
  { id: 'wia-aanvraag', label: 'Re-integratieverslag' },
] as const;

export type OnTime = 'op tijd' | 'te laat' | 'niet gedaan' | 'nog niet' | 'n.v.t.';

export function onTime(
  c: DerivedCase,
): { id: string; label: string; value: OnTime; due?: IsoDate; doneOn?: IsoDate }[] {
  const figures = SIVI_MILESTONES.map(({ id, label }) => {
    const o = c.obligations.find((x) => x.id === id);
    if (!o || o.status === 'not-applicable') return { id, label, value: 'n.v.t.' as OnTime };
    const value: OnTime = o.doneOn
      ? o.doneOn <= o.due
        ? 'op tijd'
        : 'te laat'
      : c.asOf > o.due
        ? 'niet gedaan'
        : c.status === 'closed'
          ? 'n.v.t.'
          : 'nog niet';
    return { id, label, value, due: o.due, ...(o.doneOn && { doneOn: o.doneOn }) };
  });
  // Each evaluatie round held, on time or not (after the plan van aanpak, in the order of the law).
  const rounds = c.obligations
    .filter((o) => o.id === 'evaluatie' && o.doneOn)
    .map((o) => ({
      id: `evaluatie-${o.round}`,
      label: `Evaluatie ${o.round}`,
      value: (o.doneOn! <= o.due ? 'op tijd' : 'te laat') as OnTime,
      due: o.due,
      doneOn: o.doneOn!,
    }));
  const at = figures.findIndex((f) => f.id === 'plan-van-aanpak') + 1;
  return [...figures.slice(0, at), ...rounds, ...figures.slice(at)];
}
