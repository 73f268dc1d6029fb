// An idle fleet: N open cases asleep on the dev server (temporal server start-dev, SQLite), opened
// through openCase at real time with first sick days spread over the past 300 days (so some have
// overdue tasks and send a take-over summary). Measures the worker's RSS with a bounded workflow
// cache once every case has run its first workflow task, the server's database size per case, and the
// time to list the overdue cases with a visibility search (listCases({ overdue: true })).
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import { pino } from 'pino';
import { listCases, openCase } from '../client/cases.js';
import { encryptingDataConverter, generateKey, parseKeyring } from '../runtime/codec.js';
import { projectRoot } from '../runtime/project.js';
import { startDevServer } from '../tools/dev/dev-server.js';
import { addDays } from '../workflows/calendar/index.js';
import { generateStories } from './mix.js';
import { startCountingSink, type CountingSink } from './smtp-sink.js';
import { mb, pool, progress, round } from './util.js';

/** No e-mail for this long after the first tasks: the worker has nothing left to do. */
const NO_MAIL_MS = 15_000;
/** The RSS is sampled this often once the fleet is asleep. */
export const SAMPLE_MS = 5_000;
/** At least this long: the fixed window of the earlier runs (its last sample is reported too). */
export const QUIET_MIN_MS = 90_000;
/** Then until the RSS stayed within STEADY_BAND for this long, */
const STEADY_MS = 60_000;
const STEADY_BAND = 0.01;
/** or at most this long. */
export const QUIET_MAX_MS = 300_000;

export interface IdleResult {
  cases: number;
  maxCachedWorkflows: number;
  /** The worker's V8 old-space limit (--max-old-space-size), when one was set. */
  heapMb: number | null;
  openSeconds: number;
  settleSeconds: number;
  /** After the last case ran its first task, until the last e-mail arrived (then NO_MAIL_MS of quiet). */
  lastMailSeconds: number;
  /**
   * The worker process (`poortwachter worker`) alone, once asleep: the last sample, taken when the RSS
   * had stayed within 1% for 60 s (at least 90 s, at most 300 s into the quiet that follows the 15 s
   * without e-mail).
   */
  workerRssSteadyMb: number;
  /** Whether the RSS did stay within 1% for 60 s before the 300 s were up. */
  workerRssSettled: boolean;
  /** The sample 90 s into the quiet: the steady figure of the earlier runs. */
  workerRssAt90sMb: number;
  workerRssPeakMb: number;
  /** Every 5 s of the quiet. */
  workerRssQuietMb: number[];
  databaseBytes: number;
  databaseBytesPerCase: number;
  overdueCases: number;
  listOverdueMs: number;
  emailsSent: number;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

async function fileSize(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch {
    return 0;
  }
}

/** The worker's resident memory, from /proc (Linux), or from ps elsewhere. */
async function rssOf(pid: number): Promise<number> {
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const kb = /^VmRSS:\s+(\d+) kB/m.exec(status)?.[1];
    if (kb) return Number(kb) * 1024;
  } catch {
    // not Linux: ask ps
  }
  const out = await new Promise<string>((resolve) =>
    execFile('ps', ['-o', 'rss=', '-p', String(pid)], (_err, stdout) => resolve(stdout)),
  );
  return Number(out.trim()) * 1024 || 0;
}

/**
 * Waits until no e-mail has arrived for NO_MAIL_MS (at most an hour); resolves with when the last
 * one came. `exited` rejects when the worker process is gone.
 */
export async function waitForNoMail(sink: CountingSink, exited: Promise<never>): Promise<number> {
  const t0 = Date.now();
  let lastMailAt = t0;
  for (let last = sink.total(); Date.now() - lastMailAt < NO_MAIL_MS;) {
    await Promise.race([exited, new Promise((r) => setTimeout(r, 1000))]);
    if (sink.total() !== last) [last, lastMailAt] = [sink.total(), Date.now()];
    if (Date.now() - t0 > 60 * 60_000) throw new Error(`e-mails still arriving after an hour`);
  }
  return lastMailAt;
}

/**
 * The worker's RSS every SAMPLE_MS once it is asleep, until it stays within STEADY_BAND for STEADY_MS
 * (at least QUIET_MIN_MS, at most QUIET_MAX_MS). V8 hands the heap of the burst back lazily: its
 * memory reducer compacts the workflow thread's heap (about 140 MB live, 500 MB committed) only once
 * the thread has been idle a while, 30 to 90 s into this quiet in the runs so far.
 */
export async function sampleUntilFlat(
  pid: number,
  exited: Promise<never>,
  log: (line: string, force?: boolean) => void,
): Promise<{ quiet: number[]; settled: boolean }> {
  const quiet: number[] = [];
  const samplesIn = (ms: number) => ms / SAMPLE_MS;
  const flat = () => {
    const recent = quiet.slice(-samplesIn(STEADY_MS) - 1);
    return Math.max(...recent) - Math.min(...recent) <= STEADY_BAND * Math.max(...recent);
  };
  while (quiet.length < samplesIn(QUIET_MAX_MS)) {
    await Promise.race([exited, new Promise((r) => setTimeout(r, SAMPLE_MS))]);
    const rss = await rssOf(pid);
    if (rss === 0) throw new Error('the worker process is gone: no RSS to measure');
    quiet.push(rss);
    if (quiet.length % 6 === 0) log(`quiet ${(quiet.length * SAMPLE_MS) / 1000} s: worker rss ${mb(rss)} MB`, true);
    if (quiet.length >= samplesIn(QUIET_MIN_MS) && flat()) break; // QUIET_MIN_MS > STEADY_MS
  }
  return { quiet, settled: flat() };
}

/**
 * The production worker (`poortwachter worker`) in a process of its own, configured through the
 * environment as it would be deployed, so that its RSS is the worker's alone.
 */
function startWorkerProcess(
  env: Record<string, string>,
  nodeOptions: string[],
  log: (line: string) => void,
): ChildProcess {
  // As bin/poortwachter.js does, from the bench's own build (bench/dist) of the same sources.
  const main = pathToFileURL(join(projectRoot, 'bench', 'dist', 'cli', 'main.js')).href;
  const script = `const { main } = await import(${JSON.stringify(main)}); process.exitCode = await main(['worker']);`;
  // The caller's own key settings must not mix with the bench's throw-away key.
  const { POORTWACHTER_KEYS_FILE: _ignored, ...inherited } = process.env;
  const child = spawn(process.execPath, [...nodeOptions, '--input-type=module', '-e', script], {
    env: { ...inherited, ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (chunk: string) => {
    for (const line of chunk.split('\n')) if (line.trim()) log(`worker: ${line.slice(0, 300)}`);
  });
  return child;
}

export async function runIdle(
  cases: number,
  maxCachedWorkflows: number,
  seed: number,
  heapMb?: number,
): Promise<IdleResult> {
  const log = progress('idle');
  const dataDir = await mkdtemp(join(tmpdir(), 'poortwachter-bench-'));
  const logger = pino({ level: 'warn' }, pino.destination(2));
  const server = await startDevServer({
    dataDir,
    port: await freePort(),
    uiPort: await freePort(),
    namespace: 'default',
    logger,
  });
  const sink = await startCountingSink();
  const keys = `bench:${generateKey()}`;
  const dataConverter = encryptingDataConverter(parseKeyring(keys, 'bench key'));
  const connection = await Connection.connect({ address: server.address });
  const client = new Client({ connection, namespace: 'default', dataConverter });
  const taskQueue = `bench-idle-${process.pid}`;
  let worker: ChildProcess | undefined;
  try {
    log(`dev server at ${server.address}, database ${server.databaseFile}`, true);
    worker = startWorkerProcess(
      {
        TEMPORAL_ADDRESS: server.address,
        TEMPORAL_TASK_QUEUE: taskQueue,
        POORTWACHTER_KEYS: keys,
        SMTP_URL: sink.url,
        POORTWACHTER_TEMPLATES_DIR: join(projectRoot, 'templates'),
        POORTWACHTER_MAX_CACHED_WORKFLOWS: String(maxCachedWorkflows),
        LOG_LEVEL: 'warn',
        LOG_FORMAT: 'json',
      },
      heapMb ? [`--max-old-space-size=${heapMb}`] : [],
      (l) => log(l, true),
    );
    const pid = worker.pid!;
    const exited = new Promise<never>((_, reject) =>
      worker!.once('exit', (code, signal) => reject(new Error(`the worker exited (${signal ?? code})`))),
    );
    exited.catch(() => undefined);
    let peak = 0;
    const sampler = setInterval(() => {
      rssOf(pid).then(
        (rss) => (peak = Math.max(peak, rss)),
        () => undefined,
      );
    }, 500);
    const today = new Date().toISOString().slice(0, 10);
    const stories = generateStories(cases, seed + 2);
    const t0 = Date.now();
    let opened = 0;
    await Promise.race([
      exited,
      pool(stories, 50, async (s, i) => {
        await openCase(
          { client, taskQueue },
          { ...s.open, caseId: `idle-${i}`, firstSickDay: addDays(today, -(i % 300)) },
        );
        opened++;
        log(`opened ${opened}/${cases}`);
      }),
    ]);
    const openSeconds = (Date.now() - t0) / 1000;
    log(`opened ${cases} cases in ${round(openSeconds)} s; waiting until each ran its first task`, true);
    // The workflow publishes OverdueTasks on its first task: counted, every case has run once.
    const t1 = Date.now();
    for (;;) {
      const { count } = await Promise.race([
        exited,
        client.workflow.count(`WorkflowType = 'caseWorkflow' AND OverdueTasks >= 0`),
      ]);
      log(`${count}/${cases} cases ran their first task, worker rss ${mb(await rssOf(pid))} MB`, true);
      if (count >= cases) break;
      if (Date.now() - t1 > 60 * 60_000)
        throw new Error(`only ${count} of ${cases} cases ran their first task in an hour`);
      await new Promise((r) => setTimeout(r, 5000));
    }
    const settleSeconds = (Date.now() - t1) / 1000;
    // A case counts once it published its search attributes, but its first e-mail (the take-over
    // summary) may still be on its way: the fleet is asleep only when no e-mail has come for a while.
    const t3 = Date.now();
    const lastMailAt = await waitForNoMail(sink, exited);
    log(`${sink.total()} e-mails, none in the last ${NO_MAIL_MS / 1000} s: sampling the worker's RSS`, true);
    const { quiet, settled } = await sampleUntilFlat(pid, exited, log);
    clearInterval(sampler);
    const steady = quiet[quiet.length - 1]!;
    const databaseBytes =
      (await fileSize(server.databaseFile)) +
      (await fileSize(`${server.databaseFile}-wal`)) +
      (await fileSize(`${server.databaseFile}-shm`));
    const t2 = performance.now();
    const overdue = await listCases({ client, taskQueue }, { overdue: true });
    const listOverdueMs = performance.now() - t2;
    return {
      cases,
      maxCachedWorkflows,
      heapMb: heapMb ?? null,
      openSeconds: round(openSeconds),
      settleSeconds: round(settleSeconds),
      lastMailSeconds: round((lastMailAt - t3) / 1000),
      workerRssSteadyMb: mb(steady),
      workerRssSettled: settled,
      workerRssAt90sMb: mb(quiet[QUIET_MIN_MS / SAMPLE_MS - 1]!),
      workerRssPeakMb: mb(Math.max(peak, steady)),
      workerRssQuietMb: quiet.map(mb),
      databaseBytes,
      databaseBytesPerCase: Math.round(databaseBytes / cases),
      overdueCases: overdue.length,
      listOverdueMs: round(listOverdueMs),
      emailsSent: sink.total(),
    };
  } finally {
    if (worker && worker.exitCode === null && worker.signalCode === null) {
      const gone = new Promise((r) => worker!.once('exit', r));
      worker.kill('SIGTERM');
      // A worker that does not stop within 30 s (a stuck activity) is killed.
      const timer = setTimeout(() => worker!.kill('SIGKILL'), 30_000);
      await gone;
      clearTimeout(timer);
    }
    await sink.close();
    await connection.close();
    await server.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}
