// Phase 2, the 08:00 burst, emulated: a real server cannot skip to 08:00, so with the worker stopped B
// cases are opened whose first task is already due (each sends one take-over summary when its first
// workflow task runs), and then the worker starts: the time from its first poll until the SMTP sink
// accepted the last of the B e-mails. At a real 08:00 each case would replay its longer history
// first; here each runs its first task. Against B bare workflows started with no worker, each sending
// one e-mail from one activity with the production mailer, and then a bare worker.
import { randomUUID } from 'node:crypto';
import { openCase } from '../../client/cases.js';
import { amsterdamDate } from '../../workflows/calendar/index.js';
import type { CountingSink } from '../smtp-sink.js';
import { pool, round } from '../util.js';
import { bareMailer } from './bare-workflows.js';
import type { FleetContext } from './context.js';
import type { PartCost } from './meter.js';
import { burstRecords } from './records.js';

export interface BurstSide {
  emails: number;
  /** From the worker's first poll until the last e-mail was accepted. */
  seconds: number;
  /** From starting the worker process (it bundles the workflow code first) until then. */
  fromSpawnSeconds: number;
  /** Wall time from the worker's start; its CPU and peak RSS from its first poll (not its bundling). */
  cost: PartCost;
}

export interface BurstFigures {
  cases: number;
  /** E-mails the burst's cases sent (one each is expected), and copies beyond one per Message-ID. */
  emails: number;
  duplicates: number;
  real: BurstSide;
  baseline: BurstSide;
  ratio: number;
}

export async function runBurst(ctx: FleetContext, count: number): Promise<BurstFigures> {
  const run = randomUUID().slice(0, 8);
  await ctx.stopWorker();
  const prefix = `burst-${run}`;
  const records = burstRecords(ctx.state.plan, amsterdamDate(Date.now()), prefix, count);
  let opened = 0;
  await pool(records, 50, async (record) => {
    await openCase(ctx.cases, record);
    ctx.log(`burst: opened ${++opened}/${count} with the worker stopped`);
  });
  ctx.log(`burst: ${count} cases waiting; starting the worker`, true);
  const real = await timeBurst(ctx, `<${prefix}-`, count, async () => {
    const polling = await ctx.startWorker();
    return { polling, exited: ctx.worker.exited, stop: async () => {} };
  });
  const mine = [...ctx.sink.counts].filter(([id]) => id.startsWith(`<${prefix}-`));

  // The production worker polled its task queue until just before the burst; the bare worker's queue
  // must be as warm (a queue no worker polled for minutes took 14 s to hand out its first task).
  const warm = await ctx.startBare();
  await warm.child.stop();
  const bare = `bare-${run}`;
  let started = 0;
  await pool(Array.from({ length: count }), 50, async (_, i) => {
    await ctx.client.workflow.start(bareMailer, {
      taskQueue: ctx.bareTaskQueue,
      workflowId: `${bare}-${i}`,
      args: [`<${bare}-${i}@fleet.test>`],
    });
    ctx.log(`burst baseline: started ${++started}/${count} with no worker`);
  });
  ctx.log(`burst baseline: ${count} bare workflows waiting; starting the bare worker`, true);
  const baseline = await timeBurst(ctx, `<${bare}-`, count, async () => {
    const { child, polling } = await ctx.startBare();
    return { polling, exited: child.exited, stop: () => child.stop(), pid: child.pid };
  });
  return {
    cases: count,
    emails: mine.length,
    duplicates: mine.reduce((s, [, n]) => s + n - 1, 0),
    real,
    baseline,
    ratio: round(real.seconds / baseline.seconds),
  };
}

interface Started {
  polling: number;
  exited: Promise<never>;
  stop(): Promise<void>;
  /** A worker other than the production one, measured as "bare worker". */
  pid?: number;
}

async function timeBurst(
  ctx: FleetContext,
  prefix: string,
  count: number,
  start: () => Promise<Started>,
): Promise<BurstSide> {
  let barePid: number | undefined;
  const part = ctx.part({ 'bare worker': () => barePid });
  const spawned = Date.now();
  const worker = await start();
  barePid = worker.pid;
  part.from(worker.pid ?? ctx.worker.pid);
  try {
    const last = await lastArrival(ctx, prefix, count, worker.exited);
    return {
      emails: count,
      seconds: round((last - worker.polling) / 1000),
      fromSpawnSeconds: round((last - spawned) / 1000),
      cost: part.stop(),
    };
  } finally {
    await worker.stop();
  }
}

/** Waits until `count` distinct Message-IDs starting with `prefix` arrived; when the last of them did. */
async function lastArrival(ctx: FleetContext, prefix: string, count: number, exited: Promise<never>): Promise<number> {
  const deadline = Date.now() + 60 * 60_000;
  for (;;) {
    const arrived = arrivals(ctx.sink, prefix);
    ctx.log(`burst: ${arrived.length}/${count} e-mails accepted`);
    if (arrived.length >= count) return arrived.reduce((a, b) => Math.max(a, b));
    if (Date.now() > deadline) throw new Error(`only ${arrived.length} of ${count} e-mails arrived in an hour`);
    await Promise.race([exited, new Promise((r) => setTimeout(r, 250))]);
  }
}

/** When the first copy of each Message-ID with this prefix arrived. */
function arrivals(sink: CountingSink, prefix: string): number[] {
  const times: number[] = [];
  for (const [id, at] of sink.arrivals) if (id.startsWith(prefix)) times.push(at[0]!);
  return times;
}
