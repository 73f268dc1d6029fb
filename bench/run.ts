// The benchmark: one command, one run, one report.
//
//   npm run bench -- [--cases N] [--cohort N] [--replay-histories N] [--only a,b] [--chaos] [--out dir] [--seed S]
//   npm run bench -- --only fleet [--fleet-cases N] [--fleet-phases import,burst,…] [--fleet-dir dir]
//
// Measurements: lifecycle (the real cases on a time-skipping server, in cohorts), nosmtp (the same
// without the SMTP conversations), baseline (the same timers, activities and updates without domain
// logic: the engine's limit), latency (openCase at 50 concurrent callers), replay (lifecycle histories
// against the current workflow code), idle (10,000 sleeping cases on the dev server), chaos (with
// --chaos), fleet (only when named: a large arbodienst's day on the dev server, bench/fleet/). Results
// go to <out>/<date>.json and <out>/<date>.md, rewritten after every measurement; progress to stderr.
// See bench/README.md.
import { execFileSync } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { cpus, totalmem, platform, release } from 'node:os';
import { join, relative, sep } from 'node:path';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { Command, InvalidArgumentError, Option } from 'commander';
import { DEFAULT_MAX_CACHED_WORKFLOWS } from '../runtime/config.js';
import { projectRoot } from '../runtime/project.js';
import { ensureTemporalCli, ensureTestServer, type FoundBinary } from '../tools/temporal-binaries.js';
import { CHAOS_DEFAULT_CASES, runChaos, type ChaosResult } from './chaos.js';
import { QUIET_MAX_MS, runIdle, SAMPLE_MS, type IdleResult } from './idle.js';
import {
  DEFAULT_COHORT,
  DEFAULT_REPLAY_HISTORIES,
  openLifecycle,
  type LifecycleOutput,
  type LifecycleResult,
  type LifecycleRun,
} from './lifecycle.js';
import {
  openBaseline,
  runLatency,
  runReplay,
  type BaselineResult,
  type LatencyResult,
  type ReplayResult,
} from './others.js';
import { roundCpu, type CohortTiming, type CpuSeconds } from './harness.js';
import { FLEET_PHASES, runFleet, type FleetPhase, type FleetResult } from './fleet/fleet.js';
import { fleetMarkdown, fleetRows } from './fleet/report.js';
import { mb, round } from './util.js';

const MEASUREMENTS = ['lifecycle', 'nosmtp', 'baseline', 'latency', 'replay', 'idle', 'fleet'] as const;
type Measurement = (typeof MEASUREMENTS)[number];
/** What runs without --only: the fleet takes an hour or more at its default size, so only when named. */
const DEFAULT_MEASUREMENTS = MEASUREMENTS.filter((m) => m !== 'fleet');

export interface Options {
  cases: number;
  cohort: number;
  replayHistories: number;
  only: Measurement[];
  out: string;
  seed: number;
  callers: number;
  opens: number;
  idleCases: number;
  idleCache: number;
  idleHeapMb?: number;
  chaos: boolean;
  chaosCases: number;
  fleetCases: number;
  fleetCasemanagers: number;
  fleetBurst: number;
  fleetPhases: FleetPhase[];
  fleetDir?: string;
  fleetBaselineSample: number;
  fleetRequests: number;
  fleetCallers: number;
  fleetReplaySample: number;
}

function positiveInteger(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError('It must be a positive integer.');
  return n;
}

/** A comma-separated list of names out of `known`. */
const listOf =
  <T extends string>(known: readonly T[], what: string) =>
  (value: string): T[] => {
    const list = value
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    const unknown = list.filter((m) => !(known as readonly string[]).includes(m));
    if (unknown.length)
      throw new InvalidArgumentError(`Unknown ${what}(s) ${unknown.join(', ')}; known: ${known.join(', ')}.`);
    return list as T[];
  };

/** The options of a run (bench/README.md, "Options"); `--help` prints them and exits. */
export function parseArgs(argv: string[]): Options {
  const int = (flags: string, description: string, value?: number, shown?: string) => {
    const option = new Option(flags, description).argParser(positiveInteger);
    return value === undefined ? option : option.default(value, shown);
  };
  const program = new Command('npm run bench --')
    .description('The benchmark: one command, one run, one report (see bench/README.md).')
    .helpOption('-h, --help', 'show this help')
    .addOption(int('--cases <n>', 'cases of the lifecycle, nosmtp and baseline measurements', 1000))
    .addOption(int('--cohort <n>', 'at most this many cases run at once', DEFAULT_COHORT))
    .addOption(
      int(
        '--replay-histories <n>',
        "how many of the lifecycle's histories the replay measurement replays",
        DEFAULT_REPLAY_HISTORIES,
      ),
    )
    .addOption(
      new Option('--only <list>', `the measurements to run, comma-separated: ${MEASUREMENTS.join(',')}`)
        .argParser(listOf(MEASUREMENTS, 'measurement'))
        .default(DEFAULT_MEASUREMENTS, 'all but fleet'),
    )
    .addOption(
      new Option('--out <dir>', 'where the reports go').default(join(projectRoot, 'bench', 'results'), 'bench/results'),
    )
    .addOption(int('--seed <s>', 'the seed of the random choices', 20240108))
    .addOption(int('--callers <n>', 'concurrent callers of the start-latency measurement', 50))
    .addOption(int('--opens <n>', 'cases opened by the start-latency measurement', 1000))
    .addOption(int('--idle-cases <n>', 'sleeping cases of the idle fleet', 10_000))
    .addOption(
      int(
        '--idle-cache <n>',
        "the idle fleet worker's cache of workflows (the worker's default POORTWACHTER_MAX_CACHED_WORKFLOWS)",
        DEFAULT_MAX_CACHED_WORKFLOWS,
      ),
    )
    .addOption(int('--idle-heap-mb <n>', 'run the idle fleet worker with node --max-old-space-size=N'))
    .option('--chaos', 'add the resilience run: the worker SIGKILLed twice, an SMTP outage', false)
    .addOption(
      int('--chaos-cases <n>', 'cases of the resilience run (implies --chaos)', CHAOS_DEFAULT_CASES).implies({
        chaos: true,
      }),
    )
    .addOption(int('--fleet-cases <n>', 'open cases of the fleet (--only fleet)', 50_000))
    .addOption(int('--fleet-casemanagers <n>', "the fleet's casemanagers (one of them has about 300 cases)", 150))
    .addOption(int('--fleet-burst <n>', 'cases of the 08:00 burst, one due e-mail each', 5_000))
    .addOption(
      new Option('--fleet-phases <list>', `the fleet's phases to run, comma-separated: ${FLEET_PHASES.join(',')}`)
        .argParser(listOf(FLEET_PHASES, 'phase'))
        .default([...FLEET_PHASES], 'all'),
    )
    .addOption(
      new Option(
        '--fleet-dir <dir>',
        'keep the fleet (server database, key) here; a later run with the same folder measures other phases on it',
      ),
    )
    .addOption(int('--fleet-baseline-sample <n>', "at most this many bare starts in the import's baseline", 5_000))
    .addOption(int('--fleet-requests <n>', 'requests of each list, and events recorded', 200))
    .addOption(int('--fleet-callers <n>', 'concurrent users of the lists and events', 20))
    .addOption(int('--fleet-replay-sample <n>', "at most this many histories in the audit's bare replay", 1_000))
    .parse(argv, { from: 'user' });
  return program.opts<Options>();
}

/**
 * One cohort of each side, run in turn (lifecycle, lifecycle without SMTP, baseline) before the next
 * cohort: `ratio` is this cohort's lifecycle / baseline throughput (the same cases, so baseline wall
 * time / lifecycle wall time).
 */
export interface CohortFigures {
  lifecycle?: CohortTiming;
  withoutSmtp?: CohortTiming;
  baseline?: CohortTiming;
  ratio?: number;
}

/** The middle value (the mean of the two middle ones for an even count). */
function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : round((sorted[mid - 1]! + sorted[mid]!) / 2);
}

const roundTiming = (t: CohortTiming): CohortTiming => ({
  cases: t.cases,
  wallSeconds: round(t.wallSeconds),
  cpuSeconds: roundCpu(t.cpuSeconds),
});

interface Target {
  name: string;
  target: string;
  measured: string;
  met: boolean | 'not measured';
}

export interface Report {
  date: string;
  machine: { cpus: number; cpuModel: string; memoryMb: number; platform: string; node: string };
  versions: Record<string, string>;
  parameters: Options;
  lifecycle?: LifecycleResult;
  /** The same lifecycle with a mailer that only counts: the orchestration without the SMTP conversations. */
  lifecycleWithoutSmtp?: LifecycleResult;
  baseline?: BaselineResult;
  ratioToBaseline?: { casesPerSecond: number; workflowTasksPerSecond: number };
  /** Per cohort, in the order run; saved after each, so a long run stopped early keeps its pairs. */
  cohorts: CohortFigures[];
  latency?: LatencyResult;
  replay?: ReplayResult;
  idle?: IdleResult;
  chaos?: ChaosResult;
  fleet?: FleetResult;
  notDone: string[];
  targets: Target[];
  /** True while the run goes on (the report is saved after every measurement). */
  partial: boolean;
  totalSeconds: number;
}

async function versions(options: Options): Promise<Record<string, string>> {
  const pkg = JSON.parse(await readFile(join(projectRoot, 'package.json'), 'utf8')) as {
    version: string;
  };
  const installed = async (name: string) => {
    try {
      const p = JSON.parse(await readFile(join(projectRoot, 'node_modules', name, 'package.json'), 'utf8')) as {
        version: string;
      };
      return p.version;
    } catch {
      return 'unknown';
    }
  };
  // The binaries the measurements will use (found, or installed now as they would be anyway).
  const onDevServer = (m: Measurement) => m === 'idle' || m === 'fleet';
  const onlyDevServer = options.only.every(onDevServer) && !options.chaos;
  return {
    poortwachter: pkg.version,
    commit: gitCommit(),
    '@temporalio/worker': await installed('@temporalio/worker'),
    '@temporalio/testing': await installed('@temporalio/testing'),
    ...(!onlyDevServer && { 'temporal-test-server': describeBinary(await ensureTestServer()) }),
    ...(options.only.some(onDevServer) && {
      'temporal CLI (idle fleet, fleet)': describeBinary(await ensureTemporalCli()),
    }),
  };
}

/** Where a binary came from: its path (relative to the project when inside it) and how it was found. */
function describeBinary({ path, source }: FoundBinary): string {
  const shown = path.startsWith(projectRoot + sep) ? relative(projectRoot, path) : path;
  return `${shown} (${source})`;
}

/** The code that ran: the checkout's commit, marked when files differ from it (results of an edit in progress). */
function gitCommit(): string {
  const git = (...args: string[]) =>
    execFileSync('git', args, { cwd: projectRoot, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  try {
    const commit = git('rev-parse', '--short=12', 'HEAD');
    // New source files count too; earlier results (this run's own output folder among them) do not.
    const changed = git('status', '--porcelain', '--', '.', ':(exclude)bench/results');
    return changed ? `${commit} with local changes` : commit;
  } catch {
    return 'unknown (not a git checkout)';
  }
}

function targets(r: Report): Target[] {
  const t: Target[] = [];
  const l = r.lifecycle;
  t.push(
    r.ratioToBaseline
      ? {
          name: 'lifecycle throughput vs baseline',
          target: '≥ 0.8',
          measured: String(r.ratioToBaseline.casesPerSecond),
          met: r.ratioToBaseline.casesPerSecond >= 0.8,
        }
      : { name: 'lifecycle throughput vs baseline', target: '≥ 0.8', measured: '-', met: 'not measured' },
  );
  const std = l?.standard104Week;
  t.push(
    std && std.events.count > 0
      ? {
          name: 'standard 104-week case: history events',
          target: '< 1,000',
          measured: `max ${std.events.max} (p50 ${std.events.p50}, ${std.events.count} cases)`,
          met: std.events.max < 1000,
        }
      : { name: 'standard 104-week case: history events', target: '< 1,000', measured: '-', met: 'not measured' },
    std && std.bytes.count > 0
      ? {
          name: 'standard 104-week case: history size',
          target: '< 1 MB',
          measured: `max ${round(std.bytes.max / 1024, 1)} KB`,
          met: std.bytes.max < 1024 * 1024,
        }
      : { name: 'standard 104-week case: history size', target: '< 1 MB', measured: '-', met: 'not measured' },
    l
      ? {
          name: 'every e-mail the calendar says is due sent exactly once',
          target: 'no duplicates, none missing',
          measured: `${l.emails.distinct} distinct, ${l.emails.duplicates} duplicates, ${l.emails.missing} missing, ${l.emails.unexpected} unexpected`,
          met: l.emails.exactlyOnce,
        }
      : {
          name: 'every e-mail sent exactly once',
          target: 'no duplicates, none missing',
          measured: '-',
          met: 'not measured',
        },
    r.idle
      ? {
          name: `${r.idle.cases} idle cases: worker RSS (cache ${r.idle.maxCachedWorkflows})`,
          target: '< 512 MB',
          measured: `${r.idle.workerRssSteadyMb} MB ${r.idle.workerRssSettled ? 'steady' : 'still moving'} after ${(r.idle.workerRssQuietMb.length * SAMPLE_MS) / 1000} quiet s (${r.idle.workerRssAt90sMb} MB at 90 s), ${r.idle.workerRssPeakMb} MB peak`,
          met: r.idle.cases >= 10_000 ? r.idle.workerRssSteadyMb < 512 : 'not measured',
        }
      : { name: '10,000 idle cases: worker RSS', target: '< 512 MB', measured: '-', met: 'not measured' },
    r.chaos
      ? {
          name: `resilience (--chaos, ${r.chaos.cases} cases)`,
          target: 'nothing lost, nothing twice',
          measured: `${r.chaos.kills.length} SIGKILLs, SMTP refusing ${r.chaos.refusal?.seconds ?? 0} s (${r.chaos.refusal?.refused ?? 0} refusals); ${r.chaos.emails.missing} lost, ${r.chaos.emails.duplicates} twice${r.chaos.problems.length ? `; ${r.chaos.problems.join('; ')}` : ''}`,
          met: r.chaos.ok,
        }
      : { name: 'resilience (--chaos)', target: 'nothing lost, nothing twice', measured: '-', met: 'not measured' },
  );
  if (r.fleet)
    for (const row of fleetRows(r.fleet))
      if (row.met !== undefined)
        t.push({ name: `fleet: ${row.figure}`, target: row.target, measured: row.value, met: row.met });
  return t;
}

function markdown(r: Report): string {
  const rows = (pairs: [string, string | number][]) => pairs.map(([k, v]) => `| ${k} | ${v} |`).join('\n');
  /** A section of figures: a heading and a two-column table. */
  const section = (title: string, pairs: [string, string | number][]) =>
    out.push(`## ${title}`, '', '| figure | value |', '| --- | --- |', rows(pairs), '');
  const out: string[] = [];
  out.push(`# Benchmark ${r.date}`, '');
  if (r.partial) out.push('**Partial: the run had not ended when this was written.**', '');
  out.push(
    '| machine | |',
    '| --- | --- |',
    rows([
      ['CPUs', `${r.machine.cpus} × ${r.machine.cpuModel}`],
      ['memory', `${r.machine.memoryMb} MB`],
      ['platform', r.machine.platform],
      ['node', r.machine.node],
      ...Object.entries(r.versions),
    ]),
    '',
  );
  out.push(
    '| parameter | value |',
    '| --- | --- |',
    rows(Object.entries(r.parameters).map(([k, v]) => [k, String(v)])),
    '',
  );
  out.push('## Targets', '', '| target | required | measured | met |', '| --- | --- | --- | --- |');
  for (const t of r.targets)
    out.push(
      `| ${t.name} | ${t.target} | ${t.measured} | ${t.met === true ? 'yes' : t.met === false ? '**NO — missed**' : 'not measured'} |`,
    );
  out.push('');
  const l = r.lifecycle;
  const n = r.lifecycleWithoutSmtp;
  const b = r.baseline;
  // `--only nosmtp` measures one side only; its figures are still worth a table.
  if (l || n || b) {
    out.push(
      '## Throughput',
      '',
      '| | lifecycle | lifecycle without SMTP | baseline | ratio (without SMTP) |',
      '| --- | --- | --- | --- | --- |',
    );
    const ratio = (x?: number, y?: number) => (x !== undefined && y ? String(round(x / y)) : '-');
    const both = (x?: number, y?: number, z?: number) => `${ratio(x, z)} (${ratio(y, z)})`;
    // Older reports (and a run without CPU figures) have none.
    const cpu = (x?: { cpuSeconds?: CpuSeconds }) =>
      x?.cpuSeconds ? `${x.cpuSeconds.bench} / ${x.cpuSeconds.server ?? '-'}` : '-';
    const cpuTotal = (x?: { cpuSeconds?: CpuSeconds }) =>
      x?.cpuSeconds && x.cpuSeconds.server !== null ? x.cpuSeconds.bench + x.cpuSeconds.server : undefined;
    out.push(
      `| workflows | ${l?.cases ?? '-'} | ${n?.cases ?? '-'} | ${b?.cases ?? '-'} | |`,
      `| cases at once (cohort) | ${l?.cohortSize ?? '-'} | ${n?.cohortSize ?? '-'} | ${b ? (l?.cohortSize ?? '-') : '-'} | |`,
      `| wall time (s) | ${l?.wallSeconds ?? '-'} | ${n?.wallSeconds ?? '-'} | ${b?.wallSeconds ?? '-'} | |`,
      `| cases per second | ${l?.casesPerSecond ?? '-'} | ${n?.casesPerSecond ?? '-'} | ${b?.casesPerSecond ?? '-'} | ${both(l?.casesPerSecond, n?.casesPerSecond, b?.casesPerSecond)} |`,
      `| workflow tasks | ${l?.workflowTasks ?? '-'} | ${n?.workflowTasks ?? '-'} | ${b?.workflowTasks ?? '-'} | |`,
      `| workflow tasks per second | ${l?.workflowTasksPerSecond ?? '-'} | ${n?.workflowTasksPerSecond ?? '-'} | ${b?.workflowTasksPerSecond ?? '-'} | ${both(l?.workflowTasksPerSecond, n?.workflowTasksPerSecond, b?.workflowTasksPerSecond)} |`,
      `| timers / activities per workflow | ${l ? `${l.timersPerCase} / ${l.activitiesPerCase}` : '-'} | ${n ? `${n.timersPerCase} / ${n.activitiesPerCase}` : '-'} | ${b ? `${b.timersPerWorkflow} / ${b.activitiesPerWorkflow}` : '-'} | |`,
      `| updates (story events) | ${l?.storyEvents ?? '-'} | ${n?.storyEvents ?? '-'} | ${b?.updates ?? '-'} | |`,
      `| clock stops (event moments) | ${l?.eventMoments ?? '-'} | ${n?.eventMoments ?? '-'} | ${b?.stoppedAtMoments ?? '-'} | |`,
      `| e-mails exactly once (against the calendar) | ${l ? (l.emails.exactlyOnce ? 'yes' : 'NO') : '-'} | ${n ? (n.emails.exactlyOnce ? 'yes' : 'NO') : '-'} | | |`,
      `| CPU s in the timed part: bench process (driver, worker, sink) / test server | ${cpu(l)} | ${cpu(n)} | ${cpu(b)} | ${ratio(cpuTotal(b), cpuTotal(l))} (${ratio(cpuTotal(b), cpuTotal(n))}) |`,
      `| CPU steal in the timed part (s, all CPUs; taken by the hypervisor) | ${l?.cpuSeconds?.steal ?? '-'} | ${n?.cpuSeconds?.steal ?? '-'} | ${b?.cpuSeconds?.steal ?? '-'} | |`,
      `| peak RSS of the bench process in the timed part (MB; the worker runs in it, the sides in turn) | ${l?.workerPeakRssMb ?? '-'} | ${n?.workerPeakRssMb ?? '-'} | ${b?.workerPeakRssMb ?? '-'} | |`,
      '',
    );
  }
  if (r.cohorts?.length) {
    // Older reports have no per-cohort figures.
    const sides: [string, keyof Omit<CohortFigures, 'ratio'>][] = [
      ['lifecycle', 'lifecycle'],
      ['baseline', 'baseline'],
      ['without SMTP', 'withoutSmtp'],
    ];
    const present = sides.filter(([, key]) => r.cohorts.some((c) => c[key]));
    const side = (t?: CohortTiming) =>
      t ? `${t.wallSeconds} (${t.cpuSeconds.bench} / ${t.cpuSeconds.server ?? '-'} / ${t.cpuSeconds.steal})` : '-';
    const wall = (key: keyof Omit<CohortFigures, 'ratio'>) =>
      r.cohorts.reduce((s, c) => s + (c[key]?.wallSeconds ?? 0), 0);
    const ratios = r.cohorts.flatMap((c) => (c.ratio === undefined ? [] : [c.ratio]));
    out.push(
      '## Cohorts',
      '',
      `Each cohort ran on each side in turn (${present.map(([name]) => name).join(', ')}) before the next cohort began.`,
      'Per side: wall s (CPU s: bench process / test server / steal).',
      ...(ratios.length > 1
        ? [
            '',
            `Ratio per cohort: ${ratios.join(', ')} (median ${median(ratios)}); ${ratios.length} cohorts together, from their wall times: ${round(wall('baseline') / wall('lifecycle'))}.`,
          ]
        : []),
      '',
      `| cohort | cases | ${present.map(([name]) => name).join(' | ')} | ratio |`,
      `| --- | --- | ${present.map(() => '---').join(' | ')} | --- |`,
      ...r.cohorts.map(
        (c, k) =>
          `| ${k + 1} | ${(c.lifecycle ?? c.withoutSmtp)?.cases ?? '-'} | ${present.map(([, key]) => side(c[key])).join(' | ')} | ${c.ratio ?? '-'} |`,
      ),
      '',
    );
  }
  if (l) {
    section('Lifecycle', [
      [
        'case mix',
        Object.entries(l.mix)
          .map(([k, v]) => `${k} ${v}`)
          .join(', '),
      ],
      ['story events recorded (refused)', `${l.storyEvents} (${l.refusedEvents})`],
      ['e-mails sent', l.emailsSent],
      [
        'e-mails: due by the calendar / received distinct / duplicates / missing / unexpected',
        `${l.emails.expected} / ${l.emails.distinct} / ${l.emails.duplicates} / ${l.emails.missing} / ${l.emails.unexpected}`,
      ],
      ['e-mails: timelines and SMTP server disagree on', l.emails.timelineDisagreements],
      ...(l.emails.examples.length ? [['e-mail examples', l.emails.examples.join('; ')] as [string, string]] : []),
      [
        'history events per case p50 / p99 / max',
        `${l.historyEvents.p50} / ${l.historyEvents.p99} / ${l.historyEvents.max}`,
      ],
      [
        'history bytes per case p50 / p99 / max',
        `${l.historyBytes.p50} / ${l.historyBytes.p99} / ${l.historyBytes.max}`,
      ],
      ['cases not closed at the end / failed', `${l.notClosed} / ${l.failed}`],
      [
        'phases (s)',
        Object.entries(l.phases)
          .map(([k, v]) => `${k} ${v}`)
          .join(', '),
      ],
    ]);
  }
  if (r.latency) {
    const x = r.latency;
    section('Start latency', [
      ['callers / opens', `${x.callers} / ${x.opens}`],
      ['p50 / p99 / max (ms)', `${x.latencyMs.p50} / ${x.latencyMs.p99} / ${x.latencyMs.max}`],
      ['opens per second', x.opensPerSecond],
      ['server', x.server],
    ]);
  }
  if (r.replay) {
    const x = r.replay;
    section('Audit replay', [
      ['histories (events)', `${x.histories} (${x.events}): the first of the lifecycle's, at most --replay-histories`],
      ['histories per second', x.historiesPerSecond],
      ['events per second', x.eventsPerSecond],
      ['failures', x.failures],
    ]);
  }
  if (r.idle) {
    const x = r.idle;
    section('Idle fleet (dev server, SQLite)', [
      [
        'open cases / workflow cache / worker heap limit',
        `${x.cases} / ${x.maxCachedWorkflows} / ${x.heapMb ? `${x.heapMb} MB` : 'node default'}`,
      ],
      [
        'worker process (`poortwachter worker`) RSS: steady / at 90 quiet s / peak (MB)',
        `${x.workerRssSteadyMb}${x.workerRssSettled ? '' : ` (still moving after ${QUIET_MAX_MS / 1000} s)`} / ${x.workerRssAt90sMb} / ${x.workerRssPeakMb}`,
      ],
      [
        'worker RSS in the quiet (from 15 s without e-mail until flat within 1% for 60 s), every 5 s (MB)',
        x.workerRssQuietMb.join(', '),
      ],
      ['database size / per case', `${mb(x.databaseBytes)} MB / ${x.databaseBytesPerCase} bytes`],
      ['list overdue cases (search)', `${x.overdueCases} cases in ${x.listOverdueMs} ms`],
      [
        'opening / first tasks / last e-mail after them (s)',
        `${x.openSeconds} / ${x.settleSeconds} / ${x.lastMailSeconds}`,
      ],
      ['e-mails (take-over summaries)', x.emailsSent],
    ]);
  }
  if (r.chaos) {
    const x = r.chaos;
    section('Resilience (--chaos)', [
      ['cases / story events', `${x.cases} / ${x.storyEvents}`],
      ...x.kills.map((k, i): [string, string] => [
        `SIGKILL ${i + 1}`,
        `after ${k.emailsBefore} e-mails (day ${k.serverDay}); in flight: ${k.inFlight.notifyStarted} notify, ${k.inFlight.notifyWaiting} waiting; new worker polling after ${k.restartSeconds} s`,
      ]),
      [
        'SMTP outage',
        x.refusal
          ? `${x.refusal.seconds} s wall (${x.refusal.serverHours} server hours), ${x.refusal.refused} refusals, ${x.refusal.failedAttempts} failed attempts retried`
          : '-',
      ],
      [
        'e-mails: recorded by the cases / received / distinct / duplicates / missing / unexpected',
        `${x.emails.expected} / ${x.emails.received} / ${x.emails.distinct} / ${x.emails.duplicates} / ${x.emails.missing} / ${x.emails.unexpected}`,
      ],
      [
        'e-mails the calendar says are due / not received / received but not due',
        `${x.calendar.due} / ${x.calendar.missing} / ${x.calendar.unexpected}`,
      ],
      ['cases not closed / not completed', `${x.notClosed} / ${x.notCompleted}`],
      ['wall time (s)', x.wallSeconds],
      ['problems', x.problems.length ? x.problems.join('; ') : 'none'],
    ]);
  }
  if (r.fleet) out.push(...fleetMarkdown(r.fleet));
  if (r.notDone.length) out.push('## Not measured', '', ...r.notDone.map((n) => `- ${n}`), '');
  out.push(`Total run time: ${r.totalSeconds} s.`, '');
  return out.join('\n');
}

async function main(): Promise<number> {
  const options = parseArgs(process.argv.slice(2));
  // The workers' own logs (a line per closed case) would drown the progress lines.
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const t0 = Date.now();
  const say = (line: string) => process.stderr.write(`[bench] ${line}\n`);
  say(`parameters: ${JSON.stringify(options)}`);
  const report: Report = {
    date: new Date().toISOString(),
    machine: {
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model ?? 'unknown',
      memoryMb: mb(totalmem()),
      platform: `${platform()} ${release()}`,
      node: process.version,
    },
    versions: await versions(options),
    parameters: options,
    cohorts: [],
    notDone: [],
    targets: [],
    partial: true,
    totalSeconds: 0,
  };
  await mkdir(options.out, { recursive: true });
  const stamp = report.date.slice(0, 19).replace(/:/g, '-');
  /** The report so far: written after every measurement, so that a long run stopped early keeps what it measured. */
  const save = async () => {
    report.targets = targets(report);
    report.totalSeconds = round((Date.now() - t0) / 1000);
    const json = join(options.out, `${stamp}.json`);
    await writeFile(json, `${JSON.stringify(report, null, 2)}\n`);
    await writeFile(join(options.out, `${stamp}.md`), markdown(report));
    return json;
  };
  if (options.only.includes('fleet')) {
    report.fleet = await runFleet(
      {
        cases: options.fleetCases,
        casemanagers: options.fleetCasemanagers,
        burst: options.fleetBurst,
        phases: options.fleetPhases,
        ...(options.fleetDir && { dir: options.fleetDir }),
        baselineSample: options.fleetBaselineSample,
        requests: options.fleetRequests,
        callers: options.fleetCallers,
        replaySample: options.fleetReplaySample,
        seed: options.seed,
      },
      async (partial) => {
        report.fleet = partial;
        await save();
      },
    );
    await save();
  }
  if (options.only.includes('idle')) {
    report.idle = await runIdle(options.idleCases, options.idleCache, options.seed, options.idleHeapMb);
    await save();
  }
  const wanted = (m: Measurement) => options.only.includes(m);
  let lifecycle: LifecycleOutput | undefined;
  if (wanted('baseline') && !['lifecycle', 'replay'].some((m) => wanted(m as Measurement)))
    say('the baseline replays the lifecycle cases: running the lifecycle too');
  const runs: { lifecycle?: LifecycleRun; withoutSmtp?: LifecycleRun } = {};
  try {
    if (['lifecycle', 'baseline', 'replay'].some((m) => wanted(m as Measurement)))
      runs.lifecycle = await openLifecycle(options.cases, options.seed, {
        cohortSize: options.cohort,
        replayHistories: options.replayHistories,
      });
    if (wanted('nosmtp'))
      runs.withoutSmtp = await openLifecycle(options.cases, options.seed, {
        smtp: false,
        cohortSize: options.cohort,
        replayHistories: 0,
      });
    const cohortCount = (runs.lifecycle ?? runs.withoutSmtp)?.cohortCount ?? 0;
    const baseline = wanted('baseline') ? await openBaseline(cohortCount) : undefined;
    // Cohort by cohort, each side in turn, the baseline right after the lifecycle whose traces it
    // replays (nosmtp last): a change in what the machine gives (steal) between cohorts hits both
    // sides alike, where whole runs one after the other did not.
    for (let k = 0; k < cohortCount; k++) {
      const figures: CohortFigures = {};
      if (runs.lifecycle) {
        const lifecycleTiming = roundTiming(await runs.lifecycle.runCohort(k));
        figures.lifecycle = lifecycleTiming;
        if (baseline) {
          figures.baseline = roundTiming(
            await baseline.runCohort(k, runs.lifecycle.traces, runs.lifecycle.cohorts[k]!),
          );
          figures.ratio = round(figures.baseline.wallSeconds / lifecycleTiming.wallSeconds);
        }
      }
      if (runs.withoutSmtp) figures.withoutSmtp = roundTiming(await runs.withoutSmtp.runCohort(k));
      report.cohorts.push(figures);
      say(
        `cohort ${k + 1}/${cohortCount}: ${[
          figures.lifecycle && `lifecycle ${figures.lifecycle.wallSeconds} s`,
          figures.withoutSmtp && `without SMTP ${figures.withoutSmtp.wallSeconds} s`,
          figures.baseline && `baseline ${figures.baseline.wallSeconds} s`,
          figures.ratio !== undefined && `ratio ${figures.ratio}`,
        ]
          .filter(Boolean)
          .join(', ')}`,
      );
      await save();
    }
    if (runs.lifecycle) {
      lifecycle = runs.lifecycle.finish();
      report.lifecycle = lifecycle.result;
    }
    if (runs.withoutSmtp) report.lifecycleWithoutSmtp = runs.withoutSmtp.finish().result;
    if (baseline && lifecycle) {
      report.baseline = baseline.finish();
      report.ratioToBaseline = {
        casesPerSecond: round(lifecycle.result.casesPerSecond / report.baseline.casesPerSecond),
        workflowTasksPerSecond: round(lifecycle.result.workflowTasksPerSecond / report.baseline.workflowTasksPerSecond),
      };
    }
    await save();
  } finally {
    // Both sinks closed even when one fails to close; the error of the run, if any, is the one thrown.
    await Promise.allSettled([runs.lifecycle?.close(), runs.withoutSmtp?.close()]);
  }
  if (options.only.includes('latency')) {
    report.latency = await runLatency(options.callers, options.opens, options.seed);
    await save();
  }
  if (options.only.includes('replay') && lifecycle) {
    report.replay = await runReplay(lifecycle.histories, lifecycle.workflowBundle, lifecycle.dataConverter);
    await save();
  }
  if (!report.idle) report.notDone.push('idle fleet: not run (add `idle` to --only)');
  if (options.chaos) report.chaos = await runChaos({ cases: options.chaosCases, seed: options.seed });
  else report.notDone.push('resilience: not run (add --chaos)');
  report.partial = false;
  const json = await save();
  process.stdout.write(markdown(report));
  say(`results: ${json}`);
  const missed = report.targets.filter((t) => t.met === false);
  if (missed.length) say(`targets missed: ${missed.map((t) => t.name).join('; ')}`);
  return missed.length ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`bench: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
