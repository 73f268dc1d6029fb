// Lifecycle throughput: N cases from the first sick day to their end, on a private time-skipping
// server, with the real workflow, activities and an SMTP sink. The cases of a cohort open at the same
// server moment; each lives in its own dates through clockOffsetMs (see tools/simulate.ts), and the
// story events are recorded, in server-time order, at 09:00 Amsterdam on their days.
import { WorkflowIdReusePolicy } from '@temporalio/common';
import type { WorkflowBundle } from '@temporalio/worker';
import { join } from 'node:path';
import { createActivities } from '../activities/index.js';
import { casemanagerIds, searchKeysOf } from '../runtime/search-keys.js';
import { createMailer, SMTP_SESSIONS, type Mailer } from '../activities/mail.js';
import { recordEvent, type CaseClientOptions } from '../client/cases.js';
import { projectRoot } from '../runtime/project.js';
import { bundleWorkflows } from '../runtime/workflow-bundle.js';
import { amsterdamInstant } from '../workflows/calendar/amsterdam-time.js';
import { addDays } from '../workflows/calendar/index.js';
import type { CaseView } from '../workflows/case-api.js';
import { caseWorkflowId, type CaseWorkflowInput, type CaseEvent } from '../workflows/case-model.js';
import { CASEMANAGER_ID, CASE_STATUS, EMPLOYER_ID } from '../workflows/search-attributes.js';
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
  sentMessageIds,
  type BenchEnv,
  type CohortTiming,
  type CpuSeconds,
  type EventMoment,
  type History,
  type HistoryStats,
} from './harness.js';
import { traceOf, type Trace } from './trace.js';
import { expectedEmails } from './expected-emails.js';
import { generateStories, type CaseKind, type CaseStory } from './mix.js';
import { startCountingSink } from './smtp-sink.js';
import { bundlerLogger, distribution, mb, pool, progress, round, type Distribution } from './util.js';

export interface LifecycleResult {
  cases: number;
  seed: number;
  mix: Record<CaseKind, number>;
  storyEvents: number;
  refusedEvents: number;
  refusedExamples: string[];
  wallSeconds: number;
  casesPerSecond: number;
  workflowTasks: number;
  workflowTasksPerSecond: number;
  emailsSent: number;
  /**
   * `expected`: what the calendar says is due (bench/expected-emails.ts); `missing`/`unexpected` against
   * it; `timelineDisagreements`: Message-IDs the cases' timelines and the SMTP sink do not agree on.
   */
  emails: {
    expected: number;
    distinct: number;
    duplicates: number;
    missing: number;
    unexpected: number;
    examples: string[];
    timelineDisagreements: number;
    exactlyOnce: boolean;
  };
  historyEvents: Distribution;
  historyBytes: Distribution;
  /** The long cases that ran to the end of the 104 weeks without sanction: the "standard" case. */
  standard104Week: { events: Distribution; bytes: Distribution };
  timersPerCase: number;
  activitiesPerCase: number;
  workerPeakRssMb: number;
  /** CPU seconds in the timed part: the bench process (driver, worker, SMTP sink) and the test servers. */
  cpuSeconds: CpuSeconds;
  notClosed: number;
  /** Cases whose workflow failed (a bug: a case never fails on purpose). */
  failed: number;
  phases: Record<string, number>;
  /** How many distinct server moments the driver stopped at to record events (all cohorts). */
  eventMoments: number;
  /** At most this many cases ran at once: a cohort opens when the one before it has ended. */
  cohortSize: number;
}

/** Cases that ran together: opened at one server moment, the next cohort only after they all ended. */
export interface Cohort {
  /** Story indices. */
  indices: number[];
  /** The driver's stops (ms after the cohort's start) and whose events it recorded there. */
  moments: EventMoment[];
}

export interface LifecycleOutput {
  result: LifecycleResult;
  /** For the replay measurement: the first `replayHistories` histories, and the bundle and converter that decode them. */
  histories: { workflowId: string; history: History }[];
  /** Every case's trace (story order): the baseline replays them, cohort by cohort, stopping where the driver stopped. */
  traces: Trace[];
  cohorts: Cohort[];
  workflowBundle: WorkflowBundle;
  dataConverter: ReturnType<typeof import('../runtime/codec.js').encryptingDataConverter>;
}

export const DEFAULT_COHORT = 1000;
export const DEFAULT_REPLAY_HISTORIES = 1000;

/**
 * A lifecycle run taken one cohort at a time, so that bench/run.ts can run the baseline's cohort right
 * after the lifecycle's: both then see the machine in the same state (on a shared virtual machine the
 * CPU the hypervisor takes away changes from one quarter of an hour to the next).
 */
export interface LifecycleRun {
  cohortCount: number;
  /** Runs cohort `k` (each once, in order) on a server of its own; afterwards its traces are in `traces`. */
  runCohort(k: number): Promise<CohortTiming>;
  /** Every case's trace so far, in story order: the baseline replays them, cohort by cohort. */
  readonly traces: readonly Trace[];
  /** The cohorts run so far, with the driver's stops. */
  readonly cohorts: readonly Cohort[];
  /** After the last cohort: the e-mail check against the calendar, and the figures. */
  finish(): LifecycleOutput;
  /** Stops the SMTP sink and the mailer. */
  close(): Promise<void>;
}

/**
 * `smtp: false`: the same run with the mailer replaced by one that only counts each Message-ID (the
 * rest of notify runs as always): what the orchestration costs without the SMTP conversations.
 *
 * `cohortSize`: the cases run in cohorts of at most this many. Two years pass in minutes here, so
 * every case of a cohort is awake at once, and the worker must hold them all in its workflow cache
 * (each case has its own copy of the workflow's modules, zod included: above 1 MB). With 10,000 at
 * once the bench process grew past 15 GB before the first clock stop was done; in real time the same
 * 10,000 cases wake up a few at a time.
 */
export async function openLifecycle(
  cases: number,
  seed: number,
  {
    smtp = true,
    cohortSize = DEFAULT_COHORT,
    replayHistories = DEFAULT_REPLAY_HISTORIES,
  }: { smtp?: boolean; cohortSize?: number; replayHistories?: number } = {},
): Promise<LifecycleRun> {
  const log = progress(smtp ? 'lifecycle' : 'lifecycle without SMTP');
  const phases: Record<string, number> = {};
  const dataConverter = benchDataConverter();
  const sink = await startCountingSink();
  const mailer: Mailer = smtp
    ? createMailer(sink.url, 'Poortwachter bench <poortwachter@bench.invalid>')
    : {
        async send(email) {
          sink.record(email.messageId);
          return { accepted: [...email.to, ...(email.cc ?? [])], refused: [] };
        },
        close() {},
      };
  const close = async () => {
    mailer.close();
    await sink.close();
  };
  try {
    log('bundling the workflow code', true);
    const workflowBundle = await bundleWorkflows(bundlerLogger((l) => log(l, true)));
    const taskQueue = `bench-lifecycle-${smtp ? 'smtp' : 'nosmtp'}-${process.pid}`;
    const stories = generateStories(cases, seed);
    const mix = {} as Record<CaseKind, number>;
    for (const s of stories) mix[s.kind] = (mix[s.kind] ?? 0) + 1;

    const refusedExamples = new Set<string>();
    let refused = 0;
    let storyEvents = 0;
    let recorded = 0;
    const totals = noCohortsYet();
    let notClosed = 0;
    let failed = 0;
    const cohorts: Cohort[] = [];
    // Per case, as soon as its cohort ended: statistics and trace of its history, the Message-IDs its
    // timeline records; whole histories only for the replay sample (10,000 would not fit in memory).
    const stats: HistoryStats[] = [];
    const traces: Trace[] = [];
    const replaySample: { workflowId: string; history: History }[] = [];
    const recordedIds = new Set<string>();
    const status = () =>
      `${recorded}/${storyEvents} events (${refused} refused), ${sink.total()} e-mails, rss ${mb(process.memoryUsage().rss)} MB`;
    const add = (phase: string, seconds: number) => (phases[phase] = round((phases[phase] ?? 0) + seconds));

    /** One cohort on its own server: open, drive, read the results and histories. */
    async function runCohort(
      bench: BenchEnv,
      casesOpts: CaseClientOptions,
      cohort: CaseStory[],
      say: (line: string, force?: boolean) => void,
    ): Promise<CohortTiming> {
      const meter = cohortMeter(bench, totals);
      const keys = searchKeysOf(bench.dataConverter.payloadCodecs ?? []);
      const serverStart = await bench.env.currentTimeMs();
      const offsetOf = (s: CaseStory) => serverStart - amsterdamInstant(s.open.firstSickDay, 8);

      // Open every case of the cohort at the same server moment (08:00 on its own first sick day).
      let opened = 0;
      const handles = await pool(cohort, 50, async (s) => {
        const input: CaseWorkflowInput = { open: s.open, clockOffsetMs: offsetOf(s) };
        const h = await bench.client.workflow.start('caseWorkflow', {
          taskQueue,
          workflowId: caseWorkflowId(s.open.caseId),
          args: [input],
          workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
          typedSearchAttributes: [
            { key: CASE_STATUS, value: 'open' },
            { key: CASEMANAGER_ID, value: casemanagerIds(keys, s.open.casemanager.email)[0]! },
            { key: EMPLOYER_ID, value: s.open.employer.id },
          ],
        });
        opened++;
        say(`opened ${opened}/${cohort.length}`);
        return h;
      });
      const openSeconds = meter.seconds();
      add('openSeconds', openSeconds);
      say(`opened ${cohort.length} cases in ${round(openSeconds)}s`, true);

      // Every story event at its server moment (ms after the cohort's start); a case's events of one
      // moment in order.
      const eventsAt = new Map<number, Map<number, CaseEvent[]>>();
      for (const s of cohort) {
        for (const e of s.events) {
          const atMs = amsterdamInstant(addDays(s.open.firstSickDay, e.day), 9) + offsetOf(s) - serverStart;
          const byCase = eventsAt.get(atMs) ?? new Map<number, CaseEvent[]>();
          byCase.set(s.index, [
            ...(byCase.get(s.index) ?? []),
            { actor: 'casemanager@arbo.example', ...e.event } as CaseEvent,
          ]);
          eventsAt.set(atMs, byCase);
          storyEvents++;
        }
      }
      const moments: EventMoment[] = [...eventsAt.keys()]
        .sort((a, b) => a - b)
        .map((atMs) => ({ atMs, cases: [...eventsAt.get(atMs)!].map(([index, events]) => [index, events.length]) }));
      cohorts.push({ indices: cohort.map((s) => s.index), moments });
      const drive = await driveCohort(bench, {
        serverStart,
        moments,
        handles,
        act: async (index, k, m) => {
          const event = eventsAt.get(m.atMs)!.get(index)![k]!;
          try {
            await recordEvent(casesOpts, stories[index]!.open.caseId, event);
          } catch (err) {
            refused++;
            if (refusedExamples.size < 5) refusedExamples.add(`${event.type}: ${(err as Error).message}`.slice(0, 200));
          }
          recorded++;
        },
        log: say,
        status,
      });
      add('eventsSeconds', drive.eventsSeconds);
      add('toEndSeconds', drive.toEndSeconds);
      notClosed += drive.open.length;
      const timing = meter.stop(cohort.length);

      // Outside the timed part: what the cases' timelines recorded, and their histories. A case still
      // open has no result (waiting for it would hang: time no longer skips), a failed one throws:
      // both are counted, and their e-mails show up as missing or unexpected in the check below.
      const tCheck = Date.now();
      const open = new Set(drive.open.map((h) => h.workflowId));
      const views = await pool(handles, 32, async (h) => {
        if (open.has(h.workflowId)) return undefined;
        try {
          return (await h.result()) as CaseView;
        } catch {
          failed++;
          return undefined;
        }
      });
      for (const id of sentMessageIds(views.filter((v): v is CaseView => v !== undefined))) recordedIds.add(id);
      add('readResultsSeconds', (Date.now() - tCheck) / 1000);
      const tHist = Date.now();
      const histories = await fetchHistories(handles, say);
      histories.forEach((history, i) => {
        stats.push(historyStats(history));
        traces.push(traceOf(history));
        if (replaySample.length < replayHistories) replaySample.push({ workflowId: handles[i]!.workflowId, history });
      });
      add('fetchHistoriesSeconds', (Date.now() - tHist) / 1000);
      return timing;
    }

    const cohortCount = Math.ceil(stories.length / cohortSize);
    let cohortsRun = 0;
    const runCohortOnItsServer = (k: number): Promise<CohortTiming> => {
      if (k !== cohortsRun) throw new Error(`lifecycle: cohort ${k} run out of turn (next is ${cohortsRun})`);
      cohortsRun++;
      const cohort = stories.slice(k * cohortSize, (k + 1) * cohortSize);
      const say = (l: string, force?: boolean) => log(`${cohortLabel(k, cohortCount)}${l}`, force);
      return onCohortServer(
        (l) => say(l, true),
        dataConverter,
        () => ({
          taskQueue,
          workflowBundle,
          maxConcurrentActivityTaskExecutions: SMTP_SESSIONS, // as worker/worker.ts
          // The activities as the production worker wires them (worker/worker.ts).
          activities: createActivities({
            mailer,
            templatesDir: join(projectRoot, 'templates'),
            searchKeys: searchKeysOf(dataConverter.payloadCodecs ?? [])!,
          }),
        }),
        (bench) => runCohort(bench, { client: bench.env.client, taskQueue }, cohort, say),
      );
    };

    const finish = (): LifecycleOutput => {
      if (cohortsRun !== cohortCount) throw new Error(`lifecycle: ${cohortsRun} of ${cohortCount} cohorts run`);

      // What the calendar says is due (computed without Temporal, bench/expected-emails.ts) against what
      // the SMTP server received; and what the cases' own timelines say they sent, as a second opinion.
      const tCheck = Date.now();
      const expected = new Map<string, string>();
      for (const s of stories)
        for (const e of expectedEmails(s).emails) expected.set(e.messageId, `${s.open.caseId} ${e.key}`);
      let duplicates = 0;
      const unexpectedIds: string[] = [];
      for (const [id, n] of sink.counts) {
        if (n > 1) duplicates += n - 1;
        if (!expected.has(id)) unexpectedIds.push(id);
      }
      const missingKeys = [...expected].filter(([id]) => !sink.counts.has(id)).map(([, key]) => key);
      const timelineDisagreements =
        [...recordedIds].filter((id) => !sink.counts.has(id)).length +
        [...sink.counts.keys()].filter((id) => !recordedIds.has(id)).length;
      add('checkEmailsSeconds', (Date.now() - tCheck) / 1000);

      const standard = stats.filter((_, i) => stories[i]!.kind === 'long-to-end');
      const workflowTasks = stats.reduce((s, h) => s + h.workflowTasks, 0);
      const result: LifecycleResult = {
        cases,
        seed,
        mix,
        storyEvents,
        refusedEvents: refused,
        refusedExamples: [...refusedExamples],
        wallSeconds: round(totals.wallSeconds),
        casesPerSecond: round(cases / totals.wallSeconds),
        workflowTasks,
        workflowTasksPerSecond: round(workflowTasks / totals.wallSeconds),
        emailsSent: sink.total(),
        emails: {
          expected: expected.size,
          distinct: sink.counts.size,
          duplicates,
          missing: missingKeys.length,
          unexpected: unexpectedIds.length,
          examples: [
            ...missingKeys.slice(0, 5).map((k) => `missing: ${k}`),
            ...unexpectedIds.slice(0, 5).map((id) => `unexpected: ${id}`),
          ],
          timelineDisagreements,
          exactlyOnce:
            duplicates === 0 && missingKeys.length === 0 && unexpectedIds.length === 0 && timelineDisagreements === 0,
        },
        historyEvents: distribution(stats.map((s) => s.events)),
        historyBytes: distribution(stats.map((s) => s.bytes)),
        standard104Week: {
          events: distribution(standard.map((s) => s.events)),
          bytes: distribution(standard.map((s) => s.bytes)),
        },
        timersPerCase: round(stats.reduce((s, h) => s + h.timers, 0) / cases, 2),
        activitiesPerCase: round(stats.reduce((s, h) => s + h.activities, 0) / cases, 2),
        workerPeakRssMb: mb(totals.peakRssBytes),
        cpuSeconds: roundCpu(totals.cpuSeconds),
        notClosed,
        failed,
        phases,
        eventMoments: cohorts.reduce((n, c) => n + c.moments.length, 0),
        cohortSize: Math.min(cohortSize, cases),
      };
      log(`done: ${result.casesPerSecond} cases/s, ${result.emailsSent} e-mails`, true);
      return {
        result,
        histories: replaySample,
        traces,
        workflowBundle,
        cohorts,
        dataConverter,
      };
    };
    return { cohortCount, runCohort: runCohortOnItsServer, traces, cohorts, finish, close };
  } catch (err) {
    await close();
    throw err;
  }
}
