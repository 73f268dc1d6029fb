// Phase 1, taking over the fleet: N cases through the import workflow, as `case import` feeds it
// (client/import.ts startImport and waitForImport); the cases run their first task (a take-over
// summary where a task is overdue, reminders where one is near) while the import goes on. Against
// bare workflow starts of the same count (or a sample) with the import's parallelism, each bare
// workflow running a first task and sleeping on a bare worker: the engine's limit for opening.
import { randomUUID } from 'node:crypto';
import { startImport, waitForImport, type ImportStatus } from '../../client/import.js';
import { importWorkflowId } from '../../workflows/import-api.js';
import { CHUNK_RECORDS, PARALLEL_CHUNKS } from '../../workflows/import-workflow.js';
import { caseWorkflowId } from '../../workflows/case-model.js';
import { waitForNoMail } from '../idle.js';
import { pool, round, type Distribution } from '../util.js';
import type { FleetContext } from './context.js';
import type { PartCost } from './meter.js';
import { bareSleeper } from './bare-workflows.js';
import { fleetCaseId, fleetRecords } from './records.js';
import { firstTaskWaits, waitsOf, type Waits } from './waits.js';

/** Cases whose histories say how long they waited for their first task. */
const WAIT_SAMPLE = 200;

/** Starts in flight at once: what the import workflow runs (chunks of 50, four at a time). */
export const IMPORT_PARALLELISM = CHUNK_RECORDS * PARALLEL_CHUNKS;

export interface ImportFigures {
  cases: number;
  opened: number;
  refused: number;
  firstRefusal?: string;
  /** From the first batch until the import said done. */
  seconds: number;
  casesPerSecond: number;
  cost: PartCost;
  /** After the import: until every case ran its first task, then until no e-mail came for 15 s. */
  settle: { firstTasksSeconds: number; quietAfterSeconds: number; emails: number; cost: PartCost };
  /** Where the import's time went: its own runs' queue waits, and how long a sample of cases waited for their first task. */
  waits: { importRuns: number; import: Waits; caseFirstTaskMs: Distribution };
  baseline: {
    workflows: number;
    sample: boolean;
    parallelism: number;
    seconds: number;
    perSecond: number;
    cost: PartCost;
  };
  ratio: number;
}

export async function runImport(ctx: FleetContext, baselineSample: number): Promise<ImportFigures> {
  const { plan } = ctx.state;
  const records = fleetRecords(plan, (made) => ctx.log(`records: ${made}/${plan.cases}`));
  const baseline = await bareStarts(ctx, Math.min(plan.cases, baselineSample));
  ctx.log(`bare starts: ${baseline.workflows} in ${baseline.seconds} s; importing ${plan.cases} cases`, true);

  const importId = `fleet-${randomUUID()}`;
  const show = (s: ImportStatus) =>
    ctx.log(`import: received ${s.received}, opened ${s.opened}, refused ${s.refusedCount}`);
  const part = ctx.part();
  const t0 = performance.now();
  await startImport(ctx.cases, records, { importId, source: 'bench', onProgress: show });
  const result = await Promise.race([
    waitForImport(ctx.cases, importId, { onProgress: show, intervalMs: 1000 }),
    ctx.worker.exited,
  ]);
  const seconds = (performance.now() - t0) / 1000;
  const cost = part.stop();
  ctx.state.built = true;
  await ctx.persist();
  ctx.log(`imported: ${result.opened} opened, ${result.refusedCount} refused in ${round(seconds)} s`, true);

  const settle = await settleFleet(ctx, plan.cases);
  return {
    waits: await importWaits(ctx, importId, plan.cases),
    cases: plan.cases,
    opened: result.opened,
    refused: result.refusedCount,
    ...(result.refused[0] && { firstRefusal: `${result.refused[0].caseId}: ${result.refused[0].reason}` }),
    seconds: round(seconds),
    casesPerSecond: round(result.opened / seconds),
    cost,
    settle,
    baseline,
    ratio: round(result.opened / seconds / baseline.perSecond),
  };
}

/** Bare workflows started `IMPORT_PARALLELISM` at a time, while a bare worker runs their first tasks. */
async function bareStarts(ctx: FleetContext, count: number): Promise<ImportFigures['baseline']> {
  const { child } = await ctx.startBare();
  try {
    const run = randomUUID().slice(0, 8);
    const part = ctx.part({ 'bare worker': () => child.pid });
    const t0 = performance.now();
    let started = 0;
    await pool(Array.from({ length: count }), IMPORT_PARALLELISM, async (_, i) => {
      await ctx.client.workflow.start(bareSleeper, {
        taskQueue: ctx.bareTaskQueue,
        workflowId: `bare-${run}-${i}`,
      });
      ctx.log(`bare starts: ${++started}/${count}`);
    });
    const seconds = (performance.now() - t0) / 1000;
    return {
      workflows: count,
      sample: count < ctx.state.plan.cases,
      parallelism: IMPORT_PARALLELISM,
      seconds: round(seconds),
      perSecond: round(count / seconds),
      cost: part.stop(),
    };
  } finally {
    await child.stop();
  }
}

async function importWaits(ctx: FleetContext, importId: string, cases: number): Promise<ImportFigures['waits']> {
  const runs = [];
  for await (const run of ctx.client.workflow.list({ query: `WorkflowId = '${importWorkflowId(importId)}'` }))
    runs.push(await ctx.client.workflow.getHandle(run.workflowId, run.runId).fetchHistory());
  const count = Math.min(WAIT_SAMPLE, cases);
  const sample = await pool(Array.from({ length: count }), 8, (_, i) =>
    ctx.client.workflow.getHandle(caseWorkflowId(fleetCaseId(Math.floor((i * cases) / count)))).fetchHistory(),
  );
  return { importRuns: runs.length, import: waitsOf(runs), caseFirstTaskMs: firstTaskWaits(sample) };
}

/**
 * Until every case ran its first task (it publishes OverdueTasks then, as bench/idle.ts counts), then
 * until no e-mail came for a while: the fleet asleep.
 */
async function settleFleet(ctx: FleetContext, cases: number): Promise<ImportFigures['settle']> {
  const part = ctx.part();
  const t0 = performance.now();
  for (;;) {
    const { count } = await Promise.race([
      ctx.worker.exited,
      ctx.client.workflow.count(`WorkflowType = 'caseWorkflow' AND OverdueTasks >= 0`),
    ]);
    ctx.log(`${count}/${cases} cases ran their first task, ${ctx.sink.total()} e-mails`, true);
    if (count >= cases) break;
    if (performance.now() - t0 > 60 * 60_000)
      throw new Error(`only ${count} of ${cases} cases ran their first task in an hour`);
    await new Promise((r) => setTimeout(r, 5000));
  }
  const firstTasksSeconds = (performance.now() - t0) / 1000;
  const t1 = Date.now();
  const lastMailAt = await waitForNoMail(ctx.sink, ctx.worker.exited);
  return {
    firstTasksSeconds: round(firstTasksSeconds),
    quietAfterSeconds: round(Math.max(0, lastMailAt - t1) / 1000),
    emails: ctx.sink.total(),
    cost: part.stop(),
  };
}
