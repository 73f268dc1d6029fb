// Delivers a case's webhook events to the arbodienst's endpoints, signed as the Standard Webhooks
// specification says: `webhook-id`, `webhook-timestamp` (seconds) and `webhook-signature`
// (`v1,` + base64 of HMAC-SHA256 over `<id>.<timestamp>.<body>`, keyed with the bytes of the
// endpoint's `whsec_` secret). docs/webhooks.md is the receiver's side of it.
//
// Durable by the activity's retry policy (the case workflow's): an attempt fails while an endpoint has
// not taken its events, and the next attempt skips what was taken (the heartbeat keeps that), so a
// healthy endpoint does not get a second copy because another one is down. Every copy of an event
// carries the same webhook-id, and a receiver drops a repeat by it.
import { createHmac } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/common';
import type { WebhookEndpoint } from '../runtime/webhooks-config.js';
import type { DisabledEndpoint, WebhookBatch, WebhookDelivery, WebhookEvent } from '../workflows/contract.js';
import type { DisableEndpoint } from '../workflows/webhook-endpoints.js';

/** Where the disabled endpoints are kept (client/webhooks.ts: the webhook-endpoints workflow). */
export interface EndpointRegistry {
  disabled(): Promise<Record<string, DisabledEndpoint>>;
  disable(endpoint: DisableEndpoint): Promise<void>;
}

/** What one attempt needs from its activity (tests give their own). */
export interface DeliveryContext {
  /** The progress of earlier attempts (their last heartbeat). */
  progress: unknown;
  heartbeat(progress: WebhookProgress): void;
  now?: () => number;
  /** Aborted when the attempt is cancelled (the case went on without it): no more requests then. */
  signal?: AbortSignal;
}

export interface WebhookProgress {
  /** `<endpoint id> <event id>` of every event an endpoint took. */
  done: string[];
  /** Since when (ms) each endpoint refuses these events: past its disableAfterHours it is disabled. */
  failingSince?: Record<string, number>;
}

/** A request that does not answer within this time counts as failed (and is retried). */
export const REQUEST_TIMEOUT_MS = 10_000;

/** `v1,<base64>`: the signature of one message with one secret (`whsec_<base64 key>`). */
export function webhookSignature(secret: string, id: string, timestamp: number, body: string): string {
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  return `v1,${createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64')}`;
}

/** The events of the batch this endpoint wants: its event types, and its employers when it names them. */
export function eventsFor(endpoint: WebhookEndpoint, batch: WebhookBatch): WebhookEvent[] {
  if (endpoint.employers && !endpoint.employers.includes(batch.employerId)) return [];
  return batch.events.filter((e) => !endpoint.events || endpoint.events.includes(e.type));
}

type Answer = { status: number } | { error: string };

export async function deliverWebhookBatch(
  batch: WebhookBatch,
  endpoints: readonly WebhookEndpoint[],
  registry: EndpointRegistry,
  ctx: DeliveryContext,
): Promise<WebhookDelivery> {
  const wanted = endpoints.filter((e) => eventsFor(e, batch).length > 0);
  if (wanted.length === 0) return { delivered: [], disabled: [] };
  const now = ctx.now ?? Date.now;
  const earlier = progressOf(ctx.progress);
  const done = new Set(earlier.done);
  const failingSince = { ...earlier.failingSince };
  const progress = (): WebhookProgress => ({ done: [...done], failingSince });
  const disabled = await registry.disabled();
  const result: WebhookDelivery = { delivered: [], disabled: [] };
  const failures: string[] = [];
  for (const endpoint of wanted) {
    if (ctx.signal?.aborted) throw ApplicationFailure.retryable('the delivery was cancelled', 'WebhookCancelled');
    if (disabled[endpoint.id]) {
      result.disabled.push(endpoint.id);
      continue;
    }
    let failed: Answer | undefined;
    // In order: a later event is not sent before an earlier one was taken.
    for (const event of eventsFor(endpoint, batch)) {
      const key = `${endpoint.id} ${event.id}`;
      if (done.has(key)) continue;
      const answer = await post(endpoint, event, now, () => ctx.heartbeat(progress()), ctx.signal);
      if ('status' in answer && answer.status >= 200 && answer.status < 300) {
        done.add(key);
        delete failingSince[endpoint.id];
        ctx.heartbeat(progress());
        continue;
      }
      failed = answer;
      break;
    }
    if (!failed) {
      result.delivered.push(endpoint.id);
      continue;
    }
    const detail = 'status' in failed ? `HTTP ${failed.status}` : failed.error;
    const gone = 'status' in failed && failed.status === 410;
    failingSince[endpoint.id] ??= now();
    const tooLong = now() - failingSince[endpoint.id]! >= endpoint.disableAfterHours * 3_600_000;
    if (gone || tooLong) {
      await registry.disable({
        id: endpoint.id,
        url: shownUrl(endpoint.url),
        since: new Date(now()).toISOString(),
        reason: gone ? 'gone' : 'unreachable',
        detail,
      });
      result.disabled.push(endpoint.id);
      continue;
    }
    failures.push(`${endpoint.id}: ${detail}`);
  }
  if (failures.length > 0) {
    // Retried with backoff; what was taken, and since when each refuses, is in the heartbeat.
    ctx.heartbeat(progress());
    throw ApplicationFailure.retryable(
      `webhook endpoints did not take the events of case ${batch.caseId}: ${failures.join('; ')}`,
      'WebhookNotDelivered',
    );
  }
  return result;
}

function progressOf(progress: unknown): WebhookProgress {
  const p = progress as Partial<WebhookProgress> | undefined;
  const done = Array.isArray(p?.done) ? p.done.filter((d): d is string => typeof d === 'string') : [];
  const since = typeof p?.failingSince === 'object' && p.failingSince !== null ? p.failingSince : {};
  return { done, failingSince: Object.fromEntries(Object.entries(since).filter(([, v]) => typeof v === 'number')) };
}

/** An endpoint's URL as reports and lists show it: without its query (a token some receivers put there). */
export function shownUrl(url: string): string {
  const u = new URL(url);
  return `${u.origin}${u.pathname}${u.search ? '?…' : ''}`;
}

/** One signed POST; heartbeats while it waits, so that a slow receiver is not taken for a dead worker. */
async function post(
  endpoint: WebhookEndpoint,
  event: WebhookEvent,
  now: () => number,
  heartbeat: () => void,
  cancelled: AbortSignal | undefined,
): Promise<Answer> {
  const body = JSON.stringify({ type: event.type, timestamp: event.timestamp, data: event.data });
  const timestamp = Math.floor(now() / 1000);
  const beating = setInterval(heartbeat, 2_000);
  try {
    const response = await fetch(endpoint.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'user-agent': 'poortwachter-webhooks',
        'webhook-id': event.id,
        'webhook-timestamp': String(timestamp),
        'webhook-signature': webhookSignature(endpoint.secret, event.id, timestamp, body),
      },
      body,
      // A redirect is an answer, not a delivery: the configured URL is the one that is signed for.
      redirect: 'manual',
      signal: cancelled
        ? AbortSignal.any([AbortSignal.timeout(REQUEST_TIMEOUT_MS), cancelled])
        : AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    await response.body?.cancel().catch(() => undefined);
    return { status: response.status };
  } catch (err) {
    return { error: describeError(err) };
  } finally {
    clearInterval(beating);
  }
}

/**
 * Why a request failed, as a code: never an error's message, which may quote the URL (and what is
 * in it) or what the receiver said. This goes into the case's history in plain text.
 */
function describeError(err: unknown): string {
  if (err instanceof Error && err.name === 'TimeoutError') return `no answer within ${REQUEST_TIMEOUT_MS / 1000} s`;
  if (err instanceof Error && err.name === 'AbortError') return 'cancelled';
  // fetch says "fetch failed"; its cause's code says why (ECONNREFUSED, ENOTFOUND, a certificate).
  const code = (err as { cause?: { code?: unknown } }).cause?.code;
  return typeof code === 'string' && /^[A-Z0-9_]{2,40}$/.test(code) ? code : 'request failed';
}
