// Lifecycle throughput: N cases from the first sick day to their end, on a private time-skipping
// server, with the real workflow, activities and an SMTP sink. All cases open at the same server
// moment; each lives in its own dates through clockOffsetMs (see client/simulate.ts), and the story
// events are recorded, in server-time order, at 09:00 Amsterdam on their days.
import type { WorkflowHandle } from '@temporalio/client';
import { WorkflowIdReusePolicy } from '@temporalio/common';
import { bundleWorkflowCode, Worker, type WorkflowBundle } from '@temporalio/worker';
import { join } from 'node:path';
import { heartbeatConfirmer } from '../activities/heartbeat.js';
import { createActivities } from '../activities/index.js';
import { createMailer, SMTP_SESSIONS, type Mailer } from '../activities/mail.js';
import { recordEvent, type CaseClientOptions } from '../client/cases.js';
import { projectRoot } from '../scripts/temporal-binaries.js';
import { workflowsPath } from '../worker/worker.js';
import { amsterdamInstant } from '../workflows/amsterdam-time.js';
import { addDays } from '../workflows/calendar/index.js';
import type { CaseView } from '../workflows/case-api.js';
import { casemanagerKey, caseWorkflowId, type CaseWorkflowInput, type CaseEvent } from '../workflows/case-model.js';
import { CASEMANAGER_ID, CASE_STATUS, EMPLOYER_ID } from '../workflows/search-attributes.js';
import {
  fetchHistories,
  historyStats,
  runUntilClosed,
  sentMessageIds,
  startBenchEnv,
  type History,
} from './harness.js';
import { expectedEmails } from './expected-emails.js';
import { generateStories, type CaseKind, type CaseStory } from './mix.js';
import { startCountingSink } from './smtp-sink.js';
import { bundlerLogger, distribution, mb, pool, progress, round, rssSampler, type Distribution } from './util.js';

const DAY = 86_400_000;

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
  notClosed: number;
  phases: Record<string, number>;
  /** How many distinct server moments the driver stopped at to record events. */
  eventMoments: number;
}

export interface EventMoment {
  atMs: number;
  /** Story index → number of events recorded for that case at this moment. */
  cases: [number, number][];
}

export interface LifecycleOutput {
  result: LifecycleResult;
  /** For the replay measurement: the histories and the bundle and converter that decode them. */
  histories: { workflowId: string; history: History }[];
  workflowBundle: WorkflowBundle;
  /** The driver's stops (ms after the start) and whose events it recorded there: the baseline does the same. */
  moments: EventMoment[];
  dataConverter: ReturnType<typeof import('../client/codec.js').encryptingDataConverter>;
}

/**
 * `smtp: false`: the same run with the mailer replaced by one that only counts each Message-ID (the
 * rest of notify, the exactly-once confirmation included, runs as always): what the orchestration
 * costs without the SMTP conversations.
 */
export async function runLifecycle(
  cases: number,
  seed: number,
  { smtp = true }: { smtp?: boolean } = {},
): Promise<LifecycleOutput> {
  const log = progress(smtp ? 'lifecycle' : 'lifecycle without SMTP');
  const phases: Record<string, number> = {};
  const bench = await startBenchEnv((l) => log(l, true));
  const sink = await startCountingSink();
  const mailer: Mailer = smtp
    ? createMailer(sink.url, 'Poortwachter bench <poortwachter@bench.invalid>')
    : {
        async send(email) {
          sink.record(email.messageId);
          return { accepted: [...email.to, ...(email.cc ?? [])], rejected: [] };
        },
        close() {},
      };
  try {
    log('bundling the workflow code', true);
    const workflowBundle = await bundleWorkflowCode({ workflowsPath, logger: bundlerLogger((l) => log(l, true)) });
    const taskQueue = `bench-lifecycle-${smtp ? 'smtp' : 'nosmtp'}-${process.pid}`;
    const worker = await Worker.create({
      connection: bench.env.nativeConnection,
      namespace: bench.namespace,
      taskQueue,
      workflowBundle,
      maxConcurrentActivityTaskExecutions: SMTP_SESSIONS, // as worker/worker.ts
      // The activities as the production worker wires them: notify waits until the server holds its
      // "accepted" heartbeat (exactly-once delivery), which costs a describe call or a few per e-mail.
      activities: createActivities({
        mailer,
        templatesDir: join(projectRoot, 'templates'),
        confirmHeartbeat: heartbeatConfirmer(bench.env.nativeConnection.workflowService, bench.namespace),
      }),
      dataConverter: bench.dataConverter,
    });
    const stories = generateStories(cases, seed);
    const mix = {} as Record<CaseKind, number>;
    for (const s of stories) mix[s.kind] = (mix[s.kind] ?? 0) + 1;
    const casesOpts: CaseClientOptions = { client: bench.env.client, taskQueue };

    const rss = rssSampler();
    let handles: WorkflowHandle[] = [];
    let refused = 0;
    const refusedExamples = new Set<string>();
    let storyEvents = 0;
    let wall = 0;
    let notClosed = 0;
    let stops: EventMoment[] = [];
    await worker.runUntil(async () => {
      const t0 = Date.now();
      const serverStart = await bench.env.currentTimeMs();
      const offsetOf = (s: CaseStory) => serverStart - amsterdamInstant(s.open.firstSickDay, 8);

      // Open every case at the same server moment (08:00 on its own first sick day).
      let opened = 0;
      handles = await pool(stories, 50, async (s) => {
        const input: CaseWorkflowInput = { open: s.open, clockOffsetMs: offsetOf(s) };
        const h = await bench.client.workflow.start('caseWorkflow', {
          taskQueue,
          workflowId: caseWorkflowId(s.open.caseId),
          args: [input],
          workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
          typedSearchAttributes: [
            { key: CASE_STATUS, value: 'open' },
            { key: CASEMANAGER_ID, value: casemanagerKey(s.open.casemanager.email) },
            { key: EMPLOYER_ID, value: s.open.employer.id },
          ],
        });
        opened++;
        log(`opened ${opened}/${stories.length}`);
        return h;
      });
      phases.openSeconds = round((Date.now() - t0) / 1000);
      log(`opened ${stories.length} cases in ${phases.openSeconds}s`, true);

      // Every story event at its server moment; a case's events of one moment in order.
      const moments = new Map<number, { story: CaseStory; event: CaseEvent }[]>();
      for (const s of stories) {
        for (const e of s.events) {
          const at = amsterdamInstant(addDays(s.open.firstSickDay, e.day), 9) + offsetOf(s);
          const list = moments.get(at) ?? [];
          list.push({ story: s, event: { actor: 'casemanager@arbo.example', ...e.event } as CaseEvent });
          moments.set(at, list);
          storyEvents++;
        }
      }
      const times = [...moments.keys()].sort((a, b) => a - b);
      stops = times.map((t) => {
        const perCase = new Map<number, number>();
        for (const { story } of moments.get(t)!) perCase.set(story.index, (perCase.get(story.index) ?? 0) + 1);
        return { atMs: t - serverStart, cases: [...perCase] };
      });
      let recorded = 0;
      for (const at of times) {
        const now = await bench.env.currentTimeMs();
        if (at > now) await bench.env.sleep(at - now);
        const byCase = new Map<number, CaseEvent[]>();
        for (const { story, event } of moments.get(at)!) {
          byCase.set(story.index, [...(byCase.get(story.index) ?? []), event]);
        }
        await pool([...byCase.entries()], 64, async ([index, events]) => {
          for (const event of events) {
            try {
              await recordEvent(casesOpts, stories[index]!.open.caseId, event);
            } catch (err) {
              refused++;
              if (refusedExamples.size < 5)
                refusedExamples.add(`${event.type}: ${(err as Error).message}`.slice(0, 200));
            }
            recorded++;
          }
        });
        log(
          `day ${Math.round((at - serverStart) / DAY)}: ${recorded}/${storyEvents} events, ${sink.total()} e-mails, rss ${mb(process.memoryUsage().rss)} MB`,
        );
      }
      phases.eventsSeconds = round((Date.now() - t0) / 1000 - phases.openSeconds!);
      log(`recorded ${recorded} events (${refused} refused); running the cases to their end`, true);
      const { open } = await runUntilClosed(bench, handles, { stepMs: 60 * DAY, maxMs: 4 * 365 * DAY, log });
      notClosed = open;
      wall = (Date.now() - t0) / 1000;
      phases.toEndSeconds = round(wall - phases.openSeconds! - phases.eventsSeconds!);
    });
    const peak = rss.stop();

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
    const views = await pool(handles, 32, (h) => h.result() as Promise<CaseView>);
    const recorded = sentMessageIds(views);
    const timelineDisagreements =
      [...recorded].filter((id) => !sink.counts.has(id)).length +
      [...sink.counts.keys()].filter((id) => !recorded.has(id)).length;
    phases.checkEmailsSeconds = round((Date.now() - tCheck) / 1000);

    const tHist = Date.now();
    const histories = await fetchHistories(handles, log);
    phases.fetchHistoriesSeconds = round((Date.now() - tHist) / 1000);
    const stats = histories.map(historyStats);
    const standard = stats.filter((_, i) => stories[i]!.kind === 'long-to-end');
    const workflowTasks = stats.reduce((s, h) => s + h.workflowTasks, 0);
    const result: LifecycleResult = {
      cases,
      seed,
      mix,
      storyEvents,
      refusedEvents: refused,
      refusedExamples: [...refusedExamples],
      wallSeconds: round(wall),
      casesPerSecond: round(cases / wall),
      workflowTasks,
      workflowTasksPerSecond: round(workflowTasks / wall),
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
      workerPeakRssMb: mb(peak),
      notClosed,
      phases,
      eventMoments: stops.length,
    };
    log(`done: ${result.casesPerSecond} cases/s, ${result.emailsSent} e-mails`, true);
    return {
      result,
      histories: histories.map((history, i) => ({ workflowId: handles[i]!.workflowId, history })),
      workflowBundle,
      moments: stops,
      dataConverter: bench.dataConverter,
    };
  } finally {
    mailer.close();
    await sink.close();
    await bench.env.teardown();
  }
}
