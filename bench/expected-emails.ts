// The e-mails a benchmark story must produce, computed without Temporal: the yardstick against which
// the lifecycle check compares what the SMTP sink received ("every e-mail the calendar says is due
// was sent exactly once").
//
// What is shared with the workflow, and why: the law and its one-line definitions. The calendar
// (computeCalendar: due dates, statuses, working days, holidays, samentellen, closure), the events'
// effect on the facts (parseEvent/applyEvent from case-events.ts, which also refuses what does not
// fit), the schedule rules of case-schedule.ts (scheduledMessages: reminder at 08:00 on the 5th
// working day before the due date, escalation at 08:00 on the first working day after it, second
// escalation 10 working days later, the deskundigenoordeel follow-up after 28 days; dueMessages: a
// reminder is dropped when its task escalates in the same batch; openTasks; endMoment: when a case
// ends by itself) and Amsterdam time (amsterdamInstant/amsterdamDate). A mistake in those is not
// found here; the calendar has its own tests.
//
// What is independent: everything case-workflow.ts does with them, re-done here as a plain walk over
// one case's moments (the 08:00 wake-ups of the schedule, the 09:00 event moments, the 00:00 end):
// which moments exist and in which order, when each message goes out and that it goes out once,
// reminders made pointless by an escalation, the take-over summary, the deskundigenoordeel request
// (after an eerstejaarsevaluatie with outcome spoor1-uitzichtloos/onduidelijk, or when
// start-tweede-spoor escalates) and its follow-up, the calendar invitations (one per task and
// evaluation round, updated per due date) and their cancellations, the end of the case, and the
// Message-ID format. No Temporal, no timers, no activities, no case timeline or history.
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
import { initialFacts, openCaseSchema, type CaseState, type DeskundigenoordeelState } from '../workflows/case-model.js';
import { dueMessages, endMoment, messageKey, openTasks, scheduledMessages } from '../workflows/case-schedule.js';
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

/** The Message-ID of a message key: `<caseId.key@poortwachter>`, with every character outside [A-Za-z0-9.-] as '.'. */
export function messageIdOf(caseId: string, key: string): string {
  return `<${caseId}.${key.replace(/[^A-Za-z0-9.-]/g, '.')}@poortwachter>`;
}

interface Invite {
  task: TaskId;
  due: IsoDate;
  cancelled: boolean;
}

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
  const invites = new Map<string, Invite>(); // by iCalendar UID
  const emails: ExpectedEmail[] = [];
  const refused: Expected['refused'] = [];
  let started = false;
  let closed: Expected['closed'];
  let request: DeskundigenoordeelState['because'] | undefined;

  const emitted = new Set<string>();
  const emit = (t: number, kind: ExpectedKind, key: string, task?: TaskId, due?: IsoDate) => {
    if (emitted.has(key)) return; // a Message-ID names one message
    emitted.add(key);
    emails.push({
      messageId: messageIdOf(caseId, key),
      key,
      kind,
      at: new Date(t).toISOString(),
      ...(task && { task }),
      ...(due && { due }),
    });
  };
  /** One calendar entry per case and task; the evaluation has one per round (the next to be held). */
  const uidOf = (task: TaskId) =>
    `${caseId}.${task}${task === 'evaluatie' ? `-${(state.facts.completed?.evaluatie?.length ?? 0) + 1}` : ''}@poortwachter`;

  const cancelInvites = (t: number, stillOpen: ReadonlySet<string>, send: boolean) => {
    for (const [uid, invite] of invites) {
      if (invite.cancelled || stillOpen.has(uid)) continue;
      invite.cancelled = true;
      if (send) emit(t, 'calendar-cancel', `calendar-cancel/${invite.task}/${invite.due}`, invite.task, invite.due);
    }
  };

  const close = (t: number, reason: string) => {
    closed = { at: new Date(t).toISOString(), reason };
    cancelInvites(t, new Set(), cancelOnClose);
  };

  const calendarAt = (t: number): CalendarResult => computeCalendar(state.facts, { asOf: amsterdamDate(t) });

  /** The case looks at its calendar at instant t and sends what is due. */
  const look = (t: number) => {
    const today = amsterdamDate(t);
    const calendar = calendarAt(t);
    const messages = scheduledMessages(calendar, state, { secondEscalation });
    const due = dueMessages(messages, done, t);
    const dueKeys = new Set(due.map((m) => m.key));
    // A reminder whose moment passed but which is not due now was superseded by its escalation: never sent.
    for (const m of messages)
      if (m.kind === 'reminder' && m.at <= t && !done.has(m.key) && !dueKeys.has(m.key)) done.add(m.key);

    if (!started && due.some((m) => m.kind === 'escalation')) {
      // Taken over with overdue tasks: one summary stands for every message due now and for the
      // second escalation of each task already overdue. A start-tweede-spoor overdue at the take-over
      // did not "become overdue" under this case: no deskundigenoordeel request for it.
      const key = `takeover/${today}`;
      emit(t, 'takeover-summary', key);
      done.add(key);
      for (const m of due) {
        done.add(m.key);
        if (m.kind === 'escalation' && m.task && m.due) done.add(messageKey('second-escalation', m.task, m.due));
      }
    } else {
      for (const m of due) {
        done.add(m.key);
        if (m.kind === 'deskundigenoordeel-reminder') {
          emit(t, m.kind, m.key, undefined, m.due);
          continue;
        }
        const task = m.task!;
        if (m.kind === 'reminder') {
          emit(t, 'reminder', m.key, task, m.due);
          if (invitesOn) invites.set(uidOf(task), { task, due: m.due!, cancelled: false });
        } else if (m.kind === 'escalation') {
          if (open.reminderPolicy?.[task]?.escalate !== false) emit(t, 'escalation', m.key, task, m.due);
          if (task === 'start-tweede-spoor' && !state.deskundigenoordeel) request ??= 'start-tweede-spoor-overdue';
        } else {
          emit(t, 'second-escalation', m.key, task, m.due);
        }
      }
    }
    started = true;

    // Invitations of tasks no longer open (done, not applicable, a new evaluation round) are cancelled.
    if (invitesOn) cancelInvites(t, new Set(openTasks(calendar).map((m) => uidOf(m.id))), true);

    if (request && !state.deskundigenoordeel) {
      const key = `deskundigenoordeel-request/${today}`;
      emit(t, 'deskundigenoordeel-request', key);
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
