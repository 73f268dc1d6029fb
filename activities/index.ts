// The activities: every side effect of a case happens here, never in workflow code.
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import {
  PERMANENT_DELIVERY_FAILURE,
  type Activities,
  type Notification,
  type NotifyResult,
} from '../workflows/contract.js';
import { casemanagerIdsInUse, collectDigests, digestRecipients, type CaseReader } from './digest.js';
import { openImportedCases, type CaseOpener } from './import.js';
import { DeliveryError, type Mailer, type RecipientRefusal } from './mail.js';
import { DEFAULT_LINKS, digestNotification, prepareDeskundigenoordeel, sendNotification } from './notifications.js';
import { deliverWebhookBatch, type EndpointRegistry } from './webhooks.js';
import type { Config } from '../runtime/config.js';
import type { SearchKeys } from '../runtime/search-keys.js';
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
  /** What makes the searchable identifiers: keyed with the worker's key ring (runtime/search-keys.ts). */
  searchKeys: SearchKeys;
  /** The webhook endpoints (POORTWACHTER_WEBHOOKS_FILE) and where disabled ones are kept; none: nothing goes out. */
  webhooks?: { endpoints: readonly WebhookEndpoint[]; registry: EndpointRegistry };
}

/**
 * What the activities take from the configuration: templates, links and the arbodienst's own
 * addresses. The worker and `simulate` both build their activities with it, so that a what-if sends
 * what production sends.
 */
export function activityConfig(config: Config) {
  return {
    templatesDir: config.templatesDir,
    publicUrl: config.publicUrl,
    supervisorEmail: config.supervisorEmail,
    operationsEmail: config.operationsEmail,
  };
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
      // Per recipient: who has it (from an earlier attempt's heartbeat), who was refused for good.
      const everyone = [...n.to, ...(n.cc ?? [])];
      const progress = recipientProgress(ctx?.info.heartbeatDetails);
      const settled = new Set([...progress.delivered, ...progress.refused.map((r) => r.address)].map(lower));
      const pending = everyone.filter((a) => !settled.has(lower(a)));
      let result;
      try {
        result =
          pending.length === 0
            ? { accepted: [], refused: [] }
            : await sendNotification(
                mailer,
                n,
                deps.templatesDir,
                { publicUrl: deps.publicUrl ?? DEFAULT_LINKS.publicUrl },
                pending.length < everyone.length ? pending : undefined,
              );
      } catch (err) {
        if (err instanceof DeliveryError && err.permanent && progress.delivered.length > 0) {
          // Some have it from an earlier attempt: delivered to them, refused for good to the rest.
          const reason = err.message;
          const refused = [...progress.refused, ...pending.map((address) => ({ address, reason }))];
          return { messageId: n.messageId, accepted: progress.delivered, recipients: progress.delivered, refused };
        }
        if (err instanceof DeliveryError && err.permanent) {
          throw ApplicationFailure.create({
            type: PERMANENT_DELIVERY_FAILURE,
            // The server's answer may quote an address: it goes in the (encrypted) details, not the message.
            message: `the mail server refused the message for good${err.responseCode ? ` (${err.responseCode})` : ''}`,
            nonRetryable: true,
            details: [{ responseCode: err.responseCode, recipients: everyone, response: err.message }],
          });
        }
        throw err; // temporary: retried with backoff by the workflow's retry policy
      }
      await deps.afterAccepted?.(n.messageId);
      const delivered = [...progress.delivered, ...result.accepted];
      const refused = [
        ...progress.refused,
        ...result.refused
          .filter((r) => (r.responseCode ?? 0) >= 500)
          .map((r) => ({ address: r.address, reason: r.response })),
      ];
      // Refused for now: tried again, but not for ever. One refused for now longer than
      // RECIPIENT_PATIENCE_MS counts as refused for good, so that a full mailbox in cc cannot hold the case.
      const now = Date.now();
      const laterSince = { ...progress.laterSince };
      const later: RecipientRefusal[] = [];
      for (const r of result.refused.filter((x) => (x.responseCode ?? 0) < 500)) {
        const since = (laterSince[lower(r.address)] ??= now);
        if (now - since >= RECIPIENT_PATIENCE_MS)
          refused.push({
            address: r.address,
            reason: `${r.response} (for ${Math.round((now - since) / 3_600_000)} hours)`,
          });
        else later.push(r);
      }
      if (later.length > 0) {
        // The progress goes to the next attempt (one heartbeat, only when there is a next attempt).
        ctx?.heartbeat({ delivered, refused, laterSince } satisfies RecipientProgress);
        // Only these are tried again; the others have it. No address in the message (it is stored in the open).
        const codes = [...new Set(later.map((r) => r.responseCode ?? 'no code'))].join(', ');
        throw ApplicationFailure.retryable(
          `the mail server refused ${later.length} recipient(s) for now (${codes})`,
          'RecipientsRefusedForNow',
        );
      }
      if (delivered.length === 0) {
        const codes = [...new Set(refused.map((r) => r.reason.slice(0, 3)))].join(', ');
        throw ApplicationFailure.create({
          type: PERMANENT_DELIVERY_FAILURE,
          message: `the mail server refused every recipient for good (${codes})`,
          nonRetryable: true,
          details: [{ recipients: everyone, refused }],
        });
      }
      return {
        messageId: n.messageId,
        accepted: delivered,
        recipients: delivered,
        ...(refused.length > 0 && { refused }),
      };
    },
    /** The request for a deskundigenoordeel: the question, the documents UWV asks for, who signs. */
    async prepareDeskundigenoordeelRequest(because) {
      return prepareDeskundigenoordeel(because);
    },
    /** The keyed searchable identifiers of a case's parties (a local activity of the case workflow). */
    async searchIds({ casemanager, bedrijfsarts }) {
      return {
        casemanager: deps.searchKeys.casemanager(casemanager),
        bedrijfsarts: deps.searchKeys.bedrijfsarts(bedrijfsarts),
      };
    },
    /** The CasemanagerId values of the open cases (digests started before keyed identifiers). */
    async digestRecipients() {
      return casemanagerIdsInUse(cases());
    },
    /** The casemanagers with open cases (or the one with this address), for the daily digest. */
    async casemanagerRecipients(email) {
      return digestRecipients(cases(), email);
    },
    /** The non-empty digests for `date`, one per casemanager (or only the one in `filter`). */
    async collectDigests(date, filter) {
      return collectDigests(cases(), date, filter);
    },
    /** The digest of one casemanager, found by every CasemanagerId their cases may carry. */
    async collectCasemanagerDigest(date, { key, ids }) {
      return collectDigests(cases(), date, { casemanagerKey: key, casemanagerIds: ids });
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

/** Who has a message, and who was refused it (for good, or for now since when), across the attempts of one `notify`. */
interface RecipientProgress {
  delivered: string[];
  refused: { address: string; reason: string }[];
  /** Lower-case address → when (ms) the server first refused it for now. */
  laterSince?: Record<string, number>;
}

/** How long a recipient may be refused for now (4xx) before it counts as refused for good. */
export const RECIPIENT_PATIENCE_MS = 72 * 3_600_000;

function recipientProgress(details: unknown): RecipientProgress {
  const d = details as Partial<RecipientProgress> | undefined;
  return {
    delivered: Array.isArray(d?.delivered) ? d.delivered.filter((a) => typeof a === 'string') : [],
    refused: Array.isArray(d?.refused) ? d.refused.filter((r) => typeof r?.address === 'string') : [],
    laterSince: typeof d?.laterSince === 'object' && d.laterSince !== null ? d.laterSince : {},
  };
}

const lower = (address: string) => address.toLowerCase();

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
