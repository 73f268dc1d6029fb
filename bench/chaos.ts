// Resilience (`--chaos`): the lifecycle's cases on a private time-skipping server, but the worker runs
// in a child process (chaos-worker.ts) that is killed with SIGKILL twice while e-mails go out and
// restarted each time, and the SMTP server refuses every connection and transaction for a stretch.
// At the end every e-mail the cases' timelines say was sent must have arrived (nothing lost), and none
// twice.
//
// Slower per case than the lifecycle measurement: the worker runs without a workflow cache (see
// chaos-worker.ts). CHAOS_DEFAULT_CASES finishes in a few minutes on two cores.
//
// The kills are not aimed at the worst moment: a watcher looks at the sink's count every
// WATCH_MS and kills once it passed a threshold, so whatever the worker happens to be doing then is
// interrupted. What was in flight is read from the server right after each kill; a duplicate, if any,
// is traced through its case's history to the attempt that sent it again.
import { fork, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { WorkflowHandle } from '@temporalio/client';
import { defaultPayloadConverter, WorkflowIdReusePolicy, type PayloadCodec } from '@temporalio/common';
import proto from '@temporalio/proto';
import type { Notification } from '../workflows/contract.js';
import { recordEvent, type CaseClientOptions } from '../client/cases.js';
import { EncryptionCodec } from '../runtime/codec.js';
import { ENV_VARIABLES } from '../runtime/config.js';
import { projectRoot } from '../runtime/project.js';
import { casemanagerIds, searchKeysOf } from '../runtime/search-keys.js';
import { bundleWorkflows } from '../runtime/workflow-bundle.js';
import { amsterdamInstant } from '../workflows/calendar/amsterdam-time.js';
import { addDays } from '../workflows/calendar/index.js';
import type { CaseView } from '../workflows/case-api.js';
import { caseWorkflowId, type CaseEvent, type CaseWorkflowInput } from '../workflows/case-model.js';
import { CASEMANAGER_ID, CASE_STATUS, EMPLOYER_ID } from '../workflows/search-attributes.js';
import { runUntilClosed, sentMessageIds, startBenchEnv, type BenchEnv } from './harness.js';
import { expectedEmails } from './expected-emails.js';
import { generateStories, type CaseStory } from './mix.js';
import { startCountingSink, type CountingSink } from './smtp-sink.js';
import { bundlerLogger, pool, progress, round } from './util.js';

const { temporal } = proto;
const EventType = temporal.api.enums.v1.EventType;
const PendingActivityState = temporal.api.enums.v1.PendingActivityState;
const DAY = 86_400_000;

export const CHAOS_DEFAULT_CASES = 30;

/** How often the watcher looks at the sink's count. */
const WATCH_MS = 200;
/**
 * The chaos, in e-mails received per case (the cases send about 15 to 18 each, most of them early):
 * two kills and the outage, spread over the part of the run where mail flows. A step whose threshold is never reached is reported as not done (and the run as not ok).
 */
const PLAN: ChaosStep[] = [
  { kind: 'kill', emailsPerCase: 2.5 },
  { kind: 'kill', emailsPerCase: 5.5 },
  { kind: 'refuse', emailsPerCase: 8 },
];
/** The outage, in wall time: long enough for several attempts of several e-mails to fail. */
const REFUSE_SECONDS = 8;
/** The longest the whole measurement may take before it gives up and says so. */
const limitSeconds = (cases: number) => 600 + 5 * cases;
/** A copy that arrived this shortly before a kill was probably sent by the attempt the kill ended. */
const KILL_WINDOW_MS = 3_000;

interface ChaosStep {
  kind: 'kill' | 'refuse';
  emailsPerCase: number;
}

export interface ChaosKill {
  /** Wall seconds after the first case opened. */
  atSeconds: number;
  /** Server days after the first case opened. */
  serverDay: number;
  /** E-mails the sink had received when the worker was killed. */
  emailsBefore: number;
  pid: number;
  /** What the server held for the dead worker, read right after the kill. */
  inFlight: {
    /** notify attempts started on the dead worker and not finished. */
    notifyStarted: number;
    /** notify attempts waiting for a worker (scheduled, or backing off before a retry). */
    notifyWaiting: number;
    /** Cases with a workflow task outstanding. */
    workflowTasks: number;
  };
  /** Seconds from the kill until the new worker process polled. */
  restartSeconds: number;
}

export interface ChaosRefusal {
  atSeconds: number;
  serverDay: number;
  emailsBefore: number;
  /** Wall seconds the SMTP server refused connections. */
  seconds: number;
  /** Server time that passed meanwhile (time skips while no attempt is running). */
  serverHours: number;
  /** SMTP connections and transactions the server answered "421" (a pooled mailer meets both). */
  refused: number;
  /** notify attempts that failed meanwhile (worker logs), each retried by the workflow's retry policy. */
  failedAttempts: number;
}

export interface ChaosDuplicate {
  messageId: string;
  copies: number;
  /** Wall seconds after the start at which each copy arrived. */
  arrivedAtSeconds: number[];
  /** The kill that followed the first copy within KILL_WINDOW_MS, if any (1-based). */
  killAfterFirstCopy?: number;
  /** The attempt that completed the activity. */
  completedAttempt?: number;
  /** Crash between the SMTP server's 250 and notify's completion reaching Temporal. */
  documentedWindow: boolean;
  explanation: string;
}

export interface ChaosResult {
  cases: number;
  seed: number;
  /** From the first case opened until the last one closed. */
  wallSeconds: number;
  /** Including the test server, the bundle and the checks. */
  totalSeconds: number;
  serverDays: number;
  storyEvents: number;
  refusedEvents: number;
  kills: ChaosKill[];
  refusal?: ChaosRefusal;
  /** Steps of the plan whose moment never came (too few e-mails): the chaos was not complete. */
  stepsNotDone: string[];
  /** Worker processes that died without being killed by the measurement. */
  unexpectedWorkerExits: number;
  emails: {
    expected: number;
    received: number;
    distinct: number;
    duplicates: number;
    missing: number;
    unexpected: number;
  };
  /** The received e-mails against what the calendar says is due (bench/expected-emails.ts). */
  calendar: { due: number; missing: number; unexpected: number };
  duplicateDetails: ChaosDuplicate[];
  missingExamples: string[];
  notClosed: number;
  /** Cases that closed otherwise than by completing (failed, terminated): their e-mails are not checked. */
  notCompleted: number;
  timedOut: boolean;
  /** The worker processes' logs; kept only when the run was not ok. */
  workerLogs?: string;
  /** Why ok is false, in words. */
  problems: string[];
  ok: boolean;
}

type Log = (line: string, force?: boolean) => void;

export async function runChaos(options: { cases: number; seed: number }): Promise<ChaosResult> {
  const { cases, seed } = options;
  const log = progress('chaos');
  const tStart = Date.now();
  const dir = await mkdtemp(join(tmpdir(), 'poortwachter-chaos-'));
  let bench: BenchEnv | undefined;
  let sink: CountingSink | undefined;
  let workers: WorkerSupervisor | undefined;
  let keepLogs = false;
  try {
    bench = await startBenchEnv((l) => log(l, true));
    sink = await startCountingSink();
    log('bundling the workflow code once for every worker process', true);
    const bundle = await bundleWorkflows(bundlerLogger((l) => log(l, true)));
    const codePath = join(dir, 'workflow-bundle.js');
    await writeFile(codePath, bundle.code);
    const taskQueue = `bench-chaos-${process.pid}`;
    workers = new WorkerSupervisor(workerEnv(bench, sink, taskQueue, codePath), dir, log);
    await workers.start();

    const run = new ChaosRun(bench, sink, workers, taskQueue, log);
    const limit = limitSeconds(cases);
    const stories = generateStories(cases, seed);
    const driven = run.drive(stories);
    // After a time-out the driver may still be waiting on the server; the teardown ends that.
    driven.catch(() => {});
    const director = run.direct(PLAN.map((s) => ({ ...s, atEmails: Math.round(s.emailsPerCase * cases) })));
    let finished: boolean;
    try {
      finished = await Promise.race([driven.then(() => true), sleep(limit * 1000).then(() => false)]);
    } finally {
      run.finished = true;
      await director.catch((err) => run.problems.push(`chaos director failed: ${(err as Error).message}`));
    }
    if (!finished) run.problems.push(`gave up after ${limit} s: the cases did not all close (see notClosed)`);
    await workers.stop();

    const result = await run.check(cases, seed, bench.dataConverter.payloadCodecs ?? [], !finished, stories);
    result.totalSeconds = round((Date.now() - tStart) / 1000);
    keepLogs = !result.ok;
    if (keepLogs) result.workerLogs = dir;
    log(
      `${result.ok ? 'ok' : 'NOT ok'}: ${result.kills.length} kills, ${result.refusal?.failedAttempts ?? 0} attempts failed on 421, ` +
        `${result.emails.expected} e-mails expected, ${result.emails.missing} missing, ${result.emails.duplicates} duplicates, ` +
        `${result.notClosed} not closed, ${result.wallSeconds} s`,
      true,
    );
    return result;
  } finally {
    await workers?.stop();
    await sink?.close();
    await bench?.env.teardown();
    if (!keepLogs) await rm(dir, { recursive: true, force: true });
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());

// ---------------------------------------------------------------------------------------------
// The worker process

/**
 * The child's environment: this process's, without any of the project's own variables (a developer's
 * POORTWACHTER_KEYS_FILE or TEMPORAL_ADDRESS must not leak in), plus the test server, the sink and
 * the harness's throw-away key.
 */
function workerEnv(bench: BenchEnv, sink: CountingSink, taskQueue: string, codePath: string): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !ENV_VARIABLES.includes(name)));
  return {
    ...env,
    TEMPORAL_ADDRESS: bench.env.address,
    TEMPORAL_NAMESPACE: bench.namespace,
    TEMPORAL_TASK_QUEUE: taskQueue,
    SMTP_URL: sink.url,
    MAIL_FROM: 'Poortwachter bench <poortwachter@bench.invalid>',
    // The built-in default is found relative to the compiled file, which in bench/dist is one level off.
    POORTWACHTER_TEMPLATES_DIR: join(projectRoot, 'templates'),
    POORTWACHTER_KEYS: keyringText(bench.dataConverter.payloadCodecs ?? []),
    // info: a failed run keeps the worker logs (workerLogs) to trace what each process did. Failed
    // attempts are counted from the SDK's WARN lines.
    LOG_LEVEL: 'info',
    LOG_FORMAT: 'json',
    CHAOS_WORKFLOW_BUNDLE: codePath,
  };
}

/** The harness keeps its throw-away key inside the codec; the worker process needs the same key. */
function keyringText(codecs: PayloadCodec[]): string {
  const codec = codecs.find((c): c is EncryptionCodec => c instanceof EncryptionCodec);
  if (!codec) throw new Error('the bench environment has no EncryptionCodec: the worker could not read its payloads');
  const { currentKeyId, keys } = codec.keyring;
  const entries = Object.fromEntries([...keys].map(([id, key]) => [id, key.toString('base64')]));
  return JSON.stringify({ current: currentKeyId, keys: entries });
}

/** Worker processes that die on their own are replaced this many times. */
const MAX_UNEXPECTED_EXITS = 3;
/** What the SDK logs (at WARN) for every activity attempt that failed. */
const ATTEMPT_FAILED = '"msg":"Activity failed"';

/** The current worker process, restarted when killed; its output goes to a log file per process. */
class WorkerSupervisor {
  private child: ChildProcess | undefined;
  private expectedExit = false;
  private stopping = false;
  private started = 0;
  unexpectedExits = 0;
  failedAttempts = 0;

  constructor(
    private readonly env: NodeJS.ProcessEnv,
    private readonly logDir: string,
    private readonly log: Log,
  ) {}

  /** Starts a worker process and resolves once it polls. */
  async start(): Promise<void> {
    const n = ++this.started;
    const child = fork(new URL('./chaos-worker.js', import.meta.url).pathname, [], {
      env: this.env,
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    this.child = child;
    this.expectedExit = false;
    const logFile = createWriteStream(join(this.logDir, `worker-${n}.log`));
    child.stderr!.pipe(logFile, { end: false });
    child.stdout!.on('data', (chunk: Buffer) => {
      logFile.write(chunk);
      // A chunk may cut a line in two, but the phrases are short: at worst one is not counted.
      const text = chunk.toString('utf8');
      this.failedAttempts += text.split(ATTEMPT_FAILED).length - 1;
    });
    child.once('exit', (code, signal) => {
      logFile.end();
      if (this.expectedExit || this.stopping) return;
      this.unexpectedExits++;
      this.log(`worker ${n} (pid ${child.pid}) died on its own (${signal ?? code}); see its log`, true);
      // A worker that keeps dying will not get better: the time limit ends the run then.
      if (this.unexpectedExits > MAX_UNEXPECTED_EXITS) return;
      this.start().catch((err) => this.log(`could not restart the worker: ${(err as Error).message}`, true));
    });
    await readyOf(child, n);
    this.log(`worker ${n} (pid ${child.pid}) polling`, true);
  }

  /** SIGKILL, as the kernel's OOM killer or a pulled plug would: no shutdown, no goodbye. */
  async kill(): Promise<number> {
    const child = this.child!;
    this.expectedExit = true;
    const gone = exited(child);
    child.kill('SIGKILL');
    await gone;
    return child.pid ?? 0;
  }

  /** Stops the current worker cleanly (SIGTERM), and with SIGKILL if it does not stop in time. */
  async stop(): Promise<void> {
    this.stopping = true;
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const gone = exited(child);
    child.kill('SIGTERM');
    if (!(await Promise.race([gone.then(() => true), sleep(15_000).then(() => false)]))) {
      child.kill('SIGKILL');
      await gone;
    }
  }
}

const exited = (child: ChildProcess) =>
  child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve()
    : new Promise<void>((resolve) => child.once('exit', () => resolve()));

function readyOf(child: ChildProcess, n: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`worker ${n} did not start within 60 s`)), 60_000);
    child.on('message', (m: { type?: string }) => {
      if (m?.type !== 'ready') return;
      clearTimeout(timer);
      resolve();
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`worker ${n} exited (${signal ?? code}) before it polled`));
    });
  });
}

// ---------------------------------------------------------------------------------------------
// The run: the driver (cases and their events), the director (the chaos), the check

class ChaosRun {
  finished = false;
  problems: string[] = [];
  private t0 = Date.now();
  private serverStart = 0;
  private handles: WorkflowHandle[] = [];
  private storyEvents = 0;
  private refusedEvents = 0;
  private notClosed = -1;
  private wallSeconds = 0;
  private serverDays = 0;
  private kills: ChaosKill[] = [];
  private refusal: ChaosRefusal | undefined;
  private stepsNotDone: string[] = [];

  constructor(
    private readonly bench: BenchEnv,
    private readonly sink: CountingSink,
    private readonly workers: WorkerSupervisor,
    private readonly taskQueue: string,
    private readonly log: Log,
  ) {}

  /** Opens every case at one server moment, records the story events at theirs, runs on to the end. */
  async drive(stories: CaseStory[]): Promise<void> {
    this.t0 = Date.now();
    this.serverStart = await this.bench.env.currentTimeMs();
    const offsetOf = (s: CaseStory) => this.serverStart - amsterdamInstant(s.open.firstSickDay, 8);
    this.handles = await pool(stories, 20, (s) => this.open(s, offsetOf(s)));
    this.log(`opened ${stories.length} cases`, true);

    const moments = eventMoments(stories, offsetOf);
    this.storyEvents = [...moments.values()].reduce((n, list) => n + list.length, 0);
    let recorded = 0;
    for (const [at, list] of [...moments].sort(([a], [b]) => a - b)) {
      const now = await this.bench.env.currentTimeMs();
      if (at > now) await this.bench.env.sleep(at - now);
      await this.recordAll(stories, list);
      recorded += list.length;
      this.log(`day ${this.serverDay(at)}: ${recorded}/${this.storyEvents} events, ${this.sink.total()} e-mails`);
    }
    this.log(`recorded ${recorded} events (${this.refusedEvents} refused); running the cases to their end`, true);
    const { open } = await runUntilClosed(this.bench, this.handles, {
      log: this.log,
      status: () => `${this.sink.total()} e-mails`,
    });
    this.notClosed = open.length;
    this.wallSeconds = (Date.now() - this.t0) / 1000;
    this.serverDays = this.serverDay(await this.bench.env.currentTimeMs());
  }

  private async open(s: CaseStory, clockOffsetMs: number): Promise<WorkflowHandle> {
    const args: [CaseWorkflowInput] = [{ open: s.open, clockOffsetMs }];
    return this.bench.client.workflow.start('caseWorkflow', {
      taskQueue: this.taskQueue,
      workflowId: caseWorkflowId(s.open.caseId),
      args,
      workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
      typedSearchAttributes: [
        { key: CASE_STATUS, value: 'open' },
        {
          key: CASEMANAGER_ID,
          value: casemanagerIds(
            searchKeysOf(this.bench.dataConverter.payloadCodecs ?? []),
            s.open.casemanager.email,
          )[0]!,
        },
        { key: EMPLOYER_ID, value: s.open.employer.id },
      ],
    });
  }

  /** One moment's events: cases in parallel, each case's own events in their order. */
  private async recordAll(stories: CaseStory[], list: { index: number; event: CaseEvent }[]): Promise<void> {
    const byCase = new Map<number, CaseEvent[]>();
    for (const { index, event } of list) byCase.set(index, [...(byCase.get(index) ?? []), event]);
    const cases: CaseClientOptions = { client: this.bench.env.client, taskQueue: this.taskQueue };
    await pool([...byCase], 32, async ([index, events]) => {
      for (const event of events) {
        // A refusal is the case's answer to an event the mix made up badly, not a resilience failure.
        await recordEvent(cases, stories[index]!.open.caseId, event).catch(() => this.refusedEvents++);
      }
    });
  }

  private serverDay(ms: number): number {
    return round((ms - this.serverStart) / DAY, 1);
  }

  /** Wall seconds of `wallMs` and the server day now. */
  private async when(wallMs = Date.now()): Promise<{ atSeconds: number; serverDay: number }> {
    return {
      atSeconds: round((wallMs - this.t0) / 1000, 3),
      serverDay: this.serverDay(await this.bench.env.currentTimeMs()),
    };
  }

  /** Carries out the plan, one step after another, each once the sink has seen enough e-mails. */
  async direct(plan: (ChaosStep & { atEmails: number })[]): Promise<void> {
    for (const step of plan) {
      while (!this.finished && this.sink.total() < step.atEmails) await sleep(WATCH_MS);
      if (this.finished) {
        this.stepsNotDone.push(`${step.kind} at ${step.atEmails} e-mails (only ${this.sink.total()} were sent)`);
        continue;
      }
      if (step.kind === 'kill') await this.killWorker();
      else await this.refuseSmtp();
    }
  }

  private async killWorker(): Promise<void> {
    const emailsBefore = this.sink.total();
    const killedAt = Date.now();
    const pid = await this.workers.kill();
    // The moment of the signal, not of the exit: it is compared with the e-mails' arrival times.
    const when = await this.when(killedAt);
    const inFlight = await this.inFlight();
    this.log(
      `killed worker pid ${pid} (SIGKILL) after ${emailsBefore} e-mails, day ${when.serverDay}: ` +
        `${inFlight.notifyStarted} notify attempts in flight, ` +
        `${inFlight.notifyWaiting} waiting, ${inFlight.workflowTasks} workflow tasks`,
      true,
    );
    await this.workers.start();
    const restartSeconds = round((Date.now() - killedAt) / 1000);
    this.kills.push({ ...when, emailsBefore, pid, inFlight, restartSeconds });
  }

  /** What the server holds for the worker that just died. */
  private async inFlight(): Promise<ChaosKill['inFlight']> {
    const descriptions = await pool(this.handles, 32, (h) => h.describe().catch(() => undefined));
    const counts = { notifyStarted: 0, notifyWaiting: 0, workflowTasks: 0 };
    for (const d of descriptions) {
      if (!d || d.status.name !== 'RUNNING') continue;
      if (d.raw.pendingWorkflowTask) counts.workflowTasks++;
      for (const a of d.raw.pendingActivities ?? []) {
        if (a.activityType?.name !== 'notify') continue;
        if (a.state !== PendingActivityState.PENDING_ACTIVITY_STATE_STARTED) {
          counts.notifyWaiting++;
          continue;
        }
        counts.notifyStarted++;
      }
    }
    return counts;
  }

  private async refuseSmtp(): Promise<void> {
    const emailsBefore = this.sink.total();
    const refusedBefore = this.sink.refused();
    const failedBefore = this.workers.failedAttempts;
    const start = await this.when();
    const serverFrom = await this.bench.env.currentTimeMs();
    this.sink.refuse(true);
    this.log(`SMTP server refuses connections for ${REFUSE_SECONDS} s (after ${emailsBefore} e-mails)`, true);
    await sleep(REFUSE_SECONDS * 1000);
    this.sink.refuse(false);
    const serverTo = await this.bench.env.currentTimeMs();
    const refused = this.sink.refused() - refusedBefore;
    // The last failures reach the log a moment after the 421 that caused them.
    await sleep(500);
    const failedAttempts = this.workers.failedAttempts - failedBefore;
    this.log(`SMTP server accepts again; it refused ${refused} times, ${failedAttempts} notify attempts failed`, true);
    this.refusal = {
      ...start,
      emailsBefore,
      seconds: REFUSE_SECONDS,
      serverHours: round((serverTo - serverFrom) / 3_600_000, 1),
      refused,
      failedAttempts,
    };
  }

  /** The cases' own record of what they sent, against what the SMTP server received. */
  async check(
    cases: number,
    seed: number,
    codecs: PayloadCodec[],
    timedOut: boolean,
    stories: CaseStory[],
  ): Promise<ChaosResult> {
    const { expected, notCompleted } = await this.readTimelines();
    // And against what the calendar says is due (bench/expected-emails.ts), as the lifecycle checks.
    const due = new Set(stories.flatMap((s) => [...expectedEmails(s).messageIds]));
    const calendar = {
      due: due.size,
      missing: [...due].filter((id) => !this.sink.counts.has(id)).length,
      unexpected: [...this.sink.counts.keys()].filter((id) => !due.has(id)).length,
    };
    let duplicates = 0;
    let unexpected = 0;
    const duplicated: string[] = [];
    for (const [id, n] of this.sink.counts) {
      if (n > 1) {
        duplicates += n - 1;
        duplicated.push(id);
      }
      if (!expected.has(id)) unexpected++;
    }
    const missing = [...expected].filter((id) => !this.sink.counts.has(id));
    const duplicateDetails = await pool(duplicated, 4, (id) => this.explainDuplicate(id, codecs));
    const emails = {
      expected: expected.size,
      received: this.sink.total(),
      distinct: this.sink.counts.size,
      duplicates,
      missing: missing.length,
      unexpected,
    };
    const notClosed = this.notClosed >= 0 ? this.notClosed : await this.countOpen();
    const problems = [...this.problems];
    if (this.stepsNotDone.length) problems.push(`chaos not complete: ${this.stepsNotDone.join('; ')}`);
    if (this.workers.unexpectedExits)
      problems.push(`${this.workers.unexpectedExits} worker process(es) died on their own`);
    if (missing.length) problems.push(`${missing.length} e-mail(s) lost`);
    if (duplicates) problems.push(`${duplicates} e-mail(s) sent twice`);
    if (unexpected) problems.push(`${unexpected} e-mail(s) no case accounts for`);
    if (calendar.missing || calendar.unexpected)
      problems.push(`against the calendar: ${calendar.missing} due but not received, ${calendar.unexpected} not due`);
    if (notClosed) problems.push(`${notClosed} case(s) not closed`);
    if (notCompleted) problems.push(`${notCompleted} case(s) closed without completing (failed or terminated)`);
    if (this.refusal && this.refusal.refused === 0) problems.push('the SMTP outage refused nothing: no e-mail was due');
    return {
      cases,
      seed,
      wallSeconds: round(timedOut ? (Date.now() - this.t0) / 1000 : this.wallSeconds),
      totalSeconds: 0,
      serverDays: this.serverDays,
      storyEvents: this.storyEvents,
      refusedEvents: this.refusedEvents,
      kills: this.kills,
      refusal: this.refusal,
      stepsNotDone: this.stepsNotDone,
      unexpectedWorkerExits: this.workers.unexpectedExits,
      emails,
      calendar,
      duplicateDetails,
      missingExamples: missing.slice(0, 5),
      notClosed,
      notCompleted,
      timedOut,
      problems,
      ok: problems.length === 0,
    };
  }

  /** Every Message-ID the completed cases' timelines record as sent. Cases still open are not read. */
  private async readTimelines(): Promise<{ expected: Set<string>; notCompleted: number }> {
    const statuses = await pool(
      this.handles,
      32,
      async (h) => (await h.describe().catch(() => undefined))?.status.name,
    );
    const completed = this.handles.filter((_, i) => statuses[i] === 'COMPLETED');
    const views = await pool(completed, 32, (h) => h.result() as Promise<CaseView>);
    const expected = sentMessageIds(views);
    // Closed, but not as a case ends: failed, terminated, timed out.
    const notCompleted = statuses.filter((s) => s !== 'COMPLETED' && s !== 'RUNNING').length;
    return { expected, notCompleted };
  }

  private async countOpen(): Promise<number> {
    const open = await pool(
      this.handles,
      32,
      async (h) => (await h.describe().catch(() => undefined))?.status.name === 'RUNNING',
    );
    return open.filter(Boolean).length;
  }

  /** Traces a duplicate: when its copies arrived, which kill followed, which attempt sent it again. */
  private async explainDuplicate(messageId: string, codecs: PayloadCodec[]): Promise<ChaosDuplicate> {
    const arrivals = this.sink.arrivals.get(messageId) ?? [];
    const first = arrivals[0] ?? 0;
    const killIndex = this.kills.findIndex((k) => {
      const killedAt = this.t0 + k.atSeconds * 1000;
      return killedAt >= first && killedAt - first <= KILL_WINDOW_MS;
    });
    const activity = await this.notifyActivity(messageId, codecs).catch(() => undefined);
    const afterKill = killIndex >= 0;
    const documentedWindow = afterKill && activity !== undefined && activity.attempt > 1;
    const explanation = documentedWindow
      ? `the first copy was accepted ${round((this.t0 + this.kills[killIndex]!.atSeconds * 1000 - first) / 1000, 2)} s ` +
        `before kill ${killIndex + 1}, and attempt ${activity!.attempt} sent it again: ` +
        `the crash fell between the SMTP server's 250 and notify's completion reaching Temporal`
      : `not explained by a kill: first copy ${afterKill ? 'before' : 'not near'} a kill, ` +
        (activity ? `completed by attempt ${activity.attempt}` : 'activity not found');
    return {
      messageId,
      copies: arrivals.length,
      arrivedAtSeconds: arrivals.map((t) => round((t - this.t0) / 1000)),
      ...(afterKill && { killAfterFirstCopy: killIndex + 1 }),
      completedAttempt: activity?.attempt,
      documentedWindow,
      explanation,
    };
  }

  /** The notify activity that carried `messageId`, from its case's history (the payloads decrypted). */
  private async notifyActivity(messageId: string, codecs: PayloadCodec[]): Promise<{ attempt: number } | undefined> {
    const caseId = /^<(bench-\d+)\./.exec(messageId)?.[1];
    if (!caseId) return undefined;
    const handle = this.handles.find((h) => h.workflowId === caseWorkflowId(caseId));
    const events = (await handle?.fetchHistory())?.events ?? [];
    const decode = async (payloads: proto.temporal.api.common.v1.IPayload[] | null | undefined) => {
      let decoded = payloads ?? [];
      for (const codec of [...codecs].reverse()) decoded = await codec.decode(decoded);
      return decoded[0] && defaultPayloadConverter.fromPayload(decoded[0]);
    };
    let scheduledId: string | undefined;
    for (const e of events) {
      const scheduled = e.activityTaskScheduledEventAttributes;
      if (e.eventType !== EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED || scheduled?.activityType?.name !== 'notify')
        continue;
      const n = (await decode(scheduled.input?.payloads)) as Notification | undefined;
      if (n?.messageId === messageId) scheduledId = String(e.eventId);
    }
    if (!scheduledId) return undefined;
    const ofIt = (id: unknown) => String(id) === scheduledId;
    const started = events.find((e) => ofIt(e.activityTaskStartedEventAttributes?.scheduledEventId));
    return { attempt: started?.activityTaskStartedEventAttributes?.attempt ?? 0 };
  }
}

/** The story events by server moment (09:00 Amsterdam on their days, in each case's own dates). */
function eventMoments(
  stories: CaseStory[],
  offsetOf: (s: CaseStory) => number,
): Map<number, { index: number; event: CaseEvent }[]> {
  const moments = new Map<number, { index: number; event: CaseEvent }[]>();
  for (const s of stories) {
    for (const e of s.events) {
      const at = amsterdamInstant(addDays(s.open.firstSickDay, e.day), 9) + offsetOf(s);
      const event = { actor: 'casemanager@arbo.example', ...e.event } as CaseEvent;
      moments.set(at, [...(moments.get(at) ?? []), { index: s.index, event }]);
    }
  }
  return moments;
}
