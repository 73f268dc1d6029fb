// One sick-leave case, from the first sick day to the end of the waiting time.
//
// The loop: compute the calendar from the case facts, send what is due (reminders, escalations, a
// deskundigenoordeel request), keep the search attributes current, then sleep until the next moment
// or the next event, whichever comes first. The law lives in the calendar module; this file only
// orchestrates.
import {
  ActivityFailure,
  ApplicationFailure,
  allHandlersFinished,
  condition,
  continueAsNew,
  log,
  patched,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities, NotifyResult } from '../activities/index.js';
import type { Notification, NotificationKind, NotificationTask } from '../activities/notifications.js';
import { amsterdamDate } from './amsterdam-time.js';
import { computeCalendar, isValidIsoDate, type CalendarResult, type Milestone } from './calendar/index.js';
import { caseQuery, recordEventUpdate, REFUSAL_TYPES, type CaseView } from './case-api.js';
import { applyEvent, EventRefusal, parseEvent } from './case-events.js';
import {
  casemanagerKey,
  initialFacts,
  openCaseSchema,
  reminderRecipients,
  type CaseState,
  type CaseWorkflowInput,
  type CalendarInvite,
  type DeskundigenoordeelState,
  type TimelineEntry,
} from './case-model.js';
import {
  dueMessages,
  endMoment,
  messageKey,
  nextMoment,
  openTasks,
  scheduledMessages,
  supersededReminders,
  type ScheduledMessage,
  type ScheduleOptions,
} from './case-schedule.js';
import { CASEMANAGER_ID, CASE_STATUS, EMPLOYER_ID, NEXT_DEADLINE, OVERDUE_TASKS } from './search-attributes.js';

const { notify, prepareDeskundigenoordeelRequest } = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  // A worker that dies while sending is noticed within seconds, and the attempt retried elsewhere.
  heartbeatTimeout: '10 seconds',
  // SMTP outages are retried for as long as they last: a reminder is never dropped.
  retry: { initialInterval: '10 seconds', backoffCoefficient: 2, maximumInterval: '30 minutes' },
});

const SYSTEM = 'system';

/**
 * Changes since the first histories, each behind `patched()` so that a case started before them
 * replays as it ran:
 * - calendar invitations (iCalendar) on reminders, updated per due date and cancelled when done;
 * - the escalation chain: a second escalation, supervisor in cc, 10 working days after the first;
 * - a permanently refused e-mail is recorded and reported instead of failing the case;
 * - the invitations still open when the case closes are cancelled by e-mail (before, they were only
 *   marked cancelled: the message had no task to name and was skipped).
 */
export const PATCHES = {
  calendarInvites: 'task-email-calendar-invites',
  escalationChain: 'task-email-escalation-chain',
  deliveryFailures: 'task-email-delivery-failures',
  cancelOnClose: 'task-email-cancel-invites-on-close',
} as const;

/** The SMTP server refused the message for good (see activities/index.ts). */
function permanentDeliveryFailure(err: unknown): ApplicationFailure | undefined {
  if (!(err instanceof ActivityFailure)) return undefined;
  const cause = err.cause;
  return cause instanceof ApplicationFailure && cause.type === 'PermanentDeliveryFailure' ? cause : undefined;
}

export async function caseWorkflow(input: CaseWorkflowInput): Promise<CaseView> {
  if ('open' in input) checkOpenInput(input.open);
  const state: CaseState =
    'open' in input
      ? {
          open: input.open,
          facts: initialFacts(input.open),
          status: 'open',
          sent: [],
          timeline: [],
          started: false,
          ...(input.clockOffsetMs && { clockOffsetMs: input.clockOffsetMs }),
        }
      : input.continued;
  const sent = new Set(state.sent);
  let revision = 0;
  let pendingRequest: DeskundigenoordeelState['because'] | undefined;

  const now = () => Date.now() - (state.clockOffsetMs ?? 0);
  const today = () => amsterdamDate(now());
  const record = (entry: Omit<TimelineEntry, 'at'>): TimelineEntry => {
    const full = { at: new Date(now()).toISOString(), ...entry };
    state.timeline.push(full);
    return full;
  };
  const markSent = (key: string) => {
    sent.add(key);
    state.sent.push(key);
  };

  if ('open' in input)
    record({ kind: 'opened', actor: SYSTEM, details: `eerste ziektedag ${input.open.firstSickDay}` });

  setHandler(caseQuery, (options) => {
    // A closed case is shown as it stood when it closed; an open one as of the caller's date.
    const later = options?.asOf && isValidIsoDate(options.asOf) && options.asOf > today();
    const asOf = later && state.status !== 'closed' ? options.asOf! : today();
    return view(state, asOf);
  });
  setHandler(
    recordEventUpdate,
    (raw) => {
      // Applied to a copy and committed only when it succeeds, so a refusal leaves no half-change.
      const draft = draftOf(state);
      const event = asUpdateFailure(() => parseEvent(raw));
      const effects = asUpdateFailure(() => applyEvent(draft, event, today()));
      // Commit the whole draft: a field applyEvent deleted (workPercentage on full recovery) must go
      // from the state too, which Object.assign alone would leave in place.
      for (const key of Object.keys(state) as (keyof CaseState)[]) if (!(key in draft)) delete state[key];
      Object.assign(state, draft);
      const entry = record({ kind: 'event', actor: event.actor, event, ...('task' in event && { task: event.task }) });
      if (effects.requestDeskundigenoordeel) pendingRequest = effects.requestDeskundigenoordeel;
      if (effects.close) close(`gesloten: ${effects.close}`, event.actor);
      revision++;
      return { accepted: true as const, entry };
    },
    {
      validator: (raw) => {
        // A dry run on a copy: the real state changes only in the handler.
        asUpdateFailure(() => applyEvent(draftOf(state), parseEvent(raw), today()));
      },
    },
  );

  function close(reason: string, actor: string): void {
    if (state.status === 'closed') return;
    state.status = 'closed';
    state.closedReason = reason;
    record({ kind: 'closed', actor, details: reason });
  }

  function notification(
    kind: NotificationKind,
    key: string,
    tasks: Milestone[],
    to: string[],
    cc?: string[],
  ): Notification {
    return {
      messageId: `<${state.open.caseId}.${key.replace(/[^A-Za-z0-9.-]/g, '.')}@poortwachter>`,
      kind,
      to,
      ...(cc && { cc }),
      caseId: state.open.caseId,
      employeeName: state.open.employee.displayName,
      employerName: state.open.employer.name,
      tasks: tasks.map(toNotificationTask),
      language: state.open.casemanager.language ?? state.open.employer.language ?? 'nl',
    };
  }

  /**
   * Sends and, once the SMTP server took it, marks it sent and records it (then `onSent`). Not an
   * async function, and neither is sendScheduled: see the sending loop in the main loop below.
   */
  function send(
    n: Notification,
    key: string,
    entry: Omit<TimelineEntry, 'at' | 'recipients' | 'messageId'>,
    onSent?: () => void,
  ): Promise<NotifyResult | undefined> {
    return deliver(n, key, (result) => {
      markSent(key);
      record({ ...entry, recipients: result.recipients ?? [...n.to, ...(n.cc ?? [])], messageId: n.messageId });
      onSent?.();
    });
  }

  /**
   * Sends (then `onDelivered`, in the same activation as the activity's result); a message the SMTP
   * server refuses for good is recorded on the timeline, reported to the arbodienst's operations
   * address and marked sent (undefined), so that it is not retried forever.
   */
  async function deliver(
    n: Notification,
    key: string,
    onDelivered?: (result: NotifyResult) => void,
  ): Promise<NotifyResult | undefined> {
    let result: NotifyResult;
    if (!patched(PATCHES.deliveryFailures)) {
      result = await notify(n);
    } else {
      try {
        result = await notify(n);
      } catch (err) {
        const failure = permanentDeliveryFailure(err);
        if (!failure) throw err;
        markSent(key);
        const recipients = [...n.to, ...(n.cc ?? [])];
        record({
          kind: 'delivery-failed',
          actor: SYSTEM,
          ...(n.tasks[0] && { task: n.tasks[0].id as TimelineEntry['task'], due: n.tasks[0].due }),
          recipients,
          messageId: n.messageId,
          details: `${n.kind}: ${failure.message}`,
        });
        await reportDeliveryFailure(n, key, recipients, failure.message);
        return undefined;
      }
    }
    onDelivered?.(result);
    return result;
  }

  async function reportDeliveryFailure(n: Notification, key: string, recipients: string[], reason: string) {
    // The operations address comes from the worker's configuration: the activity fills it in.
    const report: Notification = {
      ...notification('delivery-failed', `delivery-failed/${key}`, [], []),
      tasks: n.tasks,
      failure: { messageId: n.messageId, kind: n.kind, recipients, reason },
    };
    try {
      await notify(report);
    } catch (err) {
      if (!permanentDeliveryFailure(err)) throw err;
      log.error('the operations address refused the delivery-failure report too', { messageId: report.messageId });
    }
  }

  /** Whether an invitation not yet cancelled belongs to a task that is no longer open. */
  function openInvitesChanged(calendar: CalendarResult): boolean {
    const open = new Set(openTasks(calendar).map(inviteUid));
    return Object.entries(state.invites ?? {}).some(([uid, invite]) => !invite.cancelled && !open.has(uid));
  }

  /** The iCalendar UID of a task's deadline: one per case and task (per evaluation round). */
  function inviteUid(task: Milestone): string {
    const round = task.id === 'evaluatie' ? `-${(state.facts.completed?.evaluatie?.length ?? 0) + 1}` : '';
    return `${state.open.caseId}.${task.id}${round}@poortwachter`;
  }

  /** A reminder's invitation: the same UID, a higher SEQUENCE for each new due date. */
  function withInvite(n: Notification, task: Milestone): { n: Notification; commit: () => void } {
    if (!patched(PATCHES.calendarInvites)) return { n, commit: () => undefined };
    const uid = inviteUid(task);
    const previous = state.invites?.[uid];
    const sequence = previous ? previous.sequence + 1 : 0;
    return {
      n: { ...n, calendar: { uid, sequence, method: 'REQUEST' } },
      commit: () => {
        const invite: CalendarInvite = {
          task: task.id as CalendarInvite['task'],
          due: task.due,
          sequence,
          recipients: [...n.to],
        };
        state.invites = { ...state.invites, [uid]: invite };
      },
    };
  }

  /**
   * Cancels the invitations of tasks that are no longer open (done, not applicable): all of them when
   * the case closed (`closing`, whose calendar names the tasks).
   */
  async function cancelFinishedInvites(calendar: CalendarResult | undefined, closing?: CalendarResult): Promise<void> {
    if (!state.invites || !patched(PATCHES.calendarInvites)) return;
    const open = new Set(calendar ? openTasks(calendar).map(inviteUid) : []);
    const names = calendar ?? closing;
    for (const [uid, invite] of Object.entries(state.invites)) {
      if (invite.cancelled || open.has(uid)) continue;
      const task = names?.milestones.find((m) => m.id === invite.task);
      const key = `calendar-cancel/${invite.task}/${invite.due}`;
      const sequence = invite.sequence + 1;
      const n: Notification = {
        ...notification('calendar-cancel', key, [], invite.recipients),
        tasks: task ? [{ ...toNotificationTask(task), due: invite.due }] : [],
        calendar: { uid, sequence, method: 'CANCEL' },
      };
      state.invites[uid] = { ...invite, sequence, cancelled: true };
      if (n.tasks.length === 0) continue; // nothing to name: the entry stays (cannot happen for a known task)
      await send(n, key, { kind: 'calendar-cancelled', actor: SYSTEM, task: invite.task, due: invite.due });
    }
  }

  /**
   * Sends a scheduled message: the sending, or undefined when there is nothing to send. Not async for
   * the same reason as `send`: the loop awaits what it returns.
   */
  function sendScheduled(message: ScheduledMessage, calendar: CalendarResult): Promise<unknown> | undefined {
    const task = message.task && calendar.milestones.find((m) => m.id === message.task);
    if (message.kind === 'deskundigenoordeel-reminder') {
      const n = notification(
        'deskundigenoordeel-reminder',
        message.key,
        [],
        [state.open.casemanager.email],
        [state.open.employer.escalationEmail],
      );
      return send(n, message.key, { kind: 'deskundigenoordeel-reminder', actor: SYSTEM });
    }
    if (!task) return undefined;
    if (message.kind === 'reminder') {
      const invite = withInvite(
        notification('reminder', message.key, [task], reminderRecipients(state.open, task.owner)),
        task,
      );
      return send(
        invite.n,
        message.key,
        { kind: 'reminder', actor: SYSTEM, task: task.id, due: task.due },
        invite.commit,
      );
    }
    if (message.kind === 'second-escalation') return sendEscalation('second-escalation', message, task);
    // Escalation: the task is overdue from this moment, whether or not the policy e-mails about it.
    record({ kind: 'overdue', actor: SYSTEM, task: task.id, due: task.due });
    // Asked before the e-mail goes out (before 2026-12-03, after it): the same request either way. The
    // loop asks again after all sending whether one is pending and none was made (only the loop sets
    // state.deskundigenoordeel; applyEvent never does), and an event during the sending can only set a
    // request of its own, which wins in both orders.
    if (task.id === 'start-tweede-spoor' && !state.deskundigenoordeel) pendingRequest ??= 'start-tweede-spoor-overdue';
    if (
      state.open.reminderPolicy?.[task.id as keyof NonNullable<typeof state.open.reminderPolicy>]?.escalate === false
    ) {
      markSent(message.key);
      return undefined;
    }
    return sendEscalation('escalation', message, task);
  }

  /**
   * An escalation to the casemanager, the employer's escalation address in cc; the second one (still
   * open 10 working days later) goes the same way, and the activity adds the supervisor.
   */
  function sendEscalation(
    kind: 'escalation' | 'second-escalation',
    message: ScheduledMessage,
    task: Milestone,
  ): Promise<unknown> {
    const n = notification(
      kind,
      message.key,
      [task],
      [state.open.casemanager.email],
      [state.open.employer.escalationEmail],
    );
    return send(n, message.key, { kind, actor: SYSTEM, task: task.id, due: task.due });
  }

  /** A case taken over with overdue tasks: one summary instead of a burst of escalations. */
  async function sendTakeoverSummary(due: ScheduledMessage[], calendar: CalendarResult): Promise<void> {
    const tasks = calendar.milestones.filter((m) => due.some((d) => d.task === m.id && d.due === m.due));
    const key = `takeover/${today()}`;
    const n = notification(
      'takeover-summary',
      key,
      tasks,
      [state.open.casemanager.email],
      [state.open.employer.escalationEmail],
    );
    const delivered = await deliver(n, key);
    for (const d of due) {
      markSent(d.key);
      if (d.kind !== 'escalation') continue;
      record({ kind: 'overdue', actor: SYSTEM, task: d.task, due: d.due });
      // The summary stands for the whole chain of a task overdue before the take-over: no second step.
      if (d.task && d.due) markSent(messageKey('second-escalation', d.task, d.due));
    }
    markSent(key);
    if (!delivered) return;
    record({
      kind: 'takeover-summary',
      actor: SYSTEM,
      recipients: [...n.to, ...(n.cc ?? [])],
      messageId: n.messageId,
      details: tasks.map((t) => t.id).join(', '),
    });
  }

  async function requestDeskundigenoordeel(because: DeskundigenoordeelState['because']): Promise<void> {
    const request = await prepareDeskundigenoordeelRequest(because);
    const requestedOn = today();
    const key = `deskundigenoordeel-request/${requestedOn}`;
    const n = {
      ...notification(
        'deskundigenoordeel-request',
        key,
        [],
        [state.open.casemanager.email],
        [state.open.employer.escalationEmail],
      ),
      request,
    };
    await send(n, key, { kind: 'deskundigenoordeel-request', actor: SYSTEM, details: because });
    state.deskundigenoordeel = { requestedOn, because };
  }

  function scheduleOptions(): ScheduleOptions {
    return { secondEscalation: patched(PATCHES.escalationChain) };
  }

  let published: string | undefined;
  function publishSearchAttributes(calendar: CalendarResult): void {
    const open = openTasks(calendar);
    const next = open.map((m) => m.due).sort()[0];
    const values = {
      status: state.status,
      next,
      overdue: calendar.milestones.filter((m) => m.status === 'overdue').length,
    };
    const key = JSON.stringify(values);
    if (key === published) return; // every upsert is a history event: only on change
    published = key;
    upsertSearchAttributes([
      { key: CASE_STATUS, value: values.status },
      { key: CASEMANAGER_ID, value: casemanagerKey(state.open.casemanager.email) },
      { key: EMPLOYER_ID, value: state.open.employer.id },
      { key: NEXT_DEADLINE, value: next ? new Date(`${next}T00:00:00Z`) : null },
      { key: OVERDUE_TASKS, value: values.overdue },
    ]);
  }

  while (state.status !== 'closed') {
    // Taken before acting: an event that arrives while an e-mail is being sent wakes the next round.
    const seen = revision;
    const calendar = computeCalendar(state.facts, { asOf: today() });
    const options = scheduleOptions();
    const messages = scheduledMessages(calendar, state, options);
    const due = dueMessages(messages, sent, now());
    for (const key of supersededReminders(messages, due, sent, now())) markSent(key);
    if (!state.started && due.some((m) => m.kind === 'escalation')) {
      await sendTakeoverSummary(due, calendar);
    } else {
      // One async layer (deliver) between this loop and notify, and awaited only when something is
      // sent. The SDK's promise hook captures a stack trace for every promise a workflow makes (an
      // await on a plain value too) and maps it through the source map: in a CPU profile of the
      // benchmark (2026-12-03), the three async layers that were here cost 20 s of the workflow
      // thread, scheduling the activities themselves 8.7 s. Which layer awaits changes no command: the
      // update handler is synchronous, and all jobs of an activation are applied before microtasks run.
      for (const message of due) {
        const sending = sendScheduled(message, calendar);
        if (sending) await sending;
      }
    }
    state.started = true;
    // Only awaited when there is something to cancel (every await costs the SDK a stack trace), but
    // patched() is asked exactly where it always was: a run continued with invitations recorded the
    // marker in its first round, and replay needs the same call there.
    if (state.invites && patched(PATCHES.calendarInvites) && openInvitesChanged(calendar))
      await cancelFinishedInvites(calendar);
    const requestBefore = state.deskundigenoordeel;
    if (pendingRequest && !state.deskundigenoordeel) await requestDeskundigenoordeel(pendingRequest);
    pendingRequest = undefined;

    const end = endMoment(calendar);
    if (now() >= end.at) {
      close(end.reason, SYSTEM);
      break;
    }
    publishSearchAttributes(calendar);

    if (workflowInfo().continueAsNewSuggested) {
      await condition(allHandlersFinished);
      await continueAsNew<typeof caseWorkflow>({ continued: state });
    }

    // Sleep until the next scheduled moment, or until an event changes the case.
    // Scheduled again from the current state: a deskundigenoordeel requested in this round adds its
    // 4-week follow-up, which `messages` (computed before the request) does not hold. Without this
    // the follow-up waited for whatever moment came next, weeks late.
    const upcoming =
      state.deskundigenoordeel === requestBefore ? messages : scheduledMessages(calendar, state, options);
    const wakeAt = nextMoment(upcoming, sent, end.at, now());
    await condition(() => revision !== seen, Math.max(wakeAt - now(), 1));
  }

  const closedCalendar = computeCalendar(state.facts, { asOf: today() });
  const stillInvited = Object.values(state.invites ?? {}).some((invite) => !invite.cancelled);
  await cancelFinishedInvites(undefined, stillInvited && patched(PATCHES.cancelOnClose) ? closedCalendar : undefined);
  published = undefined;
  publishSearchAttributes(closedCalendar);
  await condition(allHandlersFinished);
  log.info('case closed', { caseId: state.open.caseId, reason: state.closedReason });
  return view(state, today());
}

/**
 * A copy of the state for applyEvent to change: deep, except for the two logs that only grow and that
 * applyEvent never touches (the timeline and the sent keys, the bulk of a long case's state), which
 * were copied twice per event (validator and handler) for nothing.
 */
function draftOf(state: CaseState): CaseState {
  const { timeline, sent, ...rest } = state;
  return { ...(JSON.parse(JSON.stringify(rest)) as Omit<CaseState, 'timeline' | 'sent'>), timeline, sent };
}

/**
 * A refused event becomes an ApplicationFailure of a known type: it fails the update (the caller
 * hears why), never the workflow task.
 */
function asUpdateFailure<T>(apply: () => T): T {
  try {
    return apply();
  } catch (err) {
    if (err instanceof EventRefusal) {
      throw ApplicationFailure.create({ type: REFUSAL_TYPES[err.kind], message: err.message, nonRetryable: true });
    }
    throw err;
  }
}

/**
 * The client validates before it starts a case; this guards against a start that bypassed it (the
 * Temporal CLI, another SDK). Failing the run at once beats a workflow task that retries forever.
 */
function checkOpenInput(open: unknown): void {
  const parsed = openCaseSchema.safeParse(open);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || 'input'}: ${i.message}`).join('; ');
    throw ApplicationFailure.create({
      type: 'InvalidCaseInput',
      message: `invalid case input: ${issues}`,
      nonRetryable: true,
    });
  }
}

function toNotificationTask(m: Milestone): NotificationTask {
  return { id: m.id, title: m.title, due: m.due, owner: m.owner, legalBasis: m.legalBasis, status: m.status };
}

function view(state: CaseState, asOf: string): CaseView {
  return {
    caseId: state.open.caseId,
    status: state.status,
    ...(state.closedReason && { closedReason: state.closedReason }),
    ruleset: state.facts.ruleset ?? computeCalendar(state.facts).ruleset,
    employer: {
      id: state.open.employer.id,
      name: state.open.employer.name,
      ...(state.open.employer.language && { language: state.open.employer.language }),
    },
    employee: state.open.employee,
    casemanager: state.open.casemanager,
    asOf,
    calendar: computeCalendar(state.facts, { asOf }),
    ...(state.deskundigenoordeel && { deskundigenoordeel: state.deskundigenoordeel }),
    ...(state.workPercentage && { workPercentage: state.workPercentage }),
    timeline: state.timeline,
  };
}
