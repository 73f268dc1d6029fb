// The fleet's part of the report: the headline table (figure, value, baseline, ratio, target, met?),
// what each part cost which process, and the notes a reader needs to judge the figures.
import type { FleetResult } from './fleet.js';
import type { PartCost } from './meter.js';
import type { Latencies } from './callers.js';

export interface FleetRow {
  figure: string;
  value: string;
  baseline: string;
  ratio: string;
  target: string;
  /** Absent when the figure has no target. */
  met?: boolean | 'not measured';
}

const n = (v: number) => v.toLocaleString('en-US');
const ms = (l: Latencies) =>
  `p50 ${l.latencyMs.p50} / p99 ${l.latencyMs.p99} ms${l.errors ? `, **${l.errors} errors** (${l.firstError})` : ''}`;
const MB_1GB = 1024;

/** The headline rows, in phase order; a phase not run gives no row. */
export function fleetRows(r: FleetResult): FleetRow[] {
  const rows: FleetRow[] = [];
  const at = `at ${n(r.cases)} cases`;
  const i = r.import;
  if (i)
    rows.push({
      figure: `import: cases opened per second (${n(i.cases)} through the import workflow)`,
      value: `${i.casesPerSecond} /s (${n(i.opened)} in ${i.seconds} s${i.refused ? `, **${i.refused} refused**` : ''})`,
      baseline: `${i.baseline.perSecond} /s (${n(i.baseline.workflows)} bare starts${i.baseline.sample ? ', a sample' : ''}, ${i.baseline.parallelism} at once)`,
      ratio: String(i.ratio),
      target: '≥ 0.8',
      met: i.ratio >= 0.8 && i.refused === 0,
    });
  const b = r.burst;
  if (b)
    rows.push({
      figure: `08:00 burst (emulated): ${n(b.cases)} due e-mails, first poll to last accepted`,
      value: `${b.real.seconds} s (${n(b.emails)} e-mails, ${b.duplicates} twice; ${b.real.fromSpawnSeconds} s from the worker's start)`,
      baseline: `${b.baseline.seconds} s (${b.baseline.fromSpawnSeconds} s from the bare worker's start)`,
      ratio: String(b.ratio),
      target: '≤ 1.25',
      met: b.ratio <= 1.25 && b.emails === b.cases && b.duplicates === 0,
    });
  const d = r.digest;
  if (d)
    rows.push(
      {
        figure: `digest for every casemanager (${d.date}), until every digest arrived`,
        value: `${d.seconds} s (${d.sent} sent, ${d.nothingDue} with nothing due, ${d.alreadySent} sent before)`,
        baseline: `${d.baseline.seconds} s (one list of ${n(d.baseline.openCases)} open cases with memos)`,
        ratio: String(d.ratio),
        target: `< 300 s at 50,000 (this run: ${at})`,
        met: d.seconds < 300,
      },
      {
        figure: 'digest: queries of a case (each replays it on the worker)',
        value: `${d.caseQueries} (open cases without a version-2 summary: ${d.baseline.withoutSummary})`,
        baseline: '-',
        ratio: '-',
        target: '0',
        met: d.caseQueries === 0,
      },
    );
  const l = r.lists;
  if (l)
    rows.push(
      {
        figure: `/taken of ${l.casemanager} (${l.cases} cases), ${l.taken.callers} users, ${l.taken.requests} requests, over HTTP`,
        value: ms(l.taken),
        baseline: `${ms(l.takenBaseline)} (the same visibility list, in process)`,
        ratio: ratio(l.taken.latencyMs.p99, l.takenBaseline.latencyMs.p99),
        target: 'p99 < 300 ms (300 cases)',
        met: l.taken.latencyMs.p99 < 300 && l.taken.errors === 0,
      },
      {
        figure: `/taken of ${l.casemanager}, one user at a time, ${l.takenAlone.requests} requests`,
        value: ms(l.takenAlone),
        baseline: `${ms(l.takenAloneBaseline)} (the same visibility list, in process)`,
        ratio: ratio(l.takenAlone.latencyMs.p99, l.takenAloneBaseline.latencyMs.p99),
        target: '-',
      },
      {
        figure: `case list (GET /api/v1/cases?casemanager=…), ${l.caseList.callers} callers, ${l.caseList.requests} requests`,
        value: ms(l.caseList),
        baseline: `${ms(l.caseListBaseline)} (the same visibility list, in process)`,
        ratio: ratio(l.caseList.latencyMs.p99, l.caseListBaseline.latencyMs.p99),
        target: '-',
      },
    );
  const e = r.events;
  if (e)
    rows.push({
      figure: `record an event (POST …/events, a note), ${e.real.callers} callers, ${e.real.requests} cases`,
      value: ms(e.real),
      baseline: `${ms(e.baseline)} (a bare update, workflow not cached)`,
      ratio: String(e.ratio),
      target: '-',
    });
  const a = r.audit;
  if (a) {
    const x = a.export;
    rows.push({
      figure: `audit export --all (${n(a.histories)} histories; dist/ built ${a.builtAt.slice(0, 16)})`,
      value:
        x.exitCode === 0
          ? `${x.wallSeconds} s, peak RSS ${x.peakRssMb ?? '?'} MB, ${x.cpuSeconds ?? '?'} CPU s, ${x.bundleMb ?? '?'} MB bundle`
          : `**failed** (exit ${x.exitCode}, ${x.wallSeconds} s, peak RSS ${x.peakRssMb ?? '?'} MB): ${(x.stderrTail ?? []).slice(-2).join(' ')}`,
      baseline: '-',
      ratio: '-',
      target: 'works, peak RSS < 1 GB',
      met: x.exitCode === 0 && (x.peakRssMb ?? Infinity) < MB_1GB,
    });
    const v = a.verify;
    const base = a.baseline
      ? `${a.baseline.historiesPerSecond} /s on one core (${n(a.baseline.histories)} histories${a.baseline.sample ? ', a sample' : ''}, ${a.baseline.failures} failed)`
      : `not measured: ${a.baselineError ?? 'no baseline'}`;
    rows.push({
      figure: `audit verify of that bundle: histories per second`,
      value: !v
        ? 'not run (the export failed)'
        : v.exitCode === 0
          ? `${v.historiesPerSecond} /s (${v.wallSeconds} s, peak RSS ${v.peakRssMb ?? '?'} MB, ${v.cpuSeconds ?? '?'} CPU s, verdict ${v.verdict ?? '?'}, ${v.replayed ?? '?'} replayed cleanly)`
          : `**failed** (exit ${v.exitCode}, ${v.wallSeconds} s, peak RSS ${v.peakRssMb ?? '?'} MB): ${(v.stderrTail ?? []).slice(-2).join(' ')}`,
      baseline: base,
      ratio: a.ratio === undefined ? '-' : String(a.ratio),
      target: '≥ 1.5, peak RSS < 1 GB',
      met:
        v && a.ratio !== undefined
          ? a.ratio >= 1.5 && (v.peakRssMb ?? Infinity) < MB_1GB
          : v?.exitCode === 0
            ? 'not measured'
            : false,
    });
  } else if (r.auditError)
    rows.push({
      figure: 'audit export and verify',
      value: `**failed**: ${r.auditError}`,
      baseline: '-',
      ratio: '-',
      target: 'works',
      met: false,
    });
  const s = r.asleep;
  if (s)
    rows.push({
      figure: `worker RSS, the fleet asleep (${n(s.cases)} cases, default cache)`,
      value: `${s.workerRssSteadyMb} MB ${s.settled ? 'steady' : 'still moving'} (${s.workerRssAt90sMb} MB at 90 s)`,
      baseline: '-',
      ratio: '-',
      target: '< 512 MB',
      met: s.workerRssSteadyMb < 512,
    });
  return rows;
}

const ratio = (x: number, y: number) => (y ? String(Math.round((x / y) * 100) / 100) : '-');

/** Each part that was measured, with what it cost. */
function parts(r: FleetResult): [string, PartCost][] {
  const out: [string, PartCost | undefined][] = [
    ['import', r.import?.cost],
    ['import: bare starts', r.import?.baseline.cost],
    ['after the import: first tasks, e-mails', r.import?.settle.cost],
    ['burst', r.burst?.real.cost],
    ['burst: bare', r.burst?.baseline.cost],
    ['digest', r.digest?.cost],
    ['digest: one list of every open case', r.digest?.baseline.cost],
    ['/taken', r.lists?.taken.cost],
    ['/taken: bare list', r.lists?.takenBaseline.cost],
    ['/taken, one user', r.lists?.takenAlone.cost],
    ['/taken, one user: bare list', r.lists?.takenAloneBaseline.cost],
    ['case list', r.lists?.caseList.cost],
    ['case list: bare list', r.lists?.caseListBaseline.cost],
    ['events', r.events?.real.cost],
    ['events: bare updates', r.events?.baseline.cost],
    ['audit export (the command itself: in its row)', r.audit?.export.serverCost],
  ];
  return out.filter((p): p is [string, PartCost] => p[1] !== undefined);
}

export function fleetMarkdown(r: FleetResult): string[] {
  const out: string[] = [
    "## Fleet: a large arbodienst's day on the dev server",
    '',
    `${n(r.cases)} cases, ${r.casemanagers} casemanagers (the desk casemanager ${r.deskCases} cases); phases ${r.phases.join(', ')}; ` +
      `${r.startedAt} to ${r.endedAt ?? '(running)'}${r.dir ? `; fleet kept in ${r.dir}` : ''}.`,
    '',
    `Load: at the start \`${r.uptime.start}\`; at the end \`${r.uptime.end ?? '-'}\`.`,
    '',
    '| figure | value | baseline | ratio | target | met? |',
    '| --- | --- | --- | --- | --- | --- |',
    ...fleetRows(r).map(
      (x) =>
        `| ${x.figure} | ${x.value} | ${x.baseline} | ${x.ratio} | ${x.target} | ${x.met === undefined ? '-' : x.met === true ? 'yes' : x.met === false ? '**NO — missed**' : 'not measured'} |`,
    ),
    '',
    `### What each part cost`,
    '',
    `CPU seconds / peak RSS in MB per process (${r.peakResets ? 'VmHWM reset at the start of each part' : '**VmHWM could not be reset: peaks since the process started**'}); steal: CPU time the hypervisor took in the part; load: 1-minute load average at its end.`,
    '',
    '| part | wall s | worker | server | others | steal s | load |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    ...parts(r).map(([name, c]) => {
      const p = (role: string) =>
        c.processes[role] ? `${c.processes[role].cpuSeconds} s / ${c.processes[role].peakRssMb} MB` : '-';
      const others = Object.keys(c.processes)
        .filter((role) => role !== 'worker' && role !== 'server')
        .map((role) => `${role} ${p(role)}`)
        .join('; ');
      return `| ${name} | ${c.wallSeconds} | ${p('worker')} | ${p('server')} | ${others || '-'} | ${c.stealSeconds} | ${c.load} |`;
    }),
    '',
  ];
  const notes = [...r.notes];
  if (r.import)
    notes.push(
      `After the import, every case ran its first task ${r.import.settle.firstTasksSeconds} s after the import said done; the last e-mail came ${r.import.settle.quietAfterSeconds} s later (${n(r.import.settle.emails)} e-mails: take-over summaries and reminders).`,
    );
  const w = r.import?.waits;
  if (w)
    notes.push(
      `Where the import's time went (from histories, ms): the import workflow's ${w.importRuns} run(s): its workflow tasks waited p50 ${w.import.workflowTaskWaitMs.p50} / max ${w.import.workflowTaskWaitMs.max} in the task queue (${w.import.workflowTaskWaitMs.count} tasks), its openCases activities waited p50 ${w.import.activityWaitMs.p50} / max ${w.import.activityWaitMs.max} and ran p50 ${w.import.activityRunMs.p50} / max ${w.import.activityRunMs.max} (${w.import.activityRunMs.count} of 50 cases each); a sample of ${w.caseFirstTaskMs.count} cases waited for their first workflow task p50 ${w.caseFirstTaskMs.p50} / max ${w.caseFirstTaskMs.max} after their start.`,
    );
  if (r.digest) notes.push(`Queries the worker's client sent during the digest: ${JSON.stringify(r.digest.queries)}.`);
  if (r.spanned0800)
    notes.push("**The run spanned 08:00 of a working day in Amsterdam: the fleet's own cases woke then.**");
  if (r.workerWarnings && (r.workerWarnings.warn || r.workerWarnings.error))
    notes.push(
      `The worker logged ${r.workerWarnings.warn} warnings and ${r.workerWarnings.error} errors (the last worker process); the last: ${r.workerWarnings.recent.join(' | ').slice(0, 600)}`,
    );
  if (notes.length) out.push('### Notes', '', ...notes.map((x) => `- ${x}`), '');
  return out;
}
