// When the workflow must act next: the pure rules that turn a case's calendar into moments.
//
// Default policy (configurable per task in the open input): a reminder at 08:00 Amsterdam time on
// the 5th working day before the due date; if the task is still open at 08:00 on the first working
// day after its due date, it is overdue and escalates. A key per message (kind, task, due date)
// tells whether it went out already: a postponed task has a new due date, so a new reminder.
import { amsterdamDate, amsterdamInstant } from './calendar/amsterdam-time.js';
import {
  addDays,
  addWorkingDays,
  firstWorkingDayAfter,
  isWorkingDay,
  type CalendarResult,
  type IsoDate,
  type Milestone,
  type TaskId,
} from './calendar/index.js';
import { DEFAULT_REMINDER_WORKING_DAYS, isTaskId, type CaseState } from './case-model.js';

export type ScheduledKind = 'reminder' | 'escalation' | 'second-escalation' | 'deskundigenoordeel-reminder';

/** Working days between the first escalation of an open task and the second (supervisor in cc). */
export const SECOND_ESCALATION_WORKING_DAYS = 10;

export interface ScheduleOptions {
  /** The escalation chain: a second escalation when the task is still open 10 working days later. */
  secondEscalation?: boolean;
  /**
   * The deskundigenoordeel's follow-up on a working day: 28 days after the request, or the first
   * working day after that when it is a general holiday (before, it went on the holiday itself).
   */
  followUpOnWorkingDay?: boolean;
}

export interface ScheduledMessage {
  key: string;
  kind: ScheduledKind;
  /** Instant (ms since epoch, UTC) from which it is due. */
  at: number;
  task?: TaskId;
  due?: IsoDate;
}

const ACTIONABLE = new Set(['open', 'postponed', 'overdue']);

export function messageKey(kind: ScheduledKind, task: string, due: IsoDate): string {
  return `${kind}/${task}/${due}`;
}

export function openTasks(calendar: CalendarResult): (Milestone & { id: TaskId })[] {
  return calendar.milestones.filter(
    (m): m is Milestone & { id: TaskId } => m.isTask && isTaskId(m.id) && ACTIONABLE.has(m.status),
  );
}

/** Every reminder, escalation and follow-up the case will need, sent or not. */
export function scheduledMessages(
  calendar: CalendarResult,
  state: CaseState,
  options: ScheduleOptions = {},
): ScheduledMessage[] {
  const messages: ScheduledMessage[] = [];
  for (const task of openTasks(calendar)) {
    const policy = state.open.reminderPolicy?.[task.id];
    const remindOn = addWorkingDays(task.due, -(policy?.reminderWorkingDaysBefore ?? DEFAULT_REMINDER_WORKING_DAYS));
    messages.push({
      key: messageKey('reminder', task.id, task.due),
      kind: 'reminder',
      at: amsterdamInstant(remindOn),
      task: task.id,
      due: task.due,
    });
    messages.push({
      key: messageKey('escalation', task.id, task.due),
      kind: 'escalation',
      at: amsterdamInstant(firstWorkingDayAfter(task.due)),
      task: task.id,
      due: task.due,
    });
    if (options.secondEscalation && policy?.escalate !== false) messages.push(secondEscalation(task));
  }
  const request = state.deskundigenoordeel;
  if (request && !request.receivedOn) {
    const day28 = addDays(request.requestedOn, 28);
    const followUpOn = options.followUpOnWorkingDay && !isWorkingDay(day28) ? firstWorkingDayAfter(day28) : day28;
    messages.push({
      key: `deskundigenoordeel-reminder/${request.requestedOn}`,
      kind: 'deskundigenoordeel-reminder',
      at: amsterdamInstant(followUpOn),
      due: followUpOn,
    });
  }
  return messages.sort((a, b) => a.at - b.at);
}

function secondEscalation(task: Milestone & { id: TaskId }): ScheduledMessage {
  const on = addWorkingDays(firstWorkingDayAfter(task.due), SECOND_ESCALATION_WORKING_DAYS);
  return {
    key: messageKey('second-escalation', task.id, task.due),
    kind: 'second-escalation',
    at: amsterdamInstant(on),
    task: task.id,
    due: task.due,
  };
}

/**
 * The messages due at `now` that have not been sent. A reminder whose task already escalates in
 * the same batch is left out: after downtime or a take-over it would only say less, later.
 */
export function dueMessages(messages: ScheduledMessage[], sent: ReadonlySet<string>, now: number): ScheduledMessage[] {
  const due = messages.filter((m) => m.at <= now && !sent.has(m.key));
  const escalating = new Set(due.filter((m) => m.kind === 'escalation').map((m) => `${m.task}/${m.due}`));
  return due.filter((m) => !(m.kind === 'reminder' && escalating.has(`${m.task}/${m.due}`)));
}

/** Reminders made pointless by an escalation in the same batch: marked sent without sending. */
export function supersededReminders(
  messages: ScheduledMessage[],
  due: ScheduledMessage[],
  sent: ReadonlySet<string>,
  now: number,
): string[] {
  const dueKeys = new Set(due.map((m) => m.key));
  return messages
    .filter((m) => m.kind === 'reminder' && m.at <= now && !sent.has(m.key) && !dueKeys.has(m.key))
    .map((m) => m.key);
}

/** The instant at which the case ends by itself, if the calendar says so. */
export function endMoment(calendar: CalendarResult): { at: number; reason: string } {
  if (calendar.closed?.reason === 'hersteld') {
    return { at: amsterdamInstant(calendar.closed.closesOn, 0), reason: 'hersteld: 28 dagen zonder terugval' };
  }
  if (calendar.closed?.reason === 'uit-dienst') {
    return { at: amsterdamInstant(calendar.closed.closesOn, 0), reason: 'uit dienst: UWV neemt de re-integratie over' };
  }
  return { at: amsterdamInstant(addDays(calendar.waitingTimeEnds, 1), 0), reason: 'einde wachttijd' };
}

/** Task e-mails go out on working days between 08:00 and 18:00 Amsterdam time. */
export const OFFICE_HOURS = { from: 8, until: 18 } as const;

/** The next 08:00 of a working day when `now` is outside office hours; undefined within them. */
export function nextOfficeOpening(now: number): number | undefined {
  const date = amsterdamDate(now);
  if (isWorkingDay(date)) {
    if (now < amsterdamInstant(date, OFFICE_HOURS.from)) return amsterdamInstant(date, OFFICE_HOURS.from);
    if (now < amsterdamInstant(date, OFFICE_HOURS.until)) return undefined;
  }
  return amsterdamInstant(firstWorkingDayAfter(date), OFFICE_HOURS.from);
}

/** The next instant after `now` at which something is scheduled. */
export function nextMoment(messages: ScheduledMessage[], sent: ReadonlySet<string>, end: number, now: number): number {
  let next = end;
  for (const m of messages) if (m.at > now && !sent.has(m.key) && m.at < next) next = m.at;
  return next;
}
