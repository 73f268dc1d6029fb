// Phase 3, the daily digest for every casemanager: digestWorkflow started as the Schedule starts it
// (for a working day), timed until it completed and the sink had every digest it sent. Whether it read
// any case one by one is counted in the worker (bench/fleet/worker-main.ts counts its client's queries;
// a query is the only way the digest's activities read a case). Against one visibility list of every
// open case with its memo (the summaries the digest reads), from this process.
import { randomUUID } from 'node:crypto';
import { listPlan } from '../../client/cases.js';
import { searchKeysOf } from '../../runtime/search-keys.js';
import { amsterdamDate, firstWorkingDayOnOrAfter, addDays, type IsoDate } from '../../workflows/calendar/index.js';
import { SUMMARY_MEMO, type CaseSummary } from '../../workflows/case-summary.js';
import type { DigestWorkflowResult } from '../../workflows/digest-workflow.js';
import { round } from '../util.js';
import type { FleetContext } from './context.js';
import type { PartCost } from './meter.js';

export interface DigestFigures {
  date: string;
  casemanagers: number;
  sent: number;
  nothingDue: number;
  alreadySent: number;
  /** Until the digest workflow completed and every digest it sent had arrived. */
  seconds: number;
  /** Queries the worker's client sent to cases during the digest (0: no case was read one by one). */
  caseQueries: number;
  /** Every query the worker's client sent during the digest, by workflow id prefix and query type. */
  queries: Record<string, number>;
  cost: PartCost;
  baseline: {
    openCases: number;
    /** Open cases whose memo holds no version-2 summary: those the digest would have to query. */
    withoutSummary: number;
    seconds: number;
    cost: PartCost;
  };
  ratio: number;
}

/** A working day from today on that this fleet has no digest of yet (a casemanager's digest of a date goes out once). */
function digestDate(used: string[]): IsoDate {
  let date = firstWorkingDayOnOrAfter(amsterdamDate(Date.now()));
  while (used.includes(date)) date = firstWorkingDayOnOrAfter(addDays(date, 1));
  return date;
}

export async function runDigest(ctx: FleetContext): Promise<DigestFigures> {
  const date = digestDate(ctx.state.digestDates);
  ctx.state.digestDates.push(date);
  await ctx.persist();
  const before = await ctx.worker.queries();
  const part = ctx.part();
  const t0 = Date.now();
  const handle = await ctx.client.workflow.start('digestWorkflow', {
    taskQueue: ctx.state.taskQueue,
    workflowId: `digest-bench-${date}-${randomUUID().slice(0, 8)}`,
    args: [{ date }],
  });
  ctx.log(`digest of ${date} started`, true);
  const marker = `.${date}@poortwachter>`;
  const ticker = setInterval(() => {
    const arrived = [...ctx.sink.counts.keys()].filter((id) => id.startsWith('<digest.') && id.endsWith(marker));
    ctx.log(`digest: ${arrived.length} digests arrived after ${round((Date.now() - t0) / 1000)} s`, true);
  }, 15_000);
  const result = (await Promise.race([handle.result(), ctx.worker.exited]).finally(() =>
    clearInterval(ticker),
  )) as DigestWorkflowResult;
  const completedAt = Date.now();
  const sent = result.digests.filter((d) => d.outcome === 'sent');
  const arrived = await allArrived(
    ctx,
    sent.map((d) => d.messageId),
  );
  const seconds = (Math.max(arrived, completedAt) - t0) / 1000;
  const cost = part.stop();
  const after = await ctx.worker.queries();
  const queries = Object.fromEntries(
    Object.entries(after)
      .map(([k, n]) => [k, n - (before[k] ?? 0)] as const)
      .filter(([, n]) => n > 0),
  );
  ctx.log(`digest: ${sent.length} sent in ${round(seconds)} s; queries ${JSON.stringify(queries)}`, true);
  const baseline = await listEveryOpenCase(ctx);
  return {
    date,
    casemanagers: result.digests.length,
    sent: sent.length,
    nothingDue: result.digests.filter((d) => d.outcome === 'nothing-due').length,
    alreadySent: result.digests.filter((d) => d.outcome === 'already-sent').length,
    seconds: round(seconds),
    caseQueries: Object.entries(queries).reduce((s, [k, n]) => s + (k.startsWith('case ') ? n : 0), 0),
    queries,
    cost,
    baseline,
    ratio: round(seconds / baseline.seconds),
  };
}

/** Waits until every Message-ID has arrived at the sink; when the last did. */
async function allArrived(ctx: FleetContext, ids: string[]): Promise<number> {
  const deadline = Date.now() + 60 * 60_000;
  for (;;) {
    const missing = ids.filter((id) => !ctx.sink.arrivals.has(id));
    if (missing.length === 0) return ids.reduce((last, id) => Math.max(last, ctx.sink.arrivals.get(id)![0]!), 0);
    if (Date.now() > deadline) throw new Error(`${missing.length} of ${ids.length} digests never arrived`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** The engine's part of the digest: one list of every open case of the fleet, memos decoded. */
async function listEveryOpenCase(ctx: FleetContext): Promise<DigestFigures['baseline']> {
  const keys = searchKeysOf(ctx.client.options.loadedDataConverter.payloadCodecs);
  // The query of the digest's CaseReader (client/cases.ts caseReader): open cases on the fleet's task queue.
  const [query] = listPlan({ status: 'open' }, keys, ctx.state.taskQueue).queries;
  const part = ctx.part({ bench: () => process.pid });
  const t0 = performance.now();
  let openCases = 0;
  let withoutSummary = 0;
  for await (const execution of ctx.client.workflow.list({ query })) {
    openCases++;
    if ((execution.memo?.[SUMMARY_MEMO] as CaseSummary | undefined)?.version !== 2) withoutSummary++;
    ctx.log(`digest baseline: listed ${openCases}`);
  }
  return { openCases, withoutSummary, seconds: round((performance.now() - t0) / 1000), cost: part.stop() };
}
