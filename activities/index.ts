// The activities: every side effect of a case happens here, never in workflow code.
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import {
  PERMANENT_DELIVERY_FAILURE,
  type Activities,
  type Notification,
  type NotifyResult,
} from '../workflows/contract.js';
import { collectDigests, digestRecipients, type CaseReader } from './digest.js';
import { openImportedCases, type CaseOpener } from './import.js';
import { DeliveryError, type Mailer } from './mail.js';
import { DEFAULT_LINKS, digestNotification, prepareDeskundigenoordeel, sendNotification } from './notifications.js';
import { deliverWebhookBatch, type EndpointRegistry } from './webhooks.js';
import type { WebhookEndpoint } from '../runtime/webhooks-config.js';

export type { Activities };

export interface ActivityDeps {
  mailer: Mailer;
  /** Where the templates are (POORTWACHTER_TEMPLATES_DIR); the built-in ones by default. */
  templatesDir?: string;
  /** The service as people reach it (POORTWACHTER_PUBLIC_URL): the e-mails link to its pages. */
  publicUrl?: string;
  /** The arbodienst's supervisor, copied on the second escalation (POORTWACHTER_SUPERVISOR_EMAIL). */
  supervisorEmail?: string;
  /** The arbodienst's operations address, told of undeliverable e-mail (POORTWACHTER_OPERATIONS_EMAIL). */
  operationsEmail?: string;
  /** Test hook: runs after the SMTP server accepted a message, before the activity completes. */
  afterAccepted?: (messageId: string) => Promise<void>;
  /** What the daily digest reads: the open cases, and each one's record (the worker wires the client). */
  cases?: CaseReader;
  /** What the bulk import opens cases with (the worker wires the client). */
  caseOpener?: CaseOpener;
  /** The webhook endpoints (POORTWACHTER_WEBHOOKS_FILE) and where disabled ones are kept; none: nothing goes out. */
  webhooks?: { endpoints: readonly WebhookEndpoint[]; registry: EndpointRegistry };
}

export function createActivities(deps: ActivityDeps): Activities {
  const { mailer } = deps;
  const cases = (): CaseReader => {
    if (!deps.cases) {
      throw ApplicationFailure.nonRetryable('this worker has no Temporal client for the digest', 'DigestNotConfigured');
    }
    return deps.cases;
  };
  const opener = (): CaseOpener => {
    if (!deps.caseOpener) {
      throw ApplicationFailure.nonRetryable('this worker has no Temporal client for imports', 'ImportNotConfigured');
    }
    return deps.caseOpener;
  };
  const activities: Activities = {
    /**
     * Renders and sends one notification; its Message-ID is fixed by the workflow.
     *
     * Not lost: a failed attempt is retried by the caller's retry policy (the case workflow's for as
     * long as SMTP fails). Not repeated, with one exception: an attempt whose completion does not
     * reach Temporal after the SMTP server accepted the message is retried and sends it again, with
     * the same Message-ID (which many mail clients show once). That happens when the worker dies in
     * that moment, the completion RPC fails, the connection drops between the final "." and the 250,
     * or the attempt runs past its 10 s heartbeat timeout before it completes. Between the 250 and
     * the return only the test hook runs.
     *
     * No "accepted" heartbeat: a crash between the 250 and such a heartbeat would send twice just the
     * same (docs/decisions/2026-12-02-no-accepted-heartbeat.md).
     */
    async notify(notification): Promise<NotifyResult> {
      const ctx = activityContext();
      const n = withAddedRecipients(notification, deps);
      if (n.to.length === 0) {
        // Nobody to tell (no operations address configured): nothing to send, nothing to retry.
        ctx?.log.warn('no recipient configured for this message; not sent', { kind: n.kind, messageId: n.messageId });
        return { messageId: n.messageId, accepted: [], recipients: [] };
      }
      let result;
      try {
        result = await sendNotification(mailer, n, deps.templatesDir, {
          publicUrl: deps.publicUrl ?? DEFAULT_LINKS.publicUrl,
        });
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
      await deps.afterAccepted?.(n.messageId);
      return { ...result, recipients: [...n.to, ...(n.cc ?? [])] };
    },
    /** The request for a deskundigenoordeel: the question, the documents UWV asks for, who signs. */
    async prepareDeskundigenoordeelRequest(because) {
      return prepareDeskundigenoordeel(because);
    },
    /** The casemanagers (CasemanagerId keys) with open cases, for the daily digest. */
    async digestRecipients() {
      return digestRecipients(cases());
    },
    /** The non-empty digests for `date`, one per casemanager (or only the one in `filter`). */
    async collectDigests(date, filter) {
      return collectDigests(cases(), date, filter);
    },
    /** Sends one digest, as `notify` sends a notification. */
    async sendDigest(digest, messageId) {
      return activities.notify(digestNotification(digest, messageId));
    },
    /** Posts a case's webhook events to the endpoints that want them (activities/webhooks.ts). */
    async deliverWebhooks(batch) {
      if (!deps.webhooks || deps.webhooks.endpoints.length === 0) return { delivered: [], disabled: [] };
      const ctx = Context.current();
      return deliverWebhookBatch(batch, deps.webhooks.endpoints, deps.webhooks.registry, {
        progress: ctx.info.heartbeatDetails,
        heartbeat: (progress) => ctx.heartbeat(progress),
        signal: ctx.cancellationSignal,
      });
    },
    /** Opens the cases of a chunk of a bulk import, each once (activities/import.ts). */
    async openCases({ importId, records }) {
      return openImportedCases(opener(), importId, records);
    },
  };
  return activities;
}

/** The addresses that come from the worker's configuration, never from workflow code. */
function withAddedRecipients(n: Notification, deps: ActivityDeps): Notification {
  if (n.kind === 'second-escalation' && deps.supervisorEmail) {
    return { ...n, cc: [...(n.cc ?? []), deps.supervisorEmail] };
  }
  if (n.kind === 'delivery-failed' || n.kind === 'webhook-disabled') {
    return { ...n, to: deps.operationsEmail ? [deps.operationsEmail] : [] };
  }
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
