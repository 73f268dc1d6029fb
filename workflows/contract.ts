// The contract between the workflows and the activities: what a workflow hands an activity, and what
// it gets back. Types only (and one failure name), so that workflow code depends on this file, never
// on the activities' implementation, and the activities implement it.
//
// Compatibility: these shapes travel in case histories. A field may be added (optional) but never
// renamed or removed, because an activity scheduled by an older worker can be run by a newer one, and
// the audit reads them back from histories years later.
import type { IsoDate } from './calendar/index.js';
import type { Language } from './case-model.js';

/** A task as a message shows it. */
export interface NotificationTask {
  id: string;
  title: string;
  due: IsoDate;
  owner: string;
  legalBasis: string;
  status: string;
}

/** What UWV needs for a deskundigenoordeel: the question, the documents, who signs. */
export interface DeskundigenoordeelRequest {
  question: string;
  documents: string[];
  signers: string[];
  because: string;
}

/** The calendar invitation a message carries (RFC 5545): one UID per case and task. */
export interface CalendarInvitation {
  uid: string;
  sequence: number;
  method: 'REQUEST' | 'CANCEL';
}

/** A message the SMTP server refused for good, as the report to operations names it. */
export interface DeliveryFailure {
  messageId: string;
  kind: string;
  recipients: string[];
  reason: string;
}

interface Message {
  /** Deterministic: the same message always carries the same Message-ID. */
  messageId: string;
  to: string[];
  cc?: string[];
  /** Template language; Dutch when absent (older histories). */
  language?: Language;
}

/** What every message about one case carries. */
export interface CaseMessage extends Message {
  caseId: string;
  employeeName: string;
  employerName: string;
  tasks: NotificationTask[];
}

export type CaseNotification =
  | (CaseMessage & { kind: 'reminder'; calendar?: CalendarInvitation })
  | (CaseMessage & {
      kind: 'escalation' | 'second-escalation' | 'takeover-summary' | 'deskundigenoordeel-reminder';
    })
  | (CaseMessage & { kind: 'deskundigenoordeel-request'; request: DeskundigenoordeelRequest })
  | (CaseMessage & { kind: 'calendar-cancel'; calendar: CalendarInvitation })
  /** A task's due date moved (a postponement): its calendar entry moves at once. */
  | (CaseMessage & { kind: 'calendar-update'; calendar: CalendarInvitation })
  /** To the arbodienst's operations address, which the activity fills in. */
  | (CaseMessage & { kind: 'delivery-failed'; failure: DeliveryFailure });

/** The daily digest: one casemanager's tasks across their cases, so no case of its own. */
export interface DigestNotification extends Message {
  kind: 'digest';
  digest: Digest;
}

/** To the arbodienst's operations address (the activity fills it in): a webhook endpoint was disabled. */
export interface WebhookDisabledNotification extends Message {
  kind: 'webhook-disabled';
  endpoint: DisabledEndpoint & { id: string };
}

/** Everything `notify` sends, told apart by `kind`. */
export type Notification = CaseNotification | DigestNotification | WebhookDisabledNotification;
export type NotificationKind = Notification['kind'];

export interface NotifyResult {
  messageId: string;
  accepted: string[];
  /**
   * Every address the message went to, including those the activity added (supervisor, operations);
   * since 2026-12-06 only those the SMTP server took.
   */
  recipients?: string[];
  /** Recipients the SMTP server refused for good while it took the others (since 2026-12-06). */
  refused?: { address: string; reason: string }[];
}

/** The ApplicationFailure type of a message that will never be delivered as addressed. */
export const PERMANENT_DELIVERY_FAILURE = 'PermanentDeliveryFailure';

export interface DigestItem {
  caseId: string;
  employeeName: string;
  employerName: string;
  task: NotificationTask;
}

export interface Digest {
  /** The Amsterdam date the digest is for (statuses are judged on it). */
  date: IsoDate;
  casemanager: { name: string; email: string; key: string };
  language: Language;
  /** Sorted by due date, then case and task. */
  overdue: DigestItem[];
  /** Due from `date` up to and including the 10th working day after it; sorted the same way. */
  upcoming: DigestItem[];
}

export interface DigestFilter {
  /** Only this casemanager (their keyed CasemanagerId, runtime/search-keys.ts). */
  casemanagerKey?: string;
  /** Every CasemanagerId their cases may carry (DigestRecipient.ids); default: the key alone. */
  casemanagerIds?: string[];
}

/** A casemanager with open cases: their keyed CasemanagerId, and every id their cases may carry. */
export interface DigestRecipient {
  key: string;
  ids: string[];
}

/** What a case tells the arbodienst's systems (docs/webhooks.md): the `type` of a webhook. */
export const WEBHOOK_EVENT_TYPES = [
  'case.opened',
  'case.event-recorded',
  'task.reminded',
  'task.overdue',
  'task.escalated',
  'deskundigenoordeel.requested',
  'case.closed',
] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

/**
 * One thing that happened in a case, as its webhook says it: ids, task ids, dates and codes, never a
 * name, an e-mail address or free text.
 */
export interface WebhookEvent {
  /**
   * The `webhook-id`: the same for every attempt and every endpoint (a receiver drops a repeat), made
   * from the case's first run id and a counter, so that a case id used again never repeats one.
   */
  id: string;
  type: WebhookEventType;
  /** When it happened (workflow time, ISO-8601 UTC). */
  timestamp: string;
  data: WebhookData;
}

export interface WebhookData {
  caseId: string;
  employerId: string;
  task?: string;
  due?: IsoDate;
  /** task.escalated: 1 for the escalation, 2 for the second one (supervisor in cc). */
  level?: 1 | 2;
  /** case.event-recorded: the event's type, and its task and date where it has them. */
  event?: { type: string; task?: string; date?: IsoDate };
  /** deskundigenoordeel.requested: why (a code, as in the case's record). */
  because?: string;
  /** case.closed: by an event (`case.event-recorded` before it says which), or by itself. */
  closedBy?: 'event' | 'recovered' | 'left-employment' | 'waiting-time-ended';
}

/** The webhook events of one case that the activity delivers together, in order. */
export interface WebhookBatch {
  caseId: string;
  employerId: string;
  events: WebhookEvent[];
}

/** What a delivery came to, per endpoint (it is in the case's history). */
export interface WebhookDelivery {
  /** Endpoint ids that took every event meant for them. */
  delivered: string[];
  /** Endpoint ids skipped because they are disabled (410 Gone, or unreachable too long). */
  disabled: string[];
}

/** A webhook endpoint that no longer receives anything until it is enabled again. */
export interface DisabledEndpoint {
  /** When it was disabled (ISO-8601 UTC). */
  since: string;
  reason: 'gone' | 'unreachable';
  /** What the endpoint answered or why it could not be reached (a status code, an error code). */
  detail: string;
  url: string;
}

/** The activities a case workflow calls. */
export interface CaseActivities {
  /** Renders and sends one message; a permanent refusal fails with PERMANENT_DELIVERY_FAILURE. */
  notify(notification: Notification): Promise<NotifyResult>;
  prepareDeskundigenoordeelRequest(because: string): Promise<DeskundigenoordeelRequest>;
  /**
   * Posts the events to every configured endpoint that wants them, signed (Standard Webhooks); fails
   * (and is retried) until each such endpoint took them or was disabled. An endpoint that took them
   * is not sent them again by the retry.
   */
  deliverWebhooks(batch: WebhookBatch): Promise<WebhookDelivery>;
  /**
   * The searchable identifiers (CasemanagerId, BedrijfsartsId) of these addresses: keyed HMACs, made
   * where the keys are (runtime/search-keys.ts). A local activity: a pure computation, kept in the
   * history so that a replay needs no keys.
   */
  searchIds(parties: SearchParties): Promise<SearchParties>;
}

/** The casemanager's and the bedrijfsarts' addresses, or their searchable identifiers. */
export interface SearchParties {
  casemanager: string;
  bedrijfsarts: string;
}

/** The activities the daily digest workflows call. */
export interface DigestActivities {
  /**
   * The CasemanagerId values of the open cases: what digests started before keyed identifiers ask
   * (kept under its name, so that such a digest finishes on a new worker).
   */
  digestRecipients(): Promise<string[]>;
  /** The casemanagers with open cases, or the one with this address, by keyed CasemanagerId. */
  casemanagerRecipients(email?: string): Promise<DigestRecipient[]>;
  /** The non-empty digests for `date`, one per casemanager (or only the one in `filter`). */
  collectDigests(date: IsoDate, filter?: DigestFilter): Promise<Digest[]>;
  /** The digest of one casemanager for `date` (none when nothing is due), from the cases with any of their ids. */
  collectCasemanagerDigest(date: IsoDate, recipient: DigestRecipient): Promise<Digest[]>;
  sendDigest(digest: Digest, messageId: string): Promise<NotifyResult>;
}

/** One record of a bulk import as the import hands it to `openCases`: checked with openCaseSchema. */
export interface ImportRecord {
  /** Its place in the import's input, counted from 0. */
  index: number;
  record: unknown;
}

export interface ImportRecordOutcome {
  index: number;
  /**
   * `opened`: opened by this record of this import (also when an earlier attempt of the activity did);
   * `duplicate`: the case exists, opened by someone else or by another record; `refused`: the client
   * library refused the record (the reason says why).
   */
  outcome: 'opened' | 'duplicate' | 'refused';
  reason?: string;
}

/** The activities a bulk import calls. */
export interface ImportActivities {
  /** Opens the cases of these records (in parallel), each once; never fails for one record. */
  openCases(input: { importId: string; records: ImportRecord[] }): Promise<ImportRecordOutcome[]>;
}

export type Activities = CaseActivities & DigestActivities & ImportActivities;
