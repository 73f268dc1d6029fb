// Small helpers of the benchmark: a seeded PRNG, percentiles, a bounded pool, an RSS sampler, progress.

/** mulberry32: a tiny seeded PRNG, so that one seed always gives the same case mix. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** An integer in [lo, hi]. */
export const between = (rnd: () => number, lo: number, hi: number) => lo + Math.floor(rnd() * (hi - lo + 1));

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}

export interface Distribution {
  count: number;
  p50: number;
  p99: number;
  max: number;
  mean: number;
}

export function distribution(values: number[]): Distribution {
  const sorted = [...values].sort((a, b) => a - b);
  const sum = sorted.reduce((s, v) => s + v, 0);
  return {
    count: sorted.length,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    max: sorted[sorted.length - 1] ?? 0,
    mean: sorted.length ? round(sum / sorted.length, 2) : 0,
  };
}

export const round = (v: number, digits = 2) => Math.round(v * 10 ** digits) / 10 ** digits;

/** Runs `fn` over `items` with at most `limit` at a time. */
export async function pool<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, i: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    for (;;) {
      const i = next++;
      if (i >= items.length) return;
      results[i] = await fn(items[i]!, i);
    }
  });
  await Promise.all(lanes);
  return results;
}

/** Samples this process's RSS (the worker runs in-process) until stopped; returns the peak in bytes. */
export function rssSampler(everyMs = 200): { stop(): number; peak(): number } {
  let peak = process.memoryUsage().rss;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, everyMs);
  timer.unref();
  return {
    peak: () => peak,
    stop() {
      clearInterval(timer);
      peak = Math.max(peak, process.memoryUsage().rss);
      return peak;
    },
  };
}

export const mb = (bytes: number) => round(bytes / (1024 * 1024), 1);

/** Progress lines on stderr, at most one per `everyMs` unless forced. */
export function progress(prefix: string, everyMs = 2000): (line: string, force?: boolean) => void {
  let last = 0;
  return (line, force = false) => {
    const now = Date.now();
    if (!force && now - last < everyMs) return;
    last = now;
    process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${prefix}: ${line}\n`);
  };
}

export function bundlerLogger(log: (line: string) => void) {
  const quiet = () => {};
  return { log: quiet, trace: quiet, debug: quiet, info: quiet, warn: log, error: log };
}
