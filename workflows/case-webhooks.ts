// What a case tells the arbodienst's systems: the timeline entries that become webhook events, and
// what each event carries. Pure: the workflow queues what this returns and an activity delivers it
// (activities/webhooks.ts). Only ids, task ids, dates and codes leave the case this way: a receiver
// that needs more asks the API, which checks who asks.
import { SYSTEM } from './case-messages.js';
import type { DeskundigenoordeelState, TimelineEntry } from './case-model.js';
import type { WebhookData, WebhookEvent, WebhookEventType } from './contract.js';

/** The case as its webhooks name it, and the run chain it belongs to (the ids' stem). */
export interface WebhookCase {
  caseId: string;
  employerId: string;
  /** `workflowInfo().firstExecutionRunId`: the same across continue-as-new, new for a case id used again. */
  firstRunId: string;
}

/** The `webhook-id` of the case's `n`-th event: deterministic, so that every attempt repeats it. */
export function webhookId(c: WebhookCase, n: number): string {
  return `msg_${c.firstRunId.replace(/-/g, '')}_${n}`;
}

/**
 * The webhook event a timeline entry makes, if any (the `n`-th of the case). Which entries make one
 * decides when the case schedules a delivery: a change to that goes behind a patch of its own.
 */
export function webhookEventOf(entry: TimelineEntry, c: WebhookCase, n: number): WebhookEvent | undefined {
  const found = typeAndData(entry);
  if (!found) return undefined;
  const [type, extra] = found;
  return {
    id: webhookId(c, n),
    type,
    timestamp: entry.at,
    data: { caseId: c.caseId, employerId: c.employerId, ...extra },
  };
}

type Extra = Omit<WebhookData, 'caseId' | 'employerId'>;

/** Why a deskundigenoordeel is asked: only these codes go out (DeskundigenoordeelState['because']). */
const BECAUSE = new Set<string>([
  'eerstejaarsevaluatie-spoor1-uitzichtloos',
  'eerstejaarsevaluatie-onduidelijk',
  'start-tweede-spoor-overdue',
] satisfies DeskundigenoordeelState['because'][]);

function typeAndData(entry: TimelineEntry): [WebhookEventType, Extra] | undefined {
  const task = entry.task && entry.due ? { task: entry.task, due: entry.due } : {};
  switch (entry.kind) {
    case 'opened':
      return ['case.opened', {}];
    case 'event':
      return entry.event ? ['case.event-recorded', { event: eventSummary(entry.event) }] : undefined;
    case 'reminder':
      return ['task.reminded', task];
    case 'overdue':
      return ['task.overdue', task];
    case 'escalation':
      return ['task.escalated', { ...task, level: 1 }];
    case 'second-escalation':
      return ['task.escalated', { ...task, level: 2 }];
    case 'deskundigenoordeel-request':
      return ['deskundigenoordeel.requested', BECAUSE.has(entry.details ?? '') ? { because: entry.details } : {}];
    case 'closed':
      return ['case.closed', { closedBy: closedBy(entry) }];
    default:
      // Messages about messages (a take-over summary, a cancelled invitation, a refused e-mail): the
      // tasks they concern have their own events.
      return undefined;
  }
}

/** An event's type, task and date: never its other fields (a name, an address, a note's text). */
function eventSummary(event: NonNullable<TimelineEntry['event']>): NonNullable<WebhookData['event']> {
  const fields = event as { type: string; task?: unknown; date?: unknown };
  return {
    type: fields.type,
    ...(typeof fields.task === 'string' && { task: fields.task }),
    ...(typeof fields.date === 'string' && { date: fields.date }),
  };
}

/** How a case closed, from its closing entry: closed by an event, the entry names the event's actor. */
function closedBy(entry: TimelineEntry): NonNullable<WebhookData['closedBy']> {
  if (entry.actor !== SYSTEM) return 'event';
  if (entry.details?.startsWith('hersteld')) return 'recovered';
  if (entry.details?.startsWith('uit dienst')) return 'left-employment';
  return 'waiting-time-ended';
}
