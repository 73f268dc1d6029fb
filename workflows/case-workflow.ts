// One sick-leave case, from the first sick day to the end of the waiting time.
//
// The loop, once per wake-up: compute the calendar from the case facts, carry out the round's plan
// (case-round.ts: reminders, escalations, a take-over summary), cancel the calendar invitations of
// finished tasks, request a deskundigenoordeel when one is due, keep the search attributes current,
// then sleep until the next moment or the next event, whichever comes first. The law lives in
// calendar/, every decision of a round in case-round.ts and case-messages.ts; this file only acts.
import {
  ActivityFailure,
  ApplicationFailure,
  allHandlersFinished,
  condition,
  continueAsNew,
  log,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  upsertMemo,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { amsterdamDate, computeCalendar, isValidIsoDate, type CalendarResult } from './calendar/index.js';
import { caseQuery, caseView, recordEventUpdate, REFUSAL_TYPES, type CaseView } from './case-api.js';
import { applyEvent, EventRefusal, unwrapEvent } from './case-events.js';
import {
  deliveryFailureReport,
  deskundigenoordeelRequest,
  finishedInvitations,
  hasFinishedInvitations,
  invitation,
  invitationsLeaving,
  movedInvitations,
  SYSTEM,
  withStandIns,
  type Send,
} from './case-messages.js';
import {
  caseWorkflowId,
  completionsIn,
  legacyBedrijfsartsKey,
  legacyCasemanagerKey,
  type OpenCaseInput,
  initialFacts,
  openCaseSchema,
  TIMELINE_WINDOW,
  type CaseState,
  type CaseWorkflowInput,
  type DeskundigenoordeelState,
  type TimelineEntry,
} from './case-model.js';
import { planRound, type Takeover } from './case-round.js';
import { caseSummary, SUMMARY_MEMO } from './case-summary.js';
import { webhookEventOf } from './case-webhooks.js';
import { endMoment, nextMoment, nextOfficeOpening, openTasks, scheduledMessages } from './case-schedule.js';
import { shownToAll } from './failure-converter.js';
import { isNotEncrypted, NOT_ENCRYPTED_MESSAGE } from './not-encrypted.js';
import {
  PERMANENT_DELIVERY_FAILURE,
  type Activities,
  type NotifyResult,
  type SearchParties,
  type WebhookEvent,
} from './contract.js';
import {
  BEDRIJFSARTS_ID,
  CASEMANAGER_ID,
  CASE_STATUS,
  CASE_TEAM,
  EMPLOYER_ID,
  NEXT_DEADLINE,
  OVERDUE_TASKS,
} from './search-attributes.js';

const { notify, prepareDeskundigenoordeelRequest } = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  // A worker that dies while sending is noticed within seconds, and the attempt retried elsewhere.
  heartbeatTimeout: '10 seconds',
  // SMTP outages are retried for as long as they last: a reminder is never dropped.
  retry: { initialInterval: '10 seconds', backoffCoefficient: 2, maximumInterval: '30 minutes' },
});

const { searchIds } = proxyLocalActivities<Activities>({ startToCloseTimeout: '10 seconds' });

const { deliverWebhooks } = proxyActivities<Activities>({
  startToCloseTimeout: '5 minutes',
  heartbeatTimeout: '10 seconds',
  // Retried until every endpoint took the events or was disabled (410 Gone, or unreachable for the
  // endpoint's disableAfterHours): a receiver that is down misses nothing in the meantime.
  retry: { initialInterval: '10 seconds', backoffCoefficient: 2, maximumInterval: '1 hour' },
});

/**
 * Changes since the first histories, each behind `patched()` so that a case started before them
 * replays as it ran (test/histories/README.md):
 * - calendar invitations (iCalendar) on reminders, updated per due date and cancelled when done;
 * - the escalation chain: a second escalation, supervisor in cc, 10 working days after the first;
 * - a permanently refused e-mail is recorded and reported instead of failing the case;
 * - the invitations still open when the case closes are cancelled by e-mail (before, they were only
 *   marked cancelled: the message had no task to name and was skipped);
 * - the search attributes name the team and the bedrijfsarts (CaseTeam, BedrijfsartsId), so that a
 *   teamleider and a bedrijfsarts can list their cases; a case from before writes them on its next round;
 * - the memo keeps a summary of the case and its open tasks (case-summary.ts), for the task list;
 * - a reassignment cancels the invitations the casemanager who left still holds (asked only in a
 *   case with a `casemanager-changed` event, which no case before it has);
 * - what happens in the case goes out as webhook events (case-webhooks.ts), delivered by an activity;
 * - a recipient the SMTP server refused for good while it took the others is recorded as
 *   `delivery-failed` and reported (asked only when a result names one, which no result before did);
 * - the deskundigenoordeel's follow-up moves off a general holiday to the next working day (asked
 *   while a request waits for its answer);
 * - a take-over summary names the overdue tasks only, the others get their own reminders, and an
 *   overdue start of spoor 2 asks for the deskundigenoordeel (asked on a case's first round);
 * - task e-mails wait for office hours, 08:00 to 18:00 on working days, unless a reminder's task is
 *   due before then (asked in the first round outside office hours);
 * - a start is checked against today's case schema and must be for its own workflow id (asked when
 *   the run starts: a case started before keeps the check it started with, its input's shape);
 * - a postponed task's calendar entry moves at once (asked when an invitation's due date differs
 *   from its task's);
 * - the searchable identifiers of the casemanager and the bedrijfsarts are keyed HMACs made by a
 *   local activity, not an unkeyed hash anyone can compute (asked when the parties have none yet);
 * - the summary in the memo (version 2) holds the languages and the postponements, so that the daily
 *   digest reads summaries, never the case (asked where the summary is written).
 */
export const PATCHES = {
  calendarInvites: 'task-email-calendar-invites',
  escalationChain: 'task-email-escalation-chain',
  deliveryFailures: 'task-email-delivery-failures',
  cancelOnClose: 'task-email-cancel-invites-on-close',
  searchParties: 'case-search-team-bedrijfsarts',
  summaryMemo: 'case-summary-memo',
  reassignment: 'case-reassignment',
  webhooks: 'case-webhooks',
  refusedRecipients: 'task-email-refused-recipients',
  followUpOnWorkingDay: 'deskundigenoordeel-follow-up-working-day',
  takeoverOverdueOnly: 'takeover-summary-overdue-only',
  officeHours: 'task-email-office-hours',
  startChecked: 'case-start-checked',
  inviteMoves: 'task-email-invite-moves',
  keyedSearchIds: 'case-search-ids-keyed',
  digestSummary: 'case-summary-for-digest',
} as const;

/**
 * Whether this case has each change: the one place that asks `patched()`. A change is asked where the
 * round first needs it, not all at the top of the round, and kept once the case has it: replaying a
 * history needs the marker asked in the workflow task that recorded it (docs/decisions/).
 */
function caseChanges(): Record<keyof typeof PATCHES, boolean> {
  const has = new Set<string>();
  const ask = (id: string): boolean => {
    if (!has.has(id) && patched(id)) has.add(id);
    return has.has(id);
  };
  return {
    get calendarInvites() {
      return ask(PATCHES.calendarInvites);
    },
    get escalationChain() {
      return ask(PATCHES.escalationChain);
    },
    get deliveryFailures() {
      return ask(PATCHES.deliveryFailures);
    },
    get cancelOnClose() {
      return ask(PATCHES.cancelOnClose);
    },
    get searchParties() {
      return ask(PATCHES.searchParties);
    },
    get summaryMemo() {
      return ask(PATCHES.summaryMemo);
    },
    get reassignment() {
      return ask(PATCHES.reassignment);
    },
    get webhooks() {
      return ask(PATCHES.webhooks);
    },
    get refusedRecipients() {
      return ask(PATCHES.refusedRecipients);
    },
    get followUpOnWorkingDay() {
      return ask(PATCHES.followUpOnWorkingDay);
    },
    get takeoverOverdueOnly() {
      return ask(PATCHES.takeoverOverdueOnly);
    },
    get officeHours() {
      return ask(PATCHES.officeHours);
    },
    get startChecked() {
      return ask(PATCHES.startChecked);
    },
    get inviteMoves() {
      return ask(PATCHES.inviteMoves);
    },
    get keyedSearchIds() {
      return ask(PATCHES.keyedSearchIds);
    },
    get digestSummary() {
      return ask(PATCHES.digestSummary);
    },
  };
}

export async function caseWorkflow(input: CaseWorkflowInput): Promise<CaseView> {
  const c = new CaseRun(input);
  const { state } = c;
  while (state.status !== 'closed') {
    // Taken before acting: an event that arrives while an e-mail is being sent wakes the next round.
    const seen = c.revision;
    const calendar = computeCalendar(state.facts, { asOf: c.today() });
    // A casemanager who left first loses the invitations they hold; what is sent next goes to the new one.
    if (state.casemanagersLeft?.length && c.changes.reassignment) await c.cancelForLeaving(calendar);
    const awaiting = state.deskundigenoordeel !== undefined && !state.deskundigenoordeel.receivedOn;
    const options = {
      secondEscalation: c.changes.escalationChain,
      followUpOnWorkingDay: awaiting && c.changes.followUpOnWorkingDay,
      takeoverOverdueOnly: !state.started && c.changes.takeoverOverdueOnly,
      officeHours: !state.open.anyHour && nextOfficeOpening(c.now()) !== undefined && c.changes.officeHours,
    };
    const plan = planRound(state, calendar, c.sent, c.now(), options);
    for (const key of plan.superseded) c.settle(key);
    if (plan.takeover) {
      await c.sendTakeover(plan.takeover);
      if (plan.takeover.request) c.pendingRequest ??= plan.takeover.request;
    }
    // Awaited only when something is sent: see docs/decisions/ on the cost of promises here.
    for (const step of plan.steps) {
      if (step.overdue) c.record({ kind: 'overdue', actor: SYSTEM, ...step.overdue });
      if (step.request) c.pendingRequest ??= step.request;
      const sending = step.send && c.send(step.send);
      if (sending) await sending;
      else if (!step.send) c.settle(step.key);
    }
    // A take-over whose messages wait for office hours is still to be made: not started yet.
    if (plan.deferredUntil === undefined) state.started = true;
    if (state.invites && c.changes.calendarInvites && hasFinishedInvitations(state, calendar)) {
      await c.cancelInvitations(calendar, undefined);
    }
    const moved = state.invites ? movedInvitations(state, calendar) : [];
    if (moved.length > 0 && c.changes.inviteMoves) {
      for (const { uid, moved: record, send } of moved) {
        if (!c.sent.has(send.key)) await c.send(send);
        state.invites = { ...state.invites, [uid]: record };
      }
    }
    const requestBefore = state.deskundigenoordeel;
    if (c.pendingRequest && !state.deskundigenoordeel) await c.requestDeskundigenoordeel(c.pendingRequest);
    c.pendingRequest = undefined;

    const end = endMoment(calendar);
    if (c.now() >= end.at) {
      c.close(end.reason, SYSTEM);
      break;
    }
    if (c.searchIdsMissing()) await c.keySearchIds();
    c.publish(calendar);
    c.publishSummary(calendar);
    c.deliverWebhooks();
    if (workflowInfo().continueAsNewSuggested) {
      // Webhook events still on their way go along in the outbox and are delivered again (same ids).
      await condition(allHandlersFinished);
      await continueAsNew<typeof caseWorkflow>({ continued: state });
    }
    // A deskundigenoordeel requested this round adds its 4-week follow-up, which the plan (made before
    // the request) does not hold; without it the follow-up would wait for whatever came next.
    const upcoming =
      state.deskundigenoordeel === requestBefore
        ? plan.messages
        : scheduledMessages(calendar, state, { ...options, followUpOnWorkingDay: c.changes.followUpOnWorkingDay });
    const wakeAt = Math.min(nextMoment(upcoming, c.sent, end.at, c.now()), plan.deferredUntil ?? Infinity);
    await condition(() => c.revision !== seen, Math.max(wakeAt - c.now(), 1));
  }

  const closedCalendar = computeCalendar(state.facts, { asOf: c.today() });
  const stillInvited = Object.values(state.invites ?? {}).some((invite) => !invite.cancelled);
  const names = stillInvited && c.changes.cancelOnClose ? closedCalendar : undefined;
  if (state.invites && c.changes.calendarInvites) await c.cancelInvitations(undefined, names);
  if (c.searchIdsMissing()) await c.keySearchIds();
  c.publish(closedCalendar, true);
  c.publishSummary(closedCalendar);
  // The case ends once its systems know: the last events are delivered (or their endpoints disabled).
  c.deliverWebhooks();
  await condition(() => c.webhooksDelivered());
  await condition(allHandlersFinished);
  log.info('case closed', { caseId: state.open.caseId, reason: state.closedReason });
  return caseView(state, c.today());
}

/** One run of a case: its state, its clock, and the effects the loop carries out. */
class CaseRun {
  readonly state: CaseState;
  /** The keys of `state.sent`, as a set. */
  readonly sent: Set<string>;
  readonly changes = caseChanges();
  /** Counts accepted events: the loop sleeps until it changes. */
  revision = 0;
  /** A deskundigenoordeel to request at the end of this round (from an event or an overdue spoor 2). */
  pendingRequest: DeskundigenoordeelState['because'] | undefined;
  private published: string | undefined;
  /** The summary last written to the memo (see publishSummary). */
  private summarized: string | undefined;
  /** The webhook events being delivered: one batch at a time, so that they arrive in order. */
  private delivering: WebhookEvent[] | undefined;

  constructor(input: CaseWorkflowInput) {
    checkInput(input, this.changes);
    this.state =
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
    this.sent = new Set(this.state.sent);
    if ('open' in input) {
      // Only the timeline's text: histories opened without it replay with the same commands.
      const by = input.openedBy;
      const actor = typeof by === 'string' && by.length > 0 && by.length <= 200 ? by : SYSTEM;
      this.record({ kind: 'opened', actor, details: `eerste ziektedag ${input.open.firstSickDay}` });
    }
    setHandler(caseQuery, (options) => {
      // A closed case is shown as it stood when it closed; an open one as of the caller's date.
      const later = options?.asOf && isValidIsoDate(options.asOf) && options.asOf > this.today();
      return caseView(this.state, later && this.state.status !== 'closed' ? options.asOf! : this.today());
    });
    setHandler(recordEventUpdate, (raw) => this.applyEvent(raw), {
      // A dry run on a copy: the real state changes only in the handler.
      validator: (raw) =>
        void asUpdateFailure(() =>
          applyEvent(draftOf(this.state), unwrapEvent(raw, this.state, true).event, this.today()),
        ),
    });
  }

  /** The workflow's clock (shifted by the simulation's offset, see CaseWorkflowInput). */
  now(): number {
    return Date.now() - (this.state.clockOffsetMs ?? 0);
  }

  today(): string {
    return amsterdamDate(this.now());
  }

  record(entry: Omit<TimelineEntry, 'at'>): TimelineEntry {
    const full = { at: new Date(this.now()).toISOString(), ...entry };
    this.state.timeline.push(full);
    this.queueWebhook(full);
    this.keepTimelineWindow();
    return full;
  }

  /**
   * Keeps the latest TIMELINE_WINDOW entries at hand (dropped 50 at a time); the rest is in the
   * history. What the case still needs of them is counted (the reassignments number the cancellations).
   */
  private keepTimelineWindow(): void {
    const { timeline } = this.state;
    if (timeline.length <= TIMELINE_WINDOW + 50) return;
    const dropped = timeline.splice(0, timeline.length - TIMELINE_WINDOW);
    const before = this.state.timelineOmitted ?? { entries: 0, casemanagerChanges: 0 };
    this.state.timelineOmitted = {
      entries: before.entries + dropped.length,
      casemanagerChanges:
        before.casemanagerChanges + dropped.filter((e) => e.event?.type === 'casemanager-changed').length,
    };
  }

  /** What the arbodienst's systems hear of an entry, queued for the end of the round (deliverWebhooks). */
  private queueWebhook(entry: TimelineEntry): void {
    const { open } = this.state;
    const count = this.state.webhooks?.count ?? 0;
    const ids = { caseId: open.caseId, employerId: open.employer.id, firstRunId: workflowInfo().firstExecutionRunId };
    const event = webhookEventOf(entry, ids, count + 1);
    if (!event || !this.changes.webhooks) return;
    this.state.webhooks = { count: count + 1, outbox: [...(this.state.webhooks?.outbox ?? []), event] };
  }

  /**
   * Starts delivering the queued webhook events, unless a batch is on its way (then they follow it).
   * Not awaited: a receiver that is down holds up neither the reminders nor the events recorded.
   */
  deliverWebhooks(): void {
    const outbox = this.state.webhooks?.outbox ?? [];
    if (this.delivering || outbox.length === 0) return;
    const batch = [...outbox];
    this.delivering = batch;
    const { caseId, employer } = this.state.open;
    void deliverWebhooks({ caseId, employerId: employer.id, events: batch })
      .catch((err: unknown) => {
        // Only a failure that is not retried ends here (the retry policy has no end): not silently.
        log.error('webhook events not delivered', { caseId, ids: batch.map((e) => e.id), error: String(err) });
      })
      .then(() => {
        const done = new Set(batch.map((e) => e.id));
        const left = (this.state.webhooks?.outbox ?? []).filter((e) => !done.has(e.id));
        this.state.webhooks = { count: this.state.webhooks?.count ?? 0, outbox: left };
        this.delivering = undefined;
        this.deliverWebhooks();
      });
  }

  /** Whether every queued webhook event has been delivered. */
  webhooksDelivered(): boolean {
    return !this.delivering && (this.state.webhooks?.outbox.length ?? 0) === 0;
  }

  /** Done with a message: sent, refused for good, or not needed. It is never sent again. */
  settle(key: string): void {
    this.sent.add(key);
    this.state.sent.push(key);
  }

  close(reason: string, actor: string): void {
    if (this.state.status === 'closed') return;
    this.state.status = 'closed';
    this.state.closedReason = reason;
    this.record({ kind: 'closed', actor, details: reason });
  }

  private applyEvent(raw: unknown) {
    // Applied to a copy and committed only when it succeeds, so a refusal leaves no half-change.
    const draft = draftOf(this.state);
    const { event, eventId } = asUpdateFailure(() => unwrapEvent(raw, this.state, false));
    const completions = this.state.completions ?? completionsIn(this.state.timeline);
    const effects = asUpdateFailure(() => applyEvent(draft, event, this.today()));
    // Commit the whole draft: a field applyEvent deleted (workPercentage on full recovery) must go
    // from the state too, which Object.assign alone would leave in place.
    for (const key of Object.keys(this.state) as (keyof CaseState)[]) if (!(key in draft)) delete this.state[key];
    Object.assign(this.state, draft);
    const entry = this.record({
      kind: 'event',
      actor: event.actor,
      event,
      ...('task' in event && { task: event.task }),
    });
    if (eventId) this.state.eventIds = [...(this.state.eventIds ?? []), eventId];
    if (event.type === 'task-completed') {
      const { task, date, document } = event;
      this.state.completions = [...completions, { task, date, ...(document && { document }) }];
    }
    if (effects.requestDeskundigenoordeel) this.pendingRequest = effects.requestDeskundigenoordeel;
    if (effects.casemanagerLeft)
      this.state.casemanagersLeft = [...(this.state.casemanagersLeft ?? []), effects.casemanagerLeft];
    if (effects.close) this.close(`gesloten: ${effects.close}`, event.actor);
    this.revision++;
    return { accepted: true as const, entry };
  }

  /**
   * Sends, and once the SMTP server took it settles and records it. Returns the sending rather than
   * being async, so that the loop has one async layer between it and `notify` (docs/decisions/).
   */
  send(s: Send): Promise<NotifyResult | undefined> {
    // The casemanager's stand-ins of the day get it too (the record and the invitation name them).
    let n = withStandIns(s.notification, this.state, this.today());
    let invite: ReturnType<typeof invitation> | undefined;
    if (s.invite && n.kind === 'reminder' && this.changes.calendarInvites) {
      invite = invitation(this.state, s.invite, n.to);
      n = { ...n, calendar: invite.calendar };
    }
    return this.deliver({ ...s, notification: n }, (result) => {
      this.settle(s.key);
      this.record({ ...s.entry, recipients: result.recipients ?? [...n.to, ...(n.cc ?? [])], messageId: n.messageId });
      if (invite) this.state.invites = { ...this.state.invites, [invite.record[0]]: invite.record[1] };
    });
  }

  /**
   * Sends (then `onDelivered`, in the same activation as the activity's result). A message the SMTP
   * server refuses for good is settled, recorded on the timeline and reported to the arbodienst's
   * operations address (undefined), so that it is not retried forever.
   */
  private async deliver(s: Send, onDelivered?: (result: NotifyResult) => void): Promise<NotifyResult | undefined> {
    const n = s.notification;
    let result: NotifyResult;
    if (!this.changes.deliveryFailures) {
      result = await notify(n);
    } else {
      try {
        result = await notify(n);
      } catch (err) {
        const failure = permanentDeliveryFailure(err);
        if (!failure) throw err;
        this.settle(s.key);
        const recipients = [...n.to, ...(n.cc ?? [])];
        this.record({
          kind: 'delivery-failed',
          actor: SYSTEM,
          ...(n.tasks[0] && { task: n.tasks[0].id as TimelineEntry['task'], due: n.tasks[0].due }),
          recipients,
          messageId: n.messageId,
          details: `${n.kind}: ${failure.message}`,
        });
        await this.reportDeliveryFailure(s, recipients, failure.message);
        return undefined;
      }
    }
    onDelivered?.(result);
    if (result.refused?.length && this.changes.refusedRecipients) {
      const refused = result.refused.map((r) => r.address);
      const reason = result.refused.map((r) => r.reason).join('; ');
      this.record({
        kind: 'delivery-failed',
        actor: SYSTEM,
        ...(n.tasks[0] && { task: n.tasks[0].id as TimelineEntry['task'], due: n.tasks[0].due }),
        recipients: refused,
        messageId: n.messageId,
        details: `${n.kind}: ${reason}`,
      });
      await this.reportDeliveryFailure(s, refused, reason);
    }
    return result;
  }

  private async reportDeliveryFailure(failed: Send, recipients: string[], reason: string): Promise<void> {
    const report = deliveryFailureReport(this.state.open, failed, recipients, reason);
    try {
      await notify(report);
    } catch (err) {
      if (!permanentDeliveryFailure(err)) throw err;
      log.error('the operations address refused the delivery-failure report too', { messageId: report.messageId });
    }
  }

  /** Cancels, for each casemanager who left, the invitations they still hold (for them alone). */
  async cancelForLeaving(calendar: CalendarResult): Promise<void> {
    const round =
      (this.state.timelineOmitted?.casemanagerChanges ?? 0) +
      this.state.timeline.filter((e) => e.event?.type === 'casemanager-changed').length;
    for (const left of this.state.casemanagersLeft ?? []) {
      for (const { uid, kept, send } of invitationsLeaving(this.state, calendar, left, round)) {
        if (send && !this.sent.has(send.key)) {
          await this.deliver(send, (result) => {
            this.settle(send.key);
            this.record({
              ...send.entry,
              recipients: result.recipients ?? send.notification.to,
              messageId: send.notification.messageId,
            });
          });
        }
        this.state.invites = { ...this.state.invites, [uid]: kept };
      }
    }
    delete this.state.casemanagersLeft;
  }

  /** The summary goes out first; what it stands for is settled and recorded after it. */
  async sendTakeover({ send, covered }: Takeover): Promise<void> {
    const delivered = await this.deliver(send);
    for (const c of covered) {
      this.settle(c.key);
      if (!c.overdue) continue;
      this.record({ kind: 'overdue', actor: SYSTEM, ...c.overdue });
      if (c.chainKey) this.settle(c.chainKey);
    }
    this.settle(send.key);
    if (!delivered) return;
    const n = send.notification;
    const { details, ...entry } = send.entry;
    const recipients = delivered.recipients ?? [...n.to, ...(n.cc ?? [])];
    this.record({ ...entry, recipients, messageId: n.messageId, details });
  }

  /** Cancels the invitations of tasks no longer open, or all of them when the case closed. */
  async cancelInvitations(calendar: CalendarResult | undefined, names: CalendarResult | undefined): Promise<void> {
    for (const { uid, cancelled, send } of finishedInvitations(this.state, calendar, calendar ?? names)) {
      this.state.invites![uid] = cancelled;
      if (send) await this.send(send);
    }
  }

  async requestDeskundigenoordeel(because: DeskundigenoordeelState['because']): Promise<void> {
    const request = await prepareDeskundigenoordeelRequest(because);
    const requestedOn = this.today();
    await this.send(deskundigenoordeelRequest(this.state.open, requestedOn, because, request));
    this.state.deskundigenoordeel = { requestedOn, because };
  }

  /**
   * Whether the parties have no keyed searchable identifiers yet (a new case, a reassignment, a case
   * from before them). The addresses they were made for are kept with them, so a changed address is
   * noticed by comparing, without asking again.
   */
  searchIdsMissing(): boolean {
    const { casemanager, bedrijfsarts } = this.state.open;
    const made = this.state.searchIds?.for;
    if (made && made.casemanager === casemanager.email && made.bedrijfsarts === bedrijfsarts.email) return false;
    return this.changes.keyedSearchIds;
  }

  /** Asks for the keyed identifiers of the parties (only when searchIdsMissing: an await yields). */
  async keySearchIds(): Promise<void> {
    const parties: SearchParties = {
      casemanager: this.state.open.casemanager.email,
      bedrijfsarts: this.state.open.bedrijfsarts.email,
    };
    this.state.searchIds = { for: parties, ids: await searchIds(parties) };
  }

  /** The search attributes, written only when they changed (every upsert is a history event). */
  publish(calendar: CalendarResult, always = false): void {
    const next = openTasks(calendar)
      .map((m) => m.due)
      .sort()[0];
    const overdue = calendar.milestones.filter((m) => m.status === 'overdue').length;
    // A case from before the parties were searchable publishes once more to add them.
    const parties = this.changes.searchParties;
    // Who the case belongs to changes with a reassignment: then it is published again (the digest follows).
    const { casemanager: cm, bedrijfsarts: ba } = this.state.open;
    // Keyed once keySearchIds made them; a case from before keeps the unkeyed hash it replays with.
    const ids = this.state.searchIds?.ids;
    const key = JSON.stringify({
      status: this.state.status,
      next,
      overdue,
      parties,
      cm: cm.email,
      team: cm.team,
      ba: ba.email,
      ids,
    });
    if (key === this.published && !always) return;
    this.published = key;
    const { casemanager, bedrijfsarts, employer } = this.state.open;
    upsertSearchAttributes([
      { key: CASE_STATUS, value: this.state.status },
      { key: CASEMANAGER_ID, value: ids?.casemanager ?? legacyCasemanagerKey(casemanager.email) },
      { key: EMPLOYER_ID, value: employer.id },
      ...(parties
        ? [
            { key: CASE_TEAM, value: casemanager.team ?? null },
            { key: BEDRIJFSARTS_ID, value: ids?.bedrijfsarts ?? legacyBedrijfsartsKey(bedrijfsarts.email) },
          ]
        : []),
      { key: NEXT_DEADLINE, value: next ? new Date(`${next}T00:00:00Z`) : null },
      { key: OVERDUE_TASKS, value: overdue },
    ]);
  }

  /** The summary in the memo, written only when it changed (an event done, a new due date). */
  publishSummary(calendar: CalendarResult): void {
    if (!this.changes.summaryMemo) return;
    const summary = caseSummary(this.state, calendar, this.changes.digestSummary);
    const key = JSON.stringify(summary);
    if (key === this.summarized) return;
    this.summarized = key;
    upsertMemo({ [SUMMARY_MEMO]: summary });
  }
}

/** The SMTP server refused the message for good (see activities/index.ts). */
function permanentDeliveryFailure(err: unknown): ApplicationFailure | undefined {
  if (!(err instanceof ActivityFailure)) return undefined;
  const cause = err.cause;
  return cause instanceof ApplicationFailure && cause.type === PERMANENT_DELIVERY_FAILURE ? cause : undefined;
}

/**
 * A copy of the state for applyEvent to change: deep, except for the two logs that only grow and that
 * applyEvent never touches (the timeline and the sent keys, the bulk of a long case's state).
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
      const failure = ApplicationFailure.create({
        type: REFUSAL_TYPES[err.kind],
        message: err.message,
        nonRetryable: true,
      });
      throw err.shownToAll ? shownToAll(failure) : failure;
    }
    throw err;
  }
}

/**
 * The client validates before it starts a case; this guards against a start that bypassed it (the
 * Temporal CLI, another SDK, a payload without the keys). Whatever the input, a bad one fails the run
 * at once: better than a workflow task that retries forever.
 */
function checkInput(input: unknown, changes: ReturnType<typeof caseChanges>): void {
  if (isNotEncrypted(input)) {
    throw shownToAll(
      ApplicationFailure.create({ type: 'InvalidCaseInput', message: NOT_ENCRYPTED_MESSAGE, nonRetryable: true }),
    );
  }
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    refuseInput('invalid case input: must be an object { open: … } (or { continued: … } from the case itself)');
  }
  if ('open' in input) {
    const open = input.open as Partial<OpenCaseInput> | null;
    if (typeof open !== 'object' || open === null) refuseInput('invalid case input: open: must be an object');
    // Today's schema only for a start under it: a case started before replays as it was taken, even
    // where a rule has been tightened since (a line break in a name, a date bound).
    if (!changes.startChecked) return;
    const parsed = openCaseSchema.safeParse(open);
    if (!parsed.success) {
      refuseInput(
        // Once each: a value refused by a union's every branch is reported by each.
        `invalid case input: ${[...new Set(parsed.error.issues.map((i) => `${['open', ...i.path].join('.')}: ${i.message}`))].join('; ')}`,
      );
    }
    ownWorkflow(parsed.data.caseId);
    return;
  }
  if ('continued' in input) {
    // Only its shape: a case carried over was opened under the schema of its day, which may have been laxer.
    const c = input.continued as Partial<Record<keyof CaseState, unknown>> | null;
    const shaped =
      typeof c === 'object' &&
      c !== null &&
      typeof c.open === 'object' &&
      c.open !== null &&
      typeof c.facts === 'object' &&
      c.facts !== null &&
      typeof c.status === 'string' &&
      Array.isArray(c.sent) &&
      Array.isArray(c.timeline);
    if (!shaped) refuseInput('invalid case input: continued: is not the carried state of a case');
    if (changes.startChecked) ownWorkflow((c.open as OpenCaseInput).caseId);
    return;
  }
  refuseInput('invalid case input: must have open (a new case) or continued (carried over by the case itself)');
}

/** A start copied out of another case's history (encrypted, so it decodes) must not run as this one. */
function ownWorkflow(caseId: string): void {
  const expected = caseWorkflowId(caseId);
  if (workflowInfo().workflowId !== expected) {
    refuseInput(`invalid case input: this is the start of case ${caseId}, whose workflow id is ${expected}`);
  }
}

function refuseInput(message: string): never {
  throw ApplicationFailure.create({ type: 'InvalidCaseInput', message, nonRetryable: true });
}
