// The e-mails a benchmark story must produce, computed without Temporal: the yardstick against which
// the lifecycle check compares what the SMTP sink received ("every e-mail the calendar says is due
// was sent exactly once").
//
// What is shared with the workflow, and why: the law and the decisions of one round. The calendar
// (computeCalendar: due dates, statuses, working days, holidays, samentellen, closure), the events'
// effect on the facts (parseEvent/applyEvent from case-events.ts, which also refuses what does not
// fit), the round planner (case-round.ts planRound: what is due at a moment, reminders overtaken by
// their escalation, the take-over summary, the deskundigenoordeel request of an overdue spoor 2), the
// messages and invitations (case-messages.ts: Message-IDs, invitation UIDs, which to cancel), when a
// case ends (endMoment) and Amsterdam time. A mistake in those is not found here; they have their
// own unit tests (test/unit/, test/calendar/).
//
// What is independent: how a case moves through time, re-done here as a plain walk over one case's
// moments (the 08:00 wake-ups of the schedule, the 09:00 event moments, the 00:00 end): which moments
// exist and in which order, that each message goes out once, the deskundigenoordeel request after an
// event or an escalation and its follow-up, and the end of the case. No Temporal, no timers, no
// activities, no case timeline or history.
//
// All patched() branches of the current workflow are on by default (calendar invitations, second
// escalations; delivery failures cannot occur in the benchmark: its sink accepts everything and no
// operations address is configured, so no delivery-failed report is sent).
import { amsterdamDate, amsterdamInstant } from '../workflows/calendar/amsterdam-time.js';
import {
  addDays,
  computeCalendar,
  type CalendarResult,
  type IsoDate,
  type TaskId,
} from '../workflows/calendar/index.js';
import { applyEvent, EventRefusal, parseEvent } from '../workflows/case-events.js';
import { deskundigenoordeelRequest, finishedInvitations, invitation, type Send } from '../workflows/case-messages.js';
import { initialFacts, openCaseSchema, type CaseState, type DeskundigenoordeelState } from '../workflows/case-model.js';
import { planRound } from '../workflows/case-round.js';
import { endMoment, scheduledMessages } from '../workflows/case-schedule.js';
import type { NotificationKind } from '../workflows/contract.js';
import type { CaseStory } from './mix.js';

/** The case's own notifications: the digest and delivery-failure reports are not a story's. */
export type ExpectedKind = Exclude<NotificationKind, 'delivery-failed' | 'digest'>;

export interface ExpectedEmail {
  messageId: string;
  /** The workflow's message key (`kind/task/due`, `takeover/<date>`, ...). */
  key: string;
  kind: ExpectedKind;
  /** When it falls due (ISO-8601 UTC, the case's own dates). */
  at: string;
  task?: TaskId;
  due?: IsoDate;
}

export interface ExpectedOptions {
  /** Calendar invitations on reminders and their cancellations (patch task-email-calendar-invites). Default on. */
  calendarInvites?: boolean;
  /** The second escalation, 10 working days after the first (patch task-email-escalation-chain). Default on. */
  secondEscalation?: boolean;
  /**
   * A cancellation for every invitation still standing when the case closes (docs/domain.md: "when the
   * task is done, no longer applies, or the case closes, a cancellation follows"). Default on: patch
   * task-email-cancel-invites-on-close; off for cases that closed before it (they only marked the
   * invitations cancelled, without an e-mail).
   */
  cancelInvitesOnClose?: boolean;
  /** The actor of story events that name none (the benchmark's driver uses this one). */
  actor?: string;
  /**
   * The day the case is opened, at 08:00 (default: its first sick day, as in the benchmark). A later day
   * is a case taken over while under way: its earlier work belongs in the open input's `completed`.
   */
  openedOn?: IsoDate;
}

export interface Expected {
  caseId: string;
  /** The Message-IDs that must arrive, each exactly once. */
  messageIds: Set<string>;
  /** The same, with what, why and when, in the order they fall due. */
  emails: ExpectedEmail[];
  /** Story events the case refuses (also refused by the workflow: same applyEvent), with the reason. */
  refused: { day: number; type: string; reason: string }[];
  /** When and why the case ends (undefined: not within the story, which cannot happen for a valid case). */
  closed?: { at: string; reason: string };
}

/** The request's content comes from an activity; only its key and Message-ID matter here. */
const PREPARED = { question: '', documents: [], signers: [], because: '' };

/** Which e-mails a story's case sends, from its open input and events alone. */
export function expectedEmails(story: Pick<CaseStory, 'open' | 'events'>, options: ExpectedOptions = {}): Expected {
  const invitesOn = options.calendarInvites ?? true;
  const secondEscalation = options.secondEscalation ?? true;
  const cancelOnClose = options.cancelInvitesOnClose ?? true;
  const actor = options.actor ?? 'casemanager@arbo.example';

  const checked = openCaseSchema.safeParse(story.open);
  if (!checked.success) throw new Error(`invalid open input: ${checked.error.message}`);
  const open = story.open;
  const caseId = open.caseId;

  let state: CaseState = {
    open,
    facts: initialFacts(open),
    status: 'open',
    sent: [],
    timeline: [],
    started: false,
  };
  const done = new Set<string>(); // message keys dealt with: sent, superseded, or covered by a summary
  const emails: ExpectedEmail[] = [];
  const refused: Expected['refused'] = [];
  let closed: Expected['closed'];
  let request: DeskundigenoordeelState['because'] | undefined;

  const emit = (t: number, send: Send) => {
    done.add(send.key);
    if (emails.some((e) => e.key === send.key)) return; // a Message-ID names one message
    const kind = send.notification.kind as ExpectedKind;
    const { task, due } = send.entry;
    emails.push({
      messageId: send.notification.messageId,
      key: send.key,
      kind,
      at: new Date(t).toISOString(),
      ...(task && { task: task as TaskId }),
      ...(due && { due }),
    });
  };

  /** Invitations of tasks no longer open in `calendar` (all of them once the case closed) are cancelled. */
  const cancelInvites = (t: number, calendar: CalendarResult | undefined, names: CalendarResult | undefined) => {
    for (const { uid, cancelled, send } of finishedInvitations(state, calendar, names)) {
      state.invites![uid] = cancelled;
      if (send) emit(t, send);
    }
  };

  const close = (t: number, reason: string) => {
    closed = { at: new Date(t).toISOString(), reason };
    if (invitesOn) cancelInvites(t, undefined, cancelOnClose ? calendarAt(t) : undefined);
  };

  const calendarAt = (t: number): CalendarResult => computeCalendar(state.facts, { asOf: amsterdamDate(t) });

  /** The case looks at its calendar at instant t and sends what the round's plan says. */
  const look = (t: number) => {
    const today = amsterdamDate(t);
    const calendar = calendarAt(t);
    const plan = planRound(state, calendar, done, t, { secondEscalation });
    for (const key of plan.superseded) done.add(key);
    if (plan.takeover) {
      // A start-tweede-spoor overdue at the take-over did not "become overdue" under this case: no
      // deskundigenoordeel request for it.
      emit(t, plan.takeover.send);
      for (const c of plan.takeover.covered) {
        done.add(c.key);
        if (c.chainKey) done.add(c.chainKey);
      }
    }
    for (const step of plan.steps) {
      done.add(step.key);
      if (step.request) request ??= step.request;
      if (!step.send) continue;
      emit(t, step.send);
      if (step.send.invite && invitesOn) {
        const { record } = invitation(state, step.send.invite, step.send.notification.to);
        state.invites = { ...state.invites, [record[0]]: record[1] };
      }
    }
    state.started = true;

    if (invitesOn && state.invites) cancelInvites(t, calendar, calendar);

    if (request && !state.deskundigenoordeel) {
      emit(t, deskundigenoordeelRequest(open, today, request, PREPARED));
      state.deskundigenoordeel = { requestedOn: today, because: request };
    }
    request = undefined;

    const end = endMoment(calendar);
    if (t >= end.at) close(t, end.reason);
  };

  // The story's events at 09:00 Amsterdam on their days; those of one moment in story order.
  const events = story.events
    .map((e, i) => ({ i, day: e.day, at: amsterdamInstant(addDays(open.firstSickDay, e.day), 9), raw: e.event }))
    .sort((a, b) => a.at - b.at || a.i - b.i);

  let t = amsterdamInstant(options.openedOn ?? open.firstSickDay, 8); // opened at 08:00
  const early = events.find((e) => e.at < t);
  if (early) throw new Error(`story event on day ${early.day} (${early.raw.type}) lies before the case was opened`);
  look(t);
  let next = 0;
  while (!closed) {
    // The next moment: the earliest message not yet dealt with, or the end of the case.
    const calendar = calendarAt(t);
    let wake = endMoment(calendar).at;
    for (const m of scheduledMessages(calendar, state, { secondEscalation }))
      if (m.at > t && m.at < wake && !done.has(m.key)) wake = m.at;
    const event = events[next];
    if (event && event.at < wake) {
      next++;
      t = event.at;
      try {
        const parsed = parseEvent({ actor, ...event.raw });
        const draft = structuredClone(state);
        const effects = applyEvent(draft, parsed, amsterdamDate(t));
        state = draft;
        if (effects.requestDeskundigenoordeel) request = effects.requestDeskundigenoordeel;
        if (effects.close) {
          close(t, `gesloten: ${effects.close}`);
          break;
        }
      } catch (err) {
        if (!(err instanceof EventRefusal)) throw err;
        refused.push({ day: event.day, type: event.raw.type, reason: err.message });
        continue;
      }
      look(t);
    } else {
      t = wake;
      look(t);
    }
  }
  // Events after the end find the case closed.
  for (const e of events.slice(next)) refused.push({ day: e.day, type: e.raw.type, reason: 'the case is closed' });

  return { caseId, messageIds: new Set(emails.map((e) => e.messageId)), emails, refused, ...(closed && { closed }) };
}
