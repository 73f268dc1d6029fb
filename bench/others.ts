// The baseline (the engine's limit), start latency and audit replay speed.
import type { WorkflowHandle } from '@temporalio/client';
import { WorkflowIdReusePolicy } from '@temporalio/common';
import { bundleWorkflowCode, Worker, type WorkflowBundle } from '@temporalio/worker';
import { openCase } from '../client/cases.js';
import type { encryptingDataConverter } from '../runtime/codec.js';
import { baselineWorkflow, pokeUpdate } from './baseline-workflow.js';
import {
  noCohortsYet,
  roundCpu,
  benchDataConverter,
  cohortLabel,
  cohortMeter,
  driveCohort,
  fetchHistories,
  historyStats,
  onCohortServer,
  startBenchEnv,
  type CohortTiming,
  type CpuSeconds,
  type History,
  type HistoryStats,
} from './harness.js';
import type { Cohort } from './lifecycle.js';
import { generateStories } from './mix.js';
import type { Trace } from './trace.js';
import { bundlerLogger, distribution, mb, pool, progress, round, type Distribution } from './util.js';

export interface BaselineResult {
  cases: number;
  /** Measured from the baseline's own histories. */
  timersPerWorkflow: number;
  activitiesPerWorkflow: number;
  updates: number;
  /** Updates to a workflow that had already ended (events the lifecycle refused after the case closed). */
  updateErrors: number;
  wallSeconds: number;
  casesPerSecond: number;
  workflowTasks: number;
  workflowTasksPerSecond: number;
  workerPeakRssMb: number;
  /** CPU seconds in the timed part, as in the lifecycle. */
  cpuSeconds: CpuSeconds;
  stoppedAtMoments: number;
}

/** A baseline run taken one cohort at a time, each right after the lifecycle's (see LifecycleRun). */
export interface BaselineRun {
  /** Replays cohort `k`'s traces on a server of its own (each cohort once, in order). */
  runCohort(k: number, traces: readonly Trace[], cohort: Cohort): Promise<CohortTiming>;
  finish(): BaselineResult;
}

/**
 * The engine's limit for the same work: one bare workflow per case replaying the case's trace (its
 * wake-ups and activities, from its history), a no-op update wherever the lifecycle recorded an event,
 * the driver stopping the clock at the same moments, then running on in the same 60-day steps; in the
 * same cohorts as the lifecycle.
 */
export async function openBaseline(cohortCount: number): Promise<BaselineRun> {
  const log = progress('baseline');
  const workflowBundle = await bundleWorkflowCode({
    workflowsPath: new URL('./baseline-workflow.js', import.meta.url).pathname,
    logger: bundlerLogger((l) => log(l, true)),
  });
  const taskQueue = `bench-baseline-${process.pid}`;
  let cohortsRun = 0;
  const totals = noCohortsYet();
  let stoppedAtMoments = 0;
  // Encrypted as the lifecycle's payloads are (a throw-away key of its own).
  const dataConverter = benchDataConverter();
  let updates = 0;
  let updateErrors = 0;
  const stats: HistoryStats[] = [];
  const status = () => `${updates} updates, rss ${mb(process.memoryUsage().rss)} MB`;

  const runCohort = (k: number, traces: readonly Trace[], cohort: Cohort): Promise<CohortTiming> => {
    if (k !== cohortsRun) throw new Error(`baseline: cohort ${k} run out of turn (next is ${cohortsRun})`);
    cohortsRun++;
    const say = (l: string, force?: boolean) => log(`${cohortLabel(k, cohortCount)}${l}`, force);
    return onCohortServer(
      (l) => say(l, true),
      dataConverter,
      () => ({ taskQueue, workflowBundle, activities: { noop: async (i: number) => i } }),
      async (bench) => {
        const meter = cohortMeter(bench, totals);
        const serverStart = await bench.env.currentTimeMs();
        const handles = new Map<number, WorkflowHandle>();
        await pool(cohort.indices, 50, async (index) => {
          handles.set(
            index,
            await bench.client.workflow.start(baselineWorkflow, {
              taskQueue,
              workflowId: `baseline-${index}`,
              args: [traces[index]!],
              workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
            }),
          );
        });
        say(`started ${handles.size} workflows`, true);
        const ordered = cohort.indices.map((i) => handles.get(i)!);
        await driveCohort(bench, {
          serverStart,
          moments: cohort.moments,
          handles: ordered,
          act: async (index) => {
            try {
              await handles.get(index)!.executeUpdate(pokeUpdate);
              updates++;
            } catch {
              updateErrors++; // the lifecycle refused this event and the case had already ended
            }
          },
          log: say,
          status,
        });
        const timing = meter.stop(cohort.indices.length);
        stoppedAtMoments += cohort.moments.length;
        for (const history of await fetchHistories(ordered, say)) stats.push(historyStats(history));
        return timing;
      },
    );
  };

  const finish = (): BaselineResult => {
    const cases = stats.length; // a history per workflow run
    const workflowTasks = stats.reduce((s, h) => s + h.workflowTasks, 0);
    return {
      cases,
      timersPerWorkflow: round(stats.reduce((s, h) => s + h.timers, 0) / cases, 2),
      activitiesPerWorkflow: round(stats.reduce((s, h) => s + h.activities, 0) / cases, 2),
      updates,
      updateErrors,
      wallSeconds: round(totals.wallSeconds),
      casesPerSecond: round(cases / totals.wallSeconds),
      workflowTasks,
      workflowTasksPerSecond: round(workflowTasks / totals.wallSeconds),
      workerPeakRssMb: mb(totals.peakRssBytes),
      cpuSeconds: roundCpu(totals.cpuSeconds),
      stoppedAtMoments,
    };
  };
  return { runCohort, finish };
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
