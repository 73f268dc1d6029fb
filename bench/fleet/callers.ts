// Concurrent callers: `callers` lanes share `requests` calls, each lane one user (its own key or
// session), and every call's latency is kept; and one call of the HTTP service as a caller.
import { distribution, round, type Distribution } from '../util.js';
import type { Service } from './context.js';

export interface Latencies {
  requests: number;
  callers: number;
  wallSeconds: number;
  /** Of the calls that succeeded. */
  latencyMs: Distribution;
  errors: number;
  firstError?: string;
}

export async function underLoad(
  requests: number,
  callers: number,
  call: (request: number, caller: number) => Promise<void>,
  onDone: (done: number) => void = () => {},
): Promise<Latencies> {
  const latencies: number[] = [];
  let errors = 0;
  let firstError: string | undefined;
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: Math.min(callers, requests) }, async (_, caller) => {
      for (let i = next++; i < requests; i = next++) {
        const start = performance.now();
        try {
          await call(i, caller);
          latencies.push(performance.now() - start);
        } catch (err) {
          errors++;
          firstError ??= err instanceof Error ? err.message : String(err);
        }
        onDone(latencies.length + errors);
      }
    }),
  );
  const d = distribution(latencies);
  return {
    requests,
    callers,
    wallSeconds: round((performance.now() - t0) / 1000),
    latencyMs: { ...d, p50: round(d.p50, 1), p99: round(d.p99, 1), max: round(d.max, 1), mean: round(d.mean, 1) },
    errors,
    ...(firstError && { firstError }),
  };
}

/**
 * A request to the service as caller `caller`: with its API key, unless the request brings a session
 * cookie. Anything but 200 is an error; the body is read, as a client would.
 */
export async function serviceCall(
  service: Service,
  path: string,
  caller: number,
  init: RequestInit = {},
): Promise<void> {
  const headers = new Headers(init.headers);
  if (!headers.has('cookie')) headers.set('authorization', `Bearer ${service.apiKeys[caller]}`);
  const response = await fetch(`${service.url}${path}`, { ...init, headers });
  const body = await response.text();
  if (response.status !== 200) throw new Error(`${response.status} ${path}: ${body.slice(0, 200)}`);
}
