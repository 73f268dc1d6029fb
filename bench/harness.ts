// What the measurements share: a private time-skipping server (encrypted with a throw-away key, as
// tools/simulate.ts does), history statistics, and driving server time until workflows closed.
import { readdirSync, readFileSync } from 'node:fs';
import { Client, type WorkflowHandle } from '@temporalio/client';
import proto from '@temporalio/proto';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker, type WorkerOptions } from '@temporalio/worker';
import { encryptingDataConverter, generateKey, parseKeyring } from '../runtime/codec.js';
import { registerSearchAttributes } from '../runtime/search-attributes.js';
import { startTimeSkippingServer } from '../tools/test-server.js';
import type { CaseView } from '../workflows/case-api.js';
import { pool, round, rssSampler } from './util.js';

// @temporalio/proto is CommonJS: Node's ESM loader sees only its default export.
const { temporal } = proto;
export type History = proto.temporal.api.history.v1.IHistory;
const EventType = temporal.api.enums.v1.EventType;

export interface BenchEnv {
  env: TestWorkflowEnvironment;
  /** A plain client (no time skipping on result()), with the encrypting data converter. */
  client: Client;
  dataConverter: ReturnType<typeof encryptingDataConverter>;
  namespace: string;
  /** The test server's process (a child of this one), for its CPU time; undefined if it was not found. */
  serverPid: number | undefined;
}

/** Payloads encrypted with a throw-away key, as the engine encrypts them with its real keys. */
export const benchDataConverter = () => encryptingDataConverter(parseKeyring(`bench:${generateKey()}`, 'bench key'));

/** A private time-skipping server; `dataConverter` shared when several servers' histories are decoded together. */
export async function startBenchEnv(
  log: (line: string) => void,
  dataConverter = benchDataConverter(),
): Promise<BenchEnv> {
  const env = await startTimeSkippingServer({ dataConverter }, log);
  const namespace = env.namespace ?? 'default';
  await registerSearchAttributes(env.connection, namespace);
  const client = new Client({ connection: env.connection, namespace, dataConverter });
  return { env, client, dataConverter, namespace, serverPid: newestChild('temporal-test-server') };
}

/**
 * One cohort on a time-skipping server of its own, served by a worker of its own: both started, `work`
 * run while the worker runs, both torn down. A server per cohort because the time-skipping server keeps
 * every closed workflow and grows slower with each (a second cohort of 1,000 took twice as long as the
 * first on a shared one).
 */
export async function onCohortServer<T>(
  log: (line: string) => void,
  dataConverter: BenchEnv['dataConverter'],
  workerOptions: (bench: BenchEnv) => Omit<WorkerOptions, 'connection' | 'namespace' | 'dataConverter'>,
  work: (bench: BenchEnv) => Promise<T>,
): Promise<T> {
  const bench = await startBenchEnv(log, dataConverter);
  try {
    const worker = await Worker.create({
      ...workerOptions(bench),
      connection: bench.env.nativeConnection,
      namespace: bench.namespace,
      dataConverter,
    });
    return await worker.runUntil(() => work(bench));
  } finally {
    await bench.env.teardown();
  }
}

const CLOCK_TICKS = 100; // USER_HZ on Linux

/**
 * The fields of /proc/<pid>/stat after the command name (which is in parentheses and may itself hold
 * spaces and parentheses): [1] is the parent's pid, [11] and [12] are utime and stime. Throws when the
 * process is gone.
 */
function procStatFields(pid: number): string[] {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

/** utime + stime of a process in seconds, or 0 when it cannot be read. */
export function processCpuSeconds(pid: number): number {
  try {
    const fields = procStatFields(pid);
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  } catch {
    return 0;
  }
}

/** The most recently started child process of this one whose command line contains `name`. */
function newestChild(name: string): number | undefined {
  let found: number | undefined;
  try {
    for (const entry of readdirSync('/proc')) {
      const pid = Number(entry);
      if (!Number.isInteger(pid)) continue;
      try {
        const ppid = Number(procStatFields(pid)[1]);
        if (ppid !== process.pid || !readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(name)) continue;
        if (found === undefined || pid > found) found = pid;
      } catch {
        // gone meanwhile
      }
    }
  } catch {
    // no /proc: CPU time is not measured
  }
  return found;
}

/**
 * CPU seconds spent in a timed part: this process (driver, worker, SMTP sink), the test server, and
 * `steal`: time the hypervisor gave the machine's CPUs to others (all CPUs together), which makes runs
 * of the same code on the same virtual machine differ.
 */
export interface CpuSeconds {
  bench: number;
  /** null when the server's process was not found (a binary whose path does not name it). */
  server: number | null;
  steal: number;
}

/** The machine's steal time in seconds so far (the 8th value of the "cpu" line of /proc/stat), or 0. */
export function stealSeconds(): number {
  try {
    const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/);
    return Number(cpu[8] ?? 0) / CLOCK_TICKS;
  } catch {
    return 0;
  }
}

/** What one cohort's timed part measured. */
export interface CohortTiming {
  cases: number;
  wallSeconds: number;
  cpuSeconds: CpuSeconds;
}

/** A side's cohorts so far: their timed parts summed, and the highest peak RSS among them. */
export interface CohortTotals {
  wallSeconds: number;
  cpuSeconds: CpuSeconds;
  peakRssBytes: number;
}

export const noCohortsYet = (): CohortTotals => ({
  wallSeconds: 0,
  cpuSeconds: { bench: 0, server: 0, steal: 0 },
  peakRssBytes: 0,
});

/**
 * A cohort's timed part, begun and ended here for every side alike: wall time, CPU seconds of this
 * process and of the cohort's server, steal, and this process's peak RSS (the worker runs in it).
 * A full garbage collection first, before the clock starts (the bench runs with --expose-gc), so that
 * what the cohort before left on the heap counts less against this one; RSS that V8 has not handed
 * back yet still does. `stop` adds the part to `totals`.
 */
export function cohortMeter(
  bench: BenchEnv,
  totals: CohortTotals,
): { seconds(): number; stop(cases: number): CohortTiming } {
  (globalThis as { gc?: () => void }).gc?.();
  const rss = rssSampler();
  const self0 = process.cpuUsage();
  const server0 = bench.serverPid ? processCpuSeconds(bench.serverPid) : 0;
  const steal0 = stealSeconds();
  const t0 = Date.now();
  const seconds = () => (Date.now() - t0) / 1000;
  return {
    seconds,
    stop(cases) {
      const self = process.cpuUsage(self0);
      const timing: CohortTiming = {
        cases,
        wallSeconds: seconds(),
        cpuSeconds: {
          bench: (self.user + self.system) / 1e6,
          server: bench.serverPid ? processCpuSeconds(bench.serverPid) - server0 : null,
          steal: stealSeconds() - steal0,
        },
      };
      totals.wallSeconds += timing.wallSeconds;
      totals.cpuSeconds = addCpu(totals.cpuSeconds, timing.cpuSeconds);
      totals.peakRssBytes = Math.max(totals.peakRssBytes, rss.stop());
      return timing;
    },
  };
}

const addCpu = (a: CpuSeconds, b: CpuSeconds): CpuSeconds => ({
  bench: a.bench + b.bench,
  server: a.server === null || b.server === null ? null : a.server + b.server,
  steal: a.steal + b.steal,
});

export const roundCpu = (c: CpuSeconds): CpuSeconds => ({
  bench: round(c.bench),
  server: c.server === null ? null : round(c.server),
  steal: round(c.steal),
});

export interface HistoryStats {
  events: number;
  bytes: number;
  workflowTasks: number;
  timers: number;
  activities: number;
}

export function historyStats(history: History): HistoryStats {
  const events = history.events ?? [];
  const count = (t: number) => events.filter((e) => e.eventType === t).length;
  return {
    events: events.length,
    bytes: temporal.api.history.v1.History.encode(history).finish().length,
    workflowTasks: count(EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED),
    timers: count(EventType.EVENT_TYPE_TIMER_STARTED),
    activities: count(EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED),
  };
}

/**
 * `bench.env.sleep(ms)`, with a progress line every 15 s of wall time while the server is busy: one
 * clock stop of thousands of cases can take minutes, and a silent run looks like a hung one.
 */
export async function sleepShowing(
  bench: BenchEnv,
  ms: number,
  log: (line: string, force?: boolean) => void,
  status: () => string,
): Promise<void> {
  const t0 = Date.now();
  const ticker = setInterval(() => log(`${status()} (busy ${Math.round((Date.now() - t0) / 1000)} s)`, true), 15_000);
  try {
    await bench.env.sleep(ms);
  } finally {
    clearInterval(ticker);
  }
}

const DAY = 86_400_000;

/**
 * Lets server time run in steps of `stepMs` (60 days) until every handle's workflow closed, or `maxMs`
 * (4 years) passed; returns the handles still open.
 */
export async function runUntilClosed(
  bench: BenchEnv,
  handles: WorkflowHandle[],
  {
    stepMs = 60 * DAY,
    maxMs = 4 * 365 * DAY,
    log,
    status = () => 'server busy',
  }: { stepMs?: number; maxMs?: number; log: (line: string, force?: boolean) => void; status?: () => string },
): Promise<{ open: WorkflowHandle[] }> {
  const start = await bench.env.currentTimeMs();
  let open = handles;
  for (;;) {
    const closed = await pool(open, 32, async (h) => (await h.describe()).status.name !== 'RUNNING');
    open = open.filter((_, i) => !closed[i]);
    const elapsed = (await bench.env.currentTimeMs()) - start;
    log(`${handles.length - open.length}/${handles.length} closed, ${Math.round(elapsed / DAY)} days further`, true);
    if (open.length === 0 || elapsed >= maxMs) return { open };
    // Skip ahead in smaller steps between the checks: a progress line each step.
    for (let k = 0; k < 4; k++) {
      await sleepShowing(bench, stepMs / 4, log, status);
    }
  }
}

/** A moment the driver stops the clock at: ms after the cohort's start, and whose events are due there. */
export interface EventMoment {
  atMs: number;
  /** Story index → number of events recorded for that case at this moment. */
  cases: [number, number][];
}

/** "cohort 2/10: " in progress lines, nothing when the run is one cohort. */
export const cohortLabel = (c: number, of: number) => (of > 1 ? `cohort ${c + 1}/${of}: ` : '');

/**
 * One cohort's drive after its workflows started at `serverStart`, the same for the lifecycle and the
 * baseline (their ratio depends on both stopping the clock alike): at every moment, server time runs
 * until it, then `act(index, k)` for each case's k-th event there (a case's events in order, 64 cases
 * at a time); after the last moment, time runs on until every handle closed.
 */
export async function driveCohort(
  bench: BenchEnv,
  {
    serverStart,
    moments,
    handles,
    act,
    log,
    status,
  }: {
    serverStart: number;
    moments: EventMoment[];
    handles: WorkflowHandle[];
    act: (index: number, k: number, moment: EventMoment) => Promise<void>;
    log: (line: string, force?: boolean) => void;
    status: () => string;
  },
): Promise<{ eventsSeconds: number; toEndSeconds: number; open: WorkflowHandle[] }> {
  const t0 = Date.now();
  for (const [k, m] of moments.entries()) {
    const now = await bench.env.currentTimeMs();
    if (serverStart + m.atMs > now) await sleepShowing(bench, serverStart + m.atMs - now, log, status);
    await pool(m.cases, 64, async ([index, count]) => {
      for (let n = 0; n < count; n++) await act(index, n, m);
    });
    log(`moment ${k + 1}/${moments.length}, day ${Math.round(m.atMs / DAY)}: ${status()}`);
  }
  const eventsSeconds = (Date.now() - t0) / 1000;
  log(`${moments.length} moments done; running the cases to their end`, true);
  const { open } = await runUntilClosed(bench, handles, { log, status });
  return { eventsSeconds, toEndSeconds: (Date.now() - t0) / 1000 - eventsSeconds, open };
}

export async function fetchHistories(
  handles: WorkflowHandle[],
  log: (line: string, force?: boolean) => void,
): Promise<History[]> {
  let done = 0;
  return pool(handles, 16, async (h) => {
    const history = await h.fetchHistory();
    done++;
    log(`fetched ${done}/${handles.length} histories`);
    return history;
  });
}

/** Every Message-ID the cases' timelines record as sent (a delivery failure is not a sent message). */
export function sentMessageIds(views: CaseView[]): Set<string> {
  const sent = new Set<string>();
  for (const v of views)
    for (const e of v.timeline) if (e.messageId && e.kind !== 'delivery-failed') sent.add(e.messageId);
  return sent;
}
