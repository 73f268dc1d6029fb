// The activities: every side effect of a case happens here, never in workflow code.
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { CaseClientOptions } from '../client/cases.js';
import type { IsoDate } from '../workflows/calendar/index.js';
import { collectDigests, digestRecipients, type Digest, type DigestFilter } from './digest.js';
import type { RecordHeartbeat } from './heartbeat.js';
import { DeliveryError, type Mailer } from './mail.js';
import {
  digestNotification,
  prepareDeskundigenoordeel,
  sendNotification,
  type DeskundigenoordeelRequest,
  type Notification,
} from './notifications.js';

export interface ActivityDeps {
  mailer: Mailer;
  /** Where the templates are (POORTWACHTER_TEMPLATES_DIR); the built-in ones by default. */
  templatesDir?: string;
  /** The arbodienst's supervisor, copied on the second escalation (POORTWACHTER_SUPERVISOR_EMAIL). */
  supervisorEmail?: string;
  /** The arbodienst's operations address, told of undeliverable e-mail (POORTWACHTER_OPERATIONS_EMAIL). */
  operationsEmail?: string;
  /**
   * Records this attempt's heartbeat on the server and resolves once the server holds it (see `notify`
   * and activities/heartbeat.ts); the worker passes one. Without it, notify heartbeats through the SDK,
   * which sends an attempt's first heartbeat at once but does not wait for it (tests, tools).
   */
  recordHeartbeat?: RecordHeartbeat;
  /** Test hook: runs after the SMTP server accepted a message and the heartbeat was recorded. */
  afterAccepted?: (messageId: string) => Promise<void>;
  /** A client of the cluster, for the daily digest (it lists and reads cases). */
  cases?: CaseClientOptions;
}

/** The failure type the workflow recognises: the message will never be delivered as addressed. */
export const PERMANENT_DELIVERY_FAILURE = 'PermanentDeliveryFailure';

export interface NotifyResult {
  messageId: string;
  accepted: string[];
  /** Every address the message went to, including those the activity added (supervisor, operations). */
  recipients?: string[];
  /** True when an earlier attempt had already delivered it and this one did not send again. */
  alreadySent?: boolean;
}

interface AcceptedDetails {
  accepted: string;
  recipients: string[];
}

export function createActivities(deps: ActivityDeps) {
  const { mailer } = deps;
  const cases = (): CaseClientOptions => {
    if (!deps.cases) {
      throw ApplicationFailure.nonRetryable('this worker has no Temporal client for the digest', 'DigestNotConfigured');
    }
    return deps.cases;
  };
  const activities = {
    /**
     * Renders and sends one notification; its Message-ID is fixed by the workflow.
     *
     * Exactly once, as far as SMTP allows: right after the SMTP server accepted the message, the
     * attempt records the heartbeat `{ accepted: messageId }` and waits until the server holds it. A
     * retry (on any worker: a crashed one, a timed-out attempt) sees that detail and returns without
     * sending. What remains is the moment between the server's "250 OK" and the heartbeat reaching
     * Temporal.
     */
    async notify(notification: Notification): Promise<NotifyResult> {
      const ctx = activityContext();
      const earlier = ctx?.info.heartbeatDetails as AcceptedDetails | undefined;
      if (ctx && ctx.info.attempt > 1 && earlier?.accepted === notification.messageId) {
        ctx.log.info('already accepted by the SMTP server in an earlier attempt; not sending again', {
          messageId: notification.messageId,
        });
        return { messageId: notification.messageId, accepted: earlier.recipients, alreadySent: true };
      }
      const n = withAddedRecipients(notification, deps);
      if (n.to.length === 0) {
        // Nobody to tell (no operations address configured): nothing to send, nothing to retry.
        ctx?.log.warn('no recipient configured for this message; not sent', { kind: n.kind, messageId: n.messageId });
        return { messageId: n.messageId, accepted: [], recipients: [] };
      }
      let result;
      try {
        result = await sendNotification(mailer, n, deps.templatesDir);
      } catch (err) {
        if (err instanceof DeliveryError && err.permanent) {
          throw ApplicationFailure.create({
            type: PERMANENT_DELIVERY_FAILURE,
            message: err.message,
            nonRetryable: true,
            details: [{ responseCode: err.responseCode, recipients: [...n.to, ...(n.cc ?? [])] }],
          });
        }
        throw err; // temporary: retried with backoff by the workflow's retry policy
      }
      if (ctx) {
        const details: AcceptedDetails = { accepted: n.messageId, recipients: result.accepted };
        const { taskToken, activityId, workflowExecution } = ctx.info;
        if (!deps.recordHeartbeat) ctx.heartbeat(details);
        else {
          const workflowId = workflowExecution?.workflowId ?? '';
          const outcome = await deps.recordHeartbeat({ taskToken, activityId, workflowId, details });
          // Either way the message went out. Unreachable: if the server takes the completion, that
          // records it; if not, the attempt times out and its retry sends it again. Attempt over: the
          // server has already given this attempt up, and its retry sends it again (same Message-ID).
          if (outcome !== 'recorded')
            ctx.log.warn(`the "accepted" heartbeat was not recorded (${outcome}); the message may arrive twice`, {
              messageId: n.messageId,
            });
        }
      }
      await deps.afterAccepted?.(n.messageId);
      return { ...result, recipients: [...n.to, ...(n.cc ?? [])] };
    },
    /** The request for a deskundigenoordeel: the question, the documents UWV asks for, who signs. */
    async prepareDeskundigenoordeelRequest(because: string): Promise<DeskundigenoordeelRequest> {
      return prepareDeskundigenoordeel(because);
    },
    /** The casemanagers (CasemanagerId keys) with open cases, for the daily digest. */
    async digestRecipients(): Promise<string[]> {
      return digestRecipients(cases());
    },
    /** The non-empty digests for `date`, one per casemanager (or only the one in `filter`). */
    async collectDigests(date: IsoDate, filter?: DigestFilter): Promise<Digest[]> {
      return collectDigests(cases(), date, filter);
    },
    /** Sends one digest, exactly once as `notify` does. */
    async sendDigest(digest: Digest, messageId: string): Promise<NotifyResult> {
      return activities.notify(digestNotification(digest, messageId));
    },
  };
  return activities;
}

/** The addresses that come from the worker's configuration, never from workflow code. */
function withAddedRecipients(n: Notification, deps: ActivityDeps): Notification {
  if (n.kind === 'second-escalation' && deps.supervisorEmail) {
    return { ...n, cc: [...(n.cc ?? []), deps.supervisorEmail] };
  }
  if (n.kind === 'delivery-failed') return { ...n, to: deps.operationsEmail ? [deps.operationsEmail] : [] };
  return n;
}

/** The activity context, or undefined when called outside an activity (plain unit tests). */
function activityContext(): Context | undefined {
  try {
    return Context.current();
  } catch {
    return undefined;
  }
}

export type Activities = ReturnType<typeof createActivities>;
