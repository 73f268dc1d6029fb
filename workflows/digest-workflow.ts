// The daily digest: at 08:00 Amsterdam time on working days (a Temporal Schedule starts
// `digestWorkflow`, see client/digest-schedule.ts), one e-mail per casemanager with their overdue tasks
// and those due in the next 10 working days. The Schedule only knows weekdays; holidays are skipped
// here, by the calendar's isWorkingDay.
//
// One digest per casemanager per date, whoever asks (the Schedule, `poortwachter digest`, a retried
// run): each is sent by a child workflow with id `digest-<date>-<casemanager key>` that Temporal
// refuses to start again unless the earlier one failed, and the message has a fixed Message-ID
// `<digest.<key>.<date>@poortwachter>`.
import {
  ApplicationFailure,
  ParentClosePolicy,
  patched,
  proxyActivities,
  startChild,
  WorkflowIdReusePolicy,
  workflowInfo,
} from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import type { Activities, DigestRecipient } from './contract.js';
import { amsterdamDate } from './calendar/amsterdam-time.js';
import { isValidIsoDate, isWorkingDay, type IsoDate } from './calendar/index.js';
import { legacyCasemanagerKey } from './case-model.js';
import { shownToAll } from './failure-converter.js';
import { isNotEncrypted, NOT_ENCRYPTED_MESSAGE } from './not-encrypted.js';

const { digestRecipients, collectDigests, collectCasemanagerDigest } = proxyActivities<Activities>({
  // Reading every open case takes a while on a large arbodienst; the activity heartbeats per case.
  startToCloseTimeout: '30 minutes',
  heartbeatTimeout: '2 minutes',
  retry: { initialInterval: '10 seconds', backoffCoefficient: 2, maximumInterval: '10 minutes', maximumAttempts: 10 },
});

const { casemanagerRecipients } = proxyActivities<Activities>({
  // It reads every open case page by page (a page takes seconds) and the next attempt goes on from
  // the page of the last heartbeat: an attempt is cut off after a few minutes instead of running on
  // for half an hour, and what it read is not lost. A heartbeat reaches the server at most once a
  // minute (the worker throttles them), so an attempt loses at most that minute.
  startToCloseTimeout: '5 minutes',
  heartbeatTimeout: '2 minutes',
  retry: { initialInterval: '10 seconds', backoffCoefficient: 2, maximumInterval: '5 minutes', maximumAttempts: 10 },
});

const { sendDigest } = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  heartbeatTimeout: '10 seconds',
  // SMTP outages are retried, but a digest is about one morning: give up after a day.
  retry: { initialInterval: '10 seconds', backoffCoefficient: 2, maximumInterval: '30 minutes' },
  scheduleToCloseTimeout: '1 day',
});

export interface DigestWorkflowInput {
  /** The Amsterdam date of the digest; default: the date the workflow was started. */
  date?: IsoDate;
  /** Only this casemanager (e-mail address); default: every casemanager with an open case. */
  casemanager?: string;
}

export interface DigestSent {
  casemanagerKey: string;
  /** Absent when there was nothing to send, or it had been sent (or is being sent) already. */
  to?: string;
  messageId: string;
  outcome: 'sent' | 'nothing-due' | 'already-sent';
  overdue: number;
  upcoming: number;
}

export interface DigestWorkflowResult {
  date: IsoDate;
  workingDay: boolean;
  digests: DigestSent[];
}

export function digestMessageId(key: string, date: IsoDate): string {
  return `<digest.${key}.${date}@poortwachter>`;
}

export function casemanagerDigestWorkflowId(key: string, date: IsoDate): string {
  return `digest-${date}-${key}`;
}

export async function digestWorkflow(input: DigestWorkflowInput = {}): Promise<DigestWorkflowResult> {
  // A start without the keys (plain JSON through the Temporal API) sends nobody a digest.
  if (isNotEncrypted(input))
    throw shownToAll(ApplicationFailure.nonRetryable(NOT_ENCRYPTED_MESSAGE, 'InvalidDigestInput'));
  // The start time, not the time of the first workflow task: a run that waited for a worker still
  // sends the digest of the morning it was scheduled for.
  const date = input.date ?? amsterdamDate(workflowInfo().startTime.getTime());
  // A plain Error would fail the workflow task and retry forever; bad input fails the run at once.
  if (!isValidIsoDate(date)) throw ApplicationFailure.nonRetryable(`date: not a date: ${date}`, 'InvalidDigestInput');
  if (!isWorkingDay(date)) return { date, workingDay: false, digests: [] };
  const recipients = await recipientsOf(input.casemanager);
  const digests: DigestSent[] = [];
  // In small batches: a few hundred casemanagers do not all query the cases at once.
  for (let i = 0; i < recipients.length; i += 20) {
    const batch = recipients.slice(i, i + 20);
    digests.push(...(await Promise.all(batch.map((recipient) => digestFor(recipient, date)))));
  }
  return { date, workingDay: true, digests };
}

/**
 * The casemanagers to send a digest, by keyed CasemanagerId (asked of an activity, where the keys
 * are). A digest started before keyed identifiers replays and finishes as it ran: one casemanager's
 * unkeyed id computed here, or the CasemanagerId values of the open cases. The new activities have
 * new names, so that a worker of before never answers a question it does not know.
 */
async function recipientsOf(casemanager: string | undefined): Promise<DigestRecipient[]> {
  const keyed = patched(KEYED_RECIPIENTS);
  if (casemanager && !keyed) {
    const id = legacyCasemanagerKey(casemanager);
    return [{ key: id, ids: [id] }];
  }
  if (keyed) return casemanagerRecipients(...(casemanager ? [casemanager] : []));
  return (await digestRecipients()).map((id) => ({ key: id, ids: [id] }));
}

/** The digest workflows' change behind patched(): see recipientsOf. */
export const KEYED_RECIPIENTS = 'digest-keyed-recipients';

async function digestFor({ key, ids }: DigestRecipient, date: IsoDate): Promise<DigestSent> {
  const messageId = digestMessageId(key, date);
  try {
    const child = await startChild(casemanagerDigestWorkflow, {
      workflowId: casemanagerDigestWorkflowId(key, date),
      args: [{ key, date, ids }],
      workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE_FAILED_ONLY,
      parentClosePolicy: ParentClosePolicy.ABANDON,
    });
    return await child.result();
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) {
      return { casemanagerKey: key, messageId, outcome: 'already-sent', overdue: 0, upcoming: 0 };
    }
    throw err;
  }
}

/** One casemanager's digest for one date: collect, and send when there is something to say. */
export async function casemanagerDigestWorkflow({
  key,
  date,
  ids,
}: {
  key: string;
  date: IsoDate;
  /** Every CasemanagerId the casemanager's cases may carry (absent in a digest from before them). */
  ids?: string[];
}): Promise<DigestSent> {
  const messageId = digestMessageId(key, date);
  const [digest] = ids
    ? await collectCasemanagerDigest(date, { key, ids })
    : await collectDigests(date, { casemanagerKey: key });
  if (!digest) return { casemanagerKey: key, messageId, outcome: 'nothing-due', overdue: 0, upcoming: 0 };
  await sendDigest(digest, messageId);
  return {
    casemanagerKey: key,
    to: digest.casemanager.email,
    messageId,
    outcome: 'sent',
    overdue: digest.overdue.length,
    upcoming: digest.upcoming.length,
  };
}
