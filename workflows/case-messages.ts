// What a case's messages say and to whom, and the calendar invitations they carry. Pure: the
// workflow decides when (case-round.ts), these functions decide the content, and the activities
// render and send it (activities/notifications.ts).
import type { CalendarResult, IsoDate, Milestone, TaskId } from './calendar/index.js';
import { openTasks } from './case-schedule.js';
import type { CalendarInvite, CaseState, OpenCaseInput, TimelineEntry } from './case-model.js';
import type {
  CalendarInvitation,
  CaseMessage,
  CaseNotification,
  DeskundigenoordeelRequest,
  NotificationTask,
} from './contract.js';

/** The actor of what the workflow does by itself. */
export const SYSTEM = 'system';

/**
 * A message the case sends, and what goes on the timeline once the SMTP server took it (the loop adds
 * the time, the recipients and the Message-ID). `key` names the message among everything the case
 * sends: once delivered, or refused for good, it is in `state.sent` and never sent again.
 */
export interface Send {
  key: string;
  notification: CaseNotification;
  entry: Omit<TimelineEntry, 'at' | 'recipients' | 'messageId'>;
  /** A reminder's task: the loop adds its calendar invitation (when the case has that change). */
  invite?: Milestone;
}

/** `<caseId.key@poortwachter>`: the same message always carries the same Message-ID. */
export function messageIdOf(caseId: string, key: string): string {
  return `<${caseId}.${key.replace(/[^A-Za-z0-9.-]/g, '.')}@poortwachter>`;
}

export function notificationTask(m: Milestone): NotificationTask {
  return { id: m.id, title: m.title, due: m.due, owner: m.owner, legalBasis: m.legalBasis, status: m.status };
}

/** The parts every message about this case shares, in the language of its recipients (Dutch by default). */
export function caseMessage(
  open: OpenCaseInput,
  key: string,
  tasks: Milestone[],
  to: string[],
  cc?: string[],
): CaseMessage {
  return {
    messageId: messageIdOf(open.caseId, key),
    to,
    ...(cc && { cc }),
    caseId: open.caseId,
    employeeName: open.employee.displayName,
    employerName: open.employer.name,
    tasks: tasks.map(notificationTask),
    language: open.casemanager.language ?? open.employer.language ?? 'nl',
  };
}

/** Who is reminded of a task: the casemanager, and the bedrijfsarts for the bedrijfsarts' own tasks. */
export function reminderRecipients(open: OpenCaseInput, owner: string): string[] {
  return owner === 'bedrijfsarts' ? [open.casemanager.email, open.bedrijfsarts.email] : [open.casemanager.email];
}

/** To the casemanager, the employer's escalation contact in cc: how bad news travels. */
function toCasemanagerAndEmployer(open: OpenCaseInput): [string[], string[]] {
  return [[open.casemanager.email], [open.employer.escalationEmail]];
}

export function reminder(open: OpenCaseInput, key: string, task: Milestone): Send {
  return {
    key,
    notification: { ...caseMessage(open, key, [task], reminderRecipients(open, task.owner)), kind: 'reminder' },
    entry: { kind: 'reminder', actor: SYSTEM, task: task.id, due: task.due },
    invite: task,
  };
}

/** An escalation; the second one goes the same way, and the activity adds the supervisor in cc. */
export function escalation(
  open: OpenCaseInput,
  kind: 'escalation' | 'second-escalation',
  key: string,
  task: Milestone,
): Send {
  return {
    key,
    notification: { ...caseMessage(open, key, [task], ...toCasemanagerAndEmployer(open)), kind },
    entry: { kind, actor: SYSTEM, task: task.id, due: task.due },
  };
}

/** The deskundigenoordeel is still not in, 4 weeks after it was requested. */
export function deskundigenoordeelReminder(open: OpenCaseInput, key: string): Send {
  return {
    key,
    notification: {
      ...caseMessage(open, key, [], ...toCasemanagerAndEmployer(open)),
      kind: 'deskundigenoordeel-reminder',
    },
    entry: { kind: 'deskundigenoordeel-reminder', actor: SYSTEM },
  };
}

/** The summary a case taken over with overdue tasks sends instead of one escalation per task. */
export function takeoverSummary(open: OpenCaseInput, key: string, tasks: Milestone[]): Send {
  return {
    key,
    notification: { ...caseMessage(open, key, tasks, ...toCasemanagerAndEmployer(open)), kind: 'takeover-summary' },
    entry: { kind: 'takeover-summary', actor: SYSTEM, details: tasks.map((t) => t.id).join(', ') },
  };
}

/** The iCalendar UID of a task's deadline: one per case and task (per evaluation round). */
export function inviteUid(state: CaseState, task: Milestone): string {
  const round = task.id === 'evaluatie' ? `-${(state.facts.completed?.evaluatie?.length ?? 0) + 1}` : '';
  return `${state.open.caseId}.${task.id}${round}@poortwachter`;
}

/**
 * A reminder's invitation: the same UID as before for this task, one SEQUENCE higher for each new due
 * date (so a postponement moves the calendar entry), and the record to keep once it went out.
 */
export function invitation(
  state: CaseState,
  task: Milestone,
  recipients: string[],
): { calendar: CalendarInvitation; record: [string, CalendarInvite] } {
  const uid = inviteUid(state, task);
  const previous = state.invites?.[uid];
  const sequence = previous ? previous.sequence + 1 : 0;
  return {
    calendar: { uid, sequence, method: 'REQUEST' },
    record: [uid, { task: task.id as TaskId, due: task.due, sequence, recipients: [...recipients] }],
  };
}

/** Whether an invitation not yet cancelled belongs to a task that is no longer open. */
export function hasFinishedInvitations(state: CaseState, calendar: CalendarResult): boolean {
  const open = new Set(openTasks(calendar).map((t) => inviteUid(state, t)));
  return Object.entries(state.invites ?? {}).some(([uid, invite]) => !invite.cancelled && !open.has(uid));
}

/**
 * The invitations to cancel: those of tasks no longer open in `calendar`, or all of them when the case
 * closed (`calendar` undefined). Each comes with its cancelled record and the cancellation to send,
 * which needs the task's name from `names`: without one (cases closed before 2026-11, see
 * PATCHES.cancelOnClose) the invitation is only marked cancelled.
 */
export function finishedInvitations(
  state: CaseState,
  calendar: CalendarResult | undefined,
  names: CalendarResult | undefined,
): { uid: string; cancelled: CalendarInvite; send?: Send }[] {
  const open = new Set(calendar ? openTasks(calendar).map((t) => inviteUid(state, t)) : []);
  const finished: { uid: string; cancelled: CalendarInvite; send?: Send }[] = [];
  for (const [uid, invite] of Object.entries(state.invites ?? {})) {
    if (invite.cancelled || open.has(uid)) continue;
    const sequence = invite.sequence + 1;
    const cancelled = { ...invite, sequence, cancelled: true };
    const task = names?.milestones.find((m) => m.id === invite.task);
    if (!task) {
      finished.push({ uid, cancelled });
      continue;
    }
    const key = `calendar-cancel/${invite.task}/${invite.due}`;
    finished.push({ uid, cancelled, send: cancellation(state, uid, invite, task, sequence, key, invite.recipients) });
  }
  return finished;
}

/** The cancellation of an invitation (as version `sequence`) to `to`, naming its task and due date. */
function cancellation(
  state: CaseState,
  uid: string,
  invite: CalendarInvite,
  task: Milestone,
  sequence: number,
  key: string,
  to: string[],
): Send {
  return {
    key,
    notification: {
      ...caseMessage(state.open, key, [], to),
      tasks: [{ ...notificationTask(task), due: invite.due }],
      kind: 'calendar-cancel',
      calendar: { uid, sequence, method: 'CANCEL' },
    },
    entry: { kind: 'calendar-cancelled', actor: SYSTEM, task: invite.task, due: invite.due },
  };
}

/**
 * The invitations a casemanager who left the case still holds, cancelled for them alone: each comes
 * with its record without them (cancelled when nobody is left) and the cancellation to send. `round`
 * tells one reassignment from the next (the messages' keys).
 */
export function invitationsLeaving(
  state: CaseState,
  calendar: CalendarResult,
  left: string,
  round: number,
): { uid: string; kept: CalendarInvite; send?: Send }[] {
  const leaving: { uid: string; kept: CalendarInvite; send?: Send }[] = [];
  const same = (a: string) => a.toLowerCase() === left.toLowerCase();
  for (const [uid, invite] of Object.entries(state.invites ?? {})) {
    if (invite.cancelled || !invite.recipients.some(same)) continue;
    const sequence = invite.sequence + 1;
    const recipients = invite.recipients.filter((r) => !same(r));
    const kept = { ...invite, sequence, recipients, ...(recipients.length === 0 && { cancelled: true }) };
    const task = calendar.milestones.find((m) => m.id === invite.task);
    if (!task) {
      leaving.push({ uid, kept });
      continue;
    }
    const key = `calendar-cancel/${invite.task}/${invite.due}/reassigned-${round}`;
    leaving.push({ uid, kept, send: cancellation(state, uid, invite, task, sequence, key, [left]) });
  }
  return leaving;
}

/**
 * The invitations whose task now has another due date (a postponement): each with its record at the
 * new date (one SEQUENCE higher) and the update to send to those who hold it, so that the calendar
 * entry moves at once instead of with the next reminder.
 */
export function movedInvitations(
  state: CaseState,
  calendar: CalendarResult,
): { uid: string; moved: CalendarInvite; send: Send }[] {
  const moved: { uid: string; moved: CalendarInvite; send: Send }[] = [];
  for (const task of openTasks(calendar)) {
    const uid = inviteUid(state, task);
    const invite = state.invites?.[uid];
    if (!invite || invite.cancelled || invite.due === task.due) continue;
    const sequence = invite.sequence + 1;
    const key = `calendar-update/${task.id}/${task.due}`;
    moved.push({
      uid,
      moved: { ...invite, due: task.due, sequence },
      send: {
        key,
        notification: {
          ...caseMessage(state.open, key, [task], invite.recipients),
          kind: 'calendar-update',
          calendar: { uid, sequence, method: 'REQUEST' },
        },
        entry: { kind: 'calendar-updated', actor: SYSTEM, task: task.id, due: task.due },
      },
    });
  }
  return moved;
}

/** The stand-ins whose period holds `today`: they get what the casemanager gets. */
export function activeStandIns(state: CaseState, today: IsoDate): string[] {
  return (state.standIns ?? []).filter((s) => s.from <= today && today <= s.until).map((s) => s.email);
}

/** A message to the casemanager goes to the stand-ins of the day as well. */
export function withStandIns(n: CaseNotification, state: CaseState, today: IsoDate): CaseNotification {
  const extra = activeStandIns(state, today).filter((e) => !n.to.includes(e));
  if (extra.length === 0 || !n.to.includes(state.open.casemanager.email)) return n;
  return { ...n, to: [...n.to, ...extra] };
}

/** The request for a deskundigenoordeel, once the activity prepared its content. */
export function deskundigenoordeelRequest(
  open: OpenCaseInput,
  requestedOn: IsoDate,
  because: string,
  request: DeskundigenoordeelRequest,
): Send {
  const key = `deskundigenoordeel-request/${requestedOn}`;
  return {
    key,
    notification: {
      ...caseMessage(open, key, [], ...toCasemanagerAndEmployer(open)),
      kind: 'deskundigenoordeel-request',
      request,
    },
    entry: { kind: 'deskundigenoordeel-request', actor: SYSTEM, details: because },
  };
}

/** The report to the operations address (which the activity fills in) of a message refused for good. */
export function deliveryFailureReport(
  open: OpenCaseInput,
  failed: Send,
  recipients: string[],
  reason: string,
): CaseNotification {
  const n = failed.notification;
  const notification: CaseNotification = {
    ...caseMessage(open, `delivery-failed/${failed.key}`, [], []),
    tasks: n.tasks,
    kind: 'delivery-failed',
    failure: { messageId: n.messageId, kind: n.kind, recipients, reason },
  };
  return notification;
}
