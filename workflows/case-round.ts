// What one round of a case does: given the case, its calendar and the time, which messages go out,
// which are settled without one, and what goes on the timeline. Pure, so that every rule of a round is
// tested without a server (test/unit/case-round.test.ts) and the benchmark's oracle asks the same
// function; the workflow (case-workflow.ts) only carries the plan out and sleeps.
import { amsterdamDate, type CalendarResult, type IsoDate, type MilestoneId } from './calendar/index.js';
import type { CaseState, DeskundigenoordeelState } from './case-model.js';
import { deskundigenoordeelReminder, escalation, reminder, takeoverSummary, type Send } from './case-messages.js';
import {
  dueMessages,
  messageKey,
  nextOfficeOpening,
  scheduledMessages,
  supersededReminders,
  type ScheduledMessage,
  type ScheduleOptions,
} from './case-schedule.js';

/** One due message, in order. */
export interface Step {
  /** The message's key: settled by its send, or at once when there is none. */
  key: string;
  /** An escalation: the task is overdue from this moment, whether or not an e-mail says so. */
  overdue?: { task: MilestoneId; due: IsoDate };
  /** An overdue start of spoor 2 asks for a deskundigenoordeel (unless one was asked already). */
  request?: DeskundigenoordeelState['because'];
  /** Absent when the policy mutes the escalation: then the step only marks the task overdue. */
  send?: Send;
}

/** A case taken over with overdue tasks: one summary instead of a burst of escalations. */
export interface Takeover {
  send: Send;
  /**
   * What the summary stands for, settled once it went out (or was refused): every due message, each
   * escalation marking its task overdue and settling its second escalation too (no chain follows a
   * task that was overdue before the take-over).
   */
  covered: { key: string; overdue?: { task: MilestoneId; due: IsoDate }; chainKey?: string }[];
  /** A start of spoor 2 among the overdue tasks asks for a deskundigenoordeel (unless one was asked). */
  request?: DeskundigenoordeelState['because'];
}

export interface RoundOptions extends ScheduleOptions {
  /**
   * A take-over summary names the overdue tasks only; a task not yet late gets its own reminder, to
   * its own recipients, and an overdue start of spoor 2 asks for the deskundigenoordeel. Before, the
   * summary covered every due message, reminders of tasks not late included.
   */
  takeoverOverdueOnly?: boolean;
  /**
   * Outside office hours (OFFICE_HOURS, working days) a round sends only the reminders of tasks due
   * before the next opening; the rest waits for it (`deferredUntil`). Before, whatever was due went
   * out at once, at any hour.
   */
  officeHours?: boolean;
}

export interface RoundPlan {
  /** Every message the case will need, sent or not: the next wake-up is the first one still ahead. */
  messages: ScheduledMessage[];
  /** Reminders overtaken by their task's escalation in the same round: settled without sending. */
  superseded: string[];
  takeover?: Takeover;
  steps: Step[];
  /** What was due and waits for office hours goes out from this instant (the loop wakes then). */
  deferredUntil?: number;
}

/** The round at `now`: what is due and not yet sent, in order (see case-schedule.ts for the times). */
export function planRound(
  state: CaseState,
  calendar: CalendarResult,
  sent: ReadonlySet<string>,
  now: number,
  options: RoundOptions,
): RoundPlan {
  const messages = scheduledMessages(calendar, state, options);
  const allDue = dueMessages(messages, sent, now);
  const superseded = supersededReminders(messages, allDue, sent, now);
  const opening = options.officeHours ? nextOfficeOpening(now) : undefined;
  // At night or at the weekend: only a reminder whose task falls due before the next opening goes
  // now (not one already late: its escalation comes at the opening).
  const today = amsterdamDate(now);
  const due =
    opening === undefined
      ? allDue
      : allDue.filter(
          (m) => m.kind === 'reminder' && m.due !== undefined && m.due >= today && m.due < amsterdamDate(opening),
        );
  const deferredUntil = due.length < allDue.length ? opening : undefined;
  const plan = planDue(state, calendar, messages, superseded, due, now, options);
  return deferredUntil === undefined ? plan : { ...plan, deferredUntil };
}

function planDue(
  state: CaseState,
  calendar: CalendarResult,
  messages: ScheduledMessage[],
  superseded: string[],
  due: ScheduledMessage[],
  now: number,
  options: RoundOptions,
): RoundPlan {
  if (!state.started && due.some((m) => m.kind === 'escalation')) {
    if (!options.takeoverOverdueOnly) {
      return { messages, superseded, takeover: planTakeover(state, calendar, due, now), steps: [] };
    }
    // The summary stands for the late tasks; what is due of the others goes out as it would.
    const late = new Set(due.filter((m) => m.kind === 'escalation').map((m) => `${m.task}/${m.due}`));
    const ofLate = due.filter((m) => m.task && late.has(`${m.task}/${m.due}`));
    const takeover = planTakeover(state, calendar, ofLate, now);
    const request =
      !state.deskundigenoordeel && ofLate.some((m) => m.kind === 'escalation' && m.task === 'start-tweede-spoor')
        ? ('start-tweede-spoor-overdue' as const)
        : undefined;
    const steps = stepsFor(
      state,
      calendar,
      due.filter((m) => !ofLate.includes(m)),
    );
    return { messages, superseded, takeover: { ...takeover, ...(request && { request }) }, steps };
  }
  return { messages, superseded, steps: stepsFor(state, calendar, due) };
}

function stepsFor(state: CaseState, calendar: CalendarResult, due: ScheduledMessage[]): Step[] {
  const steps: Step[] = [];
  for (const message of due) {
    const step = stepFor(state, calendar, message);
    if (step) steps.push(step);
  }
  return steps;
}

function stepFor(state: CaseState, calendar: CalendarResult, message: ScheduledMessage): Step | undefined {
  const { open } = state;
  if (message.kind === 'deskundigenoordeel-reminder') {
    return { key: message.key, send: deskundigenoordeelReminder(open, message.key) };
  }
  // Scheduled messages come from the calendar's open tasks, so the task is always there.
  const task = calendar.milestones.find((m) => m.id === message.task);
  if (!task) return undefined;
  if (message.kind === 'reminder') return { key: message.key, send: reminder(open, message.key, task) };
  if (message.kind === 'second-escalation') {
    return { key: message.key, send: escalation(open, 'second-escalation', message.key, task) };
  }
  const muted = open.reminderPolicy?.[task.id as keyof NonNullable<typeof open.reminderPolicy>]?.escalate === false;
  return {
    key: message.key,
    overdue: { task: task.id, due: task.due },
    ...(task.id === 'start-tweede-spoor' && !state.deskundigenoordeel && { request: 'start-tweede-spoor-overdue' }),
    ...(!muted && { send: escalation(open, 'escalation', message.key, task) }),
  };
}

function planTakeover(state: CaseState, calendar: CalendarResult, due: ScheduledMessage[], now: number): Takeover {
  const tasks = calendar.milestones.filter((m) => due.some((d) => d.task === m.id && d.due === m.due));
  const send = takeoverSummary(state.open, `takeover/${amsterdamDate(now)}`, tasks);
  const covered = due.map((d) => {
    if (d.kind !== 'escalation' || !d.task || !d.due) return { key: d.key };
    const overdue = { task: d.task, due: d.due };
    return { key: d.key, overdue, chainKey: messageKey('second-escalation', d.task, d.due) };
  });
  return { send, covered };
}
