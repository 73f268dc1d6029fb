// Phase 7, the fleet asleep: the production worker's RSS with its default workflow cache once no
// e-mail came for 15 s, sampled until it stays flat (bench/idle.ts's rule), after the day's work of
// the phases before it; and the server's database per case.
import { stat } from 'node:fs/promises';
import { QUIET_MIN_MS, SAMPLE_MS, sampleUntilFlat, waitForNoMail } from '../idle.js';
import { mb } from '../util.js';
import type { FleetContext } from './context.js';

export interface AsleepFigures {
  cases: number;
  workerRssSteadyMb: number;
  /** Whether the RSS stayed within 1% for 60 s before the 300 s were up. */
  settled: boolean;
  workerRssAt90sMb: number;
  /** Every 5 s of the quiet. */
  workerRssQuietMb: number[];
  databaseMb: number;
  databaseBytesPerCase: number;
}

export async function runAsleep(ctx: FleetContext): Promise<AsleepFigures> {
  await waitForNoMail(ctx.sink, ctx.worker.exited);
  ctx.log(`asleep: no e-mail for 15 s; sampling the worker's RSS`, true);
  const { quiet, settled } = await sampleUntilFlat(ctx.worker.pid, ctx.worker.exited, ctx.log);
  const { count: cases } = await ctx.client.workflow.count(`WorkflowType = 'caseWorkflow'`);
  const file = ctx.server.databaseFile;
  const size = async (path: string) => (await stat(path).catch(() => ({ size: 0 }))).size;
  const databaseBytes = (await size(file)) + (await size(`${file}-wal`)) + (await size(`${file}-shm`));
  return {
    cases,
    workerRssSteadyMb: mb(quiet.at(-1)!),
    settled,
    workerRssAt90sMb: mb(quiet[Math.min(QUIET_MIN_MS / SAMPLE_MS, quiet.length) - 1]!),
    workerRssQuietMb: quiet.map(mb),
    databaseMb: mb(databaseBytes),
    databaseBytesPerCase: Math.round(databaseBytes / cases),
  };
}
