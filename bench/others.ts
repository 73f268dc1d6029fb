// The baseline (the engine's limit), start latency and audit replay speed.
import { WorkflowIdReusePolicy } from '@temporalio/common';
import { bundleWorkflowCode, Worker, type WorkflowBundle } from '@temporalio/worker';
import { openCase } from '../client/cases.js';
import type { encryptingDataConverter } from '../client/codec.js';
import type { BaselineInput } from './baseline-workflow.js';
import { fetchHistories, historyStats, runUntilClosed, startBenchEnv, type History } from './harness.js';
import { generateStories } from './mix.js';
import { bundlerLogger, distribution, mb, pool, progress, round, rssSampler, type Distribution } from './util.js';

const DAY = 86_400_000;

export interface BaselineResult {
  cases: number;
  timersPerWorkflow: number;
  activitiesPerWorkflow: number;
  wallSeconds: number;
  casesPerSecond: number;
  workflowTasks: number;
  workflowTasksPerSecond: number;
  workerPeakRssMb: number;
  stoppedAtMoments: number;
}

/**
 * `moments` (ms after the start): server moments to stop at on the way, as the lifecycle driver
 * stops to record events, so that both carry the same cost of driving the clock.
 */
export async function runBaseline(
  cases: number,
  timers: number,
  activities: number,
  moments: number[] = [],
): Promise<BaselineResult> {
  const log = progress('baseline');
  const bench = await startBenchEnv((l) => log(l, true));
  try {
    const workflowBundle = await bundleWorkflowCode({
      workflowsPath: new URL('./baseline-workflow.js', import.meta.url).pathname,
      logger: bundlerLogger((l) => log(l, true)),
    });
    const taskQueue = `bench-baseline-${process.pid}`;
    const worker = await Worker.create({
      connection: bench.env.nativeConnection,
      namespace: bench.namespace,
      taskQueue,
      workflowBundle,
      activities: { noop: async (i: number) => i },
      dataConverter: bench.dataConverter,
    });
    const rss = rssSampler();
    let wall = 0;
    const input: BaselineInput = { timers, activities, spanMs: 730 * DAY };
    const handles = await worker.runUntil(async () => {
      const t0 = Date.now();
      const serverStart = await bench.env.currentTimeMs();
      const hs = await pool(Array.from({ length: cases }, (_, i) => i), 50, (i) =>
        bench.client.workflow.start('baselineWorkflow', {
          taskQueue,
          workflowId: `baseline-${i}`,
          args: [input],
          workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
        }),
      );
      log(`started ${cases} workflows (${timers} timers, ${activities} activities each)`, true);
      for (const [k, m] of moments.entries()) {
        const now = await bench.env.currentTimeMs();
        if (serverStart + m > now) await bench.env.sleep(serverStart + m - now);
        log(`moment ${k + 1}/${moments.length}, day ${Math.round(m / DAY)}`);
      }
      await runUntilClosed(bench, hs, { stepMs: 60 * DAY, maxMs: 3 * 365 * DAY, log });
      wall = (Date.now() - t0) / 1000;
      return hs;
    });
    const peak = rss.stop();
    const stats = (await fetchHistories(handles, log)).map(historyStats);
    const workflowTasks = stats.reduce((s, h) => s + h.workflowTasks, 0);
    return {
      cases,
      timersPerWorkflow: timers,
      activitiesPerWorkflow: activities,
      wallSeconds: round(wall),
      casesPerSecond: round(cases / wall),
      workflowTasks,
      workflowTasksPerSecond: round(workflowTasks / wall),
      workerPeakRssMb: mb(peak),
      stoppedAtMoments: moments.length,
    };
  } finally {
    await bench.env.teardown();
  }
}

export interface LatencyResult {
  callers: number;
  opens: number;
  wallSeconds: number;
  opensPerSecond: number;
  latencyMs: Distribution;
  server: string;
}

/** openCase (client/cases.ts) from `callers` concurrent callers; no worker: only the start is timed. */
export async function runLatency(callers: number, opens: number, seed: number): Promise<LatencyResult> {
  const log = progress('latency');
  const bench = await startBenchEnv((l) => log(l, true));
  try {
    const stories = generateStories(opens, seed + 1);
    const taskQueue = `bench-latency-${process.pid}`;
    const latencies: number[] = [];
    const t0 = Date.now();
    await pool(stories, callers, async (s) => {
      const start = performance.now();
      await openCase({ client: bench.client, taskQueue }, s.open);
      latencies.push(performance.now() - start);
      log(`${latencies.length}/${opens} opened`);
    });
    const wall = (Date.now() - t0) / 1000;
    const d = distribution(latencies);
    return {
      callers,
      opens,
      wallSeconds: round(wall),
      opensPerSecond: round(opens / wall),
      latencyMs: { ...d, p50: round(d.p50), p99: round(d.p99), max: round(d.max) },
      server: 'time-skipping test server (in-process client, loopback gRPC)',
    };
  } finally {
    await bench.env.teardown();
  }
}

export interface ReplayResult {
  histories: number;
  events: number;
  wallSeconds: number;
  historiesPerSecond: number;
  eventsPerSecond: number;
  failures: number;
  firstFailure?: string;
}

/** Replays the lifecycle histories against the case workflow, the way `audit verify` does. */
export async function runReplay(
  histories: { workflowId: string; history: History }[],
  workflowBundle: WorkflowBundle,
  dataConverter: ReturnType<typeof encryptingDataConverter>,
): Promise<ReplayResult> {
  const log = progress('replay');
  const t0 = Date.now();
  let done = 0;
  let failures = 0;
  let firstFailure: string | undefined;
  const results = Worker.runReplayHistories({ workflowBundle, dataConverter }, histories);
  for await (const r of results) {
    done++;
    if (r.error) {
      failures++;
      firstFailure ??= `${r.workflowId}: ${r.error.message}`;
    }
    log(`${done}/${histories.length} replayed`);
  }
  const wall = (Date.now() - t0) / 1000;
  const events = histories.reduce((s, h) => s + historyStats(h.history).events, 0);
  return {
    histories: done,
    events,
    wallSeconds: round(wall),
    historiesPerSecond: round(done / wall),
    eventsPerSecond: round(events / wall),
    failures,
    ...(firstFailure && { firstFailure }),
  };
}
