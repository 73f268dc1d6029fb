// A large arbodienst's day on the real server (issue 28, item 4): the fleet built through the import,
// the 08:00 burst, the digest for every casemanager, lists and events under concurrent users, the
// audit export and verify, and the worker asleep; every figure beside a bare-engine baseline measured
// in the same run, and per part the CPU seconds and peak RSS of the processes that did the work.
// Phases run in this order; any subset may be asked for, on a fleet kept in --fleet-dir by an earlier run.
import { execFileSync } from 'node:child_process';
import { amsterdamDate, amsterdamInstant, isWorkingDay, addDays } from '../../workflows/calendar/index.js';
import { round } from '../util.js';
import { runAudit, type AuditFigures } from './audit.js';
import { runBurst, type BurstFigures } from './burst.js';
import { openFleet } from './context.js';
import { runDigest, type DigestFigures } from './digest.js';
import { runEvents, type EventFigures } from './events.js';
import { runAsleep, type AsleepFigures } from './idle.js';
import { runImport, type ImportFigures } from './import.js';
import { runLists, type ListFigures } from './lists.js';
import { deskCases, type FleetPlan } from './records.js';

export const FLEET_PHASES = ['import', 'burst', 'digest', 'lists', 'events', 'audit', 'idle'] as const;
export type FleetPhase = (typeof FLEET_PHASES)[number];

export interface FleetOptions {
  cases: number;
  casemanagers: number;
  burst: number;
  phases: FleetPhase[];
  /** Keep the fleet here (and reuse one built here before); default: a temporary folder, removed. */
  dir?: string;
  /** At most this many bare starts in the import's baseline. */
  baselineSample: number;
  /** Requests of each list and of the events, and their concurrent callers. */
  requests: number;
  callers: number;
  /** At most this many histories in the audit's bare replay. */
  replaySample: number;
  seed: number;
}

export interface FleetResult {
  cases: number;
  casemanagers: number;
  deskCases: number;
  phases: FleetPhase[];
  /** Where the fleet was kept, if it was. */
  dir?: string;
  startedAt: string;
  endedAt?: string;
  /** `uptime` at the start and the end: other work on the machine. */
  uptime: { start: string; end?: string };
  /** Whether VmHWM could be reset per part (else a peak is since the process started). */
  peakResets: boolean;
  /** Whether the run spanned 08:00 of a working day in Amsterdam, when the fleet's own cases wake. */
  spanned0800?: boolean;
  notes: string[];
  import?: ImportFigures;
  burst?: BurstFigures;
  digest?: DigestFigures;
  lists?: ListFigures;
  events?: EventFigures;
  audit?: AuditFigures;
  auditError?: string;
  asleep?: AsleepFigures;
  /** The production worker's log lines at warn and error level in the run (the last worker's). */
  workerWarnings?: { warn: number; error: number; recent: string[] };
}

const uptime = () => {
  try {
    return execFileSync('uptime', { encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
};

/** Whether 08:00 Amsterdam of a working day lies between the two instants. */
function spans0800(from: number, to: number): boolean {
  for (let day = amsterdamDate(from); amsterdamInstant(day, 8) <= to; day = addDays(day, 1))
    if (isWorkingDay(day) && amsterdamInstant(day, 8) >= from) return true;
  return false;
}

/** Runs the phases asked for; `saved` is called after each with the figures so far. */
export async function runFleet(options: FleetOptions, saved: (r: FleetResult) => Promise<void>): Promise<FleetResult> {
  const plan: FleetPlan = {
    cases: options.cases,
    casemanagers: options.casemanagers,
    seed: options.seed,
    builtOn: amsterdamDate(Date.now()),
  };
  const t0 = Date.now();
  const ctx = await openFleet(options.dir, plan, options.callers);
  const { state } = ctx;
  const result: FleetResult = {
    cases: state.plan.cases,
    casemanagers: state.plan.casemanagers,
    deskCases: deskCases(state.plan),
    phases: [...options.phases],
    ...(options.dir && { dir: options.dir }),
    startedAt: new Date(t0).toISOString(),
    uptime: { start: uptime() },
    peakResets: ctx.peakResets,
    notes: [],
  };
  if (state.built && state.plan.cases !== options.cases)
    result.notes.push(
      `the fleet in ${options.dir} has ${state.plan.cases} cases (built on ${state.plan.builtOn}); --fleet-cases ignored`,
    );
  const wanted = (p: FleetPhase) => options.phases.includes(p);
  try {
    if (wanted('import') && state.built)
      throw new Error(`the fleet in ${options.dir} is built already: import into a new --fleet-dir`);
    if (!wanted('import') && !state.built) {
      result.notes.push('no fleet yet: the import ran first (the other phases need the fleet)');
      result.phases.unshift('import');
    }
    const phase = async <K extends keyof FleetResult>(name: FleetPhase, key: K, run: () => Promise<FleetResult[K]>) => {
      if (!result.phases.includes(name)) return;
      ctx.log(`phase ${name}`, true);
      result[key] = await run();
      await saved(result);
    };
    await phase('import', 'import', () => runImport(ctx, options.baselineSample));
    await phase('burst', 'burst', () => runBurst(ctx, options.burst));
    await phase('digest', 'digest', () => runDigest(ctx));
    await phase('lists', 'lists', () => runLists(ctx, options.requests, options.callers));
    await phase('events', 'events', () => runEvents(ctx, options.requests, options.callers));
    await phase('audit', 'audit', () =>
      runAudit(ctx, options.replaySample).catch((err: unknown) => {
        // The audit commands are being rewritten: a failure is a finding, not the end of the run.
        result.auditError = err instanceof Error ? err.message : String(err);
        return undefined;
      }),
    );
    await phase('idle', 'asleep', () => runAsleep(ctx));
  } finally {
    result.workerWarnings = { ...ctx.worker.warnings, recent: ctx.worker.recent.slice(-5) };
    await ctx.close();
    result.endedAt = new Date().toISOString();
    result.uptime.end = uptime();
    result.spanned0800 = spans0800(t0, Date.now());
    ctx.log(`done in ${round((Date.now() - t0) / 1000)} s`, true);
  }
  return result;
}
