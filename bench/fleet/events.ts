// Phase 5, recording events over the API: a note on each of R fleet cases (distinct, spread over the
// fleet, so that almost none is in the worker's cache and each is rebuilt from its history first, as
// in production), POST /api/v1/cases/{id}/events with an API key per caller. Against a bare update
// round trip: R bare sleeping workflows, each evicted from its worker's cache (the bare worker is
// started again after their first tasks), one update each, at the same concurrency.
import { randomUUID } from 'node:crypto';
import { round } from '../util.js';
import { bareSleeper, pokeUpdate } from './bare-workflows.js';
import { serviceCall, underLoad, type Latencies } from './callers.js';
import type { FleetContext } from './context.js';
import type { PartCost } from './meter.js';
import { fleetCaseId } from './records.js';

export interface EventSide extends Latencies {
  cost: PartCost;
}

export interface EventFigures {
  real: EventSide;
  baseline: EventSide;
  /** p99 / p99 of the baseline. */
  ratio: number;
}

export async function runEvents(ctx: FleetContext, requests: number, callers: number): Promise<EventFigures> {
  const service = await ctx.service();
  const { cases } = ctx.state.plan;
  // Every case once at most, spread evenly over the fleet.
  const caseOf = (i: number) => fleetCaseId(Math.floor((i * cases) / Math.min(requests, cases)) % cases);
  const body = JSON.stringify({ type: 'note', text: 'Telefonisch contact met de werkgever over de planning.' });
  const part = ctx.part({ service: () => service.child.pid });
  const real = await underLoad(
    Math.min(requests, cases),
    callers,
    (i, caller) =>
      serviceCall(service, `/api/v1/cases/${caseOf(i)}/events`, caller, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      }),
    (done) => ctx.log(`events: ${done}/${requests} recorded`),
  );
  const realCost = part.stop();
  ctx.log(`events: p50 ${real.latencyMs.p50} ms, p99 ${real.latencyMs.p99} ms, ${real.errors} errors`, true);
  const baseline = await bareUpdates(ctx, real.requests, callers);
  return {
    real: { ...real, cost: realCost },
    baseline,
    ratio: round(real.latencyMs.p99 / baseline.latencyMs.p99),
  };
}

async function bareUpdates(ctx: FleetContext, count: number, callers: number): Promise<EventSide> {
  const run = randomUUID().slice(0, 8);
  const first = await ctx.startBare();
  const handles = await Promise.all(
    Array.from({ length: count }, (_, i) =>
      ctx.client.workflow.start(bareSleeper, { taskQueue: ctx.bareTaskQueue, workflowId: `bare-${run}-ev-${i}` }),
    ),
  );
  // Asleep once its first task started the timer (workflow task scheduled, started, completed, timer started).
  for (;;) {
    const lengths = await Promise.all(handles.map(async (h) => (await h.describe()).historyLength));
    if (lengths.every((n) => n >= 5)) break;
    await new Promise((r) => setTimeout(r, 500));
  }
  await first.child.stop();
  const { child } = await ctx.startBare();
  try {
    const part = ctx.part({ 'bare worker': () => child.pid, bench: () => process.pid });
    const latencies = await underLoad(count, callers, async (i) => {
      await handles[i]!.executeUpdate(pokeUpdate);
    });
    ctx.log(`events baseline: p50 ${latencies.latencyMs.p50} ms, p99 ${latencies.latencyMs.p99} ms`, true);
    return { ...latencies, cost: part.stop() };
  } finally {
    await child.stop();
  }
}
