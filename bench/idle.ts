// An idle fleet: N open cases asleep on the dev server (temporal server start-dev, SQLite), opened
// through openCase at real time with first sick days spread over the past 300 days (so some have
// overdue tasks and send a take-over summary). Measures the worker's RSS with a bounded workflow
// cache once every case has run its first workflow task, the server's database size per case, and the
// time to list the overdue cases with a visibility search (listCases({ overdue: true })).
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode, NativeConnection, Worker } from '@temporalio/worker';
import { pino } from 'pino';
import { createActivities } from '../activities/index.js';
import { heartbeatConfirmer } from '../activities/heartbeat.js';
import { createMailer } from '../activities/mail.js';
import { listCases, openCase } from '../client/cases.js';
import { encryptingDataConverter, generateKey, parseKeyring } from '../client/codec.js';
import { projectRoot } from '../scripts/temporal-binaries.js';
import { startDevServer } from '../worker/dev-server.js';
import { workflowsPath } from '../worker/worker.js';
import { addDays } from '../workflows/calendar/index.js';
import { generateStories } from './mix.js';
import { startCountingSink } from './smtp-sink.js';
import { bundlerLogger, mb, pool, progress, round, rssSampler } from './util.js';

export interface IdleResult {
  cases: number;
  maxCachedWorkflows: number;
  openSeconds: number;
  settleSeconds: number;
  processRssBeforeWorkerMb: number;
  workerRssSteadyMb: number;
  workerRssPeakMb: number;
  /** V8 heap in use and external memory at the steady point (after a GC when run with --expose-gc). */
  heapUsedMb: number;
  externalMb: number;
  gcForced: boolean;
  databaseBytes: number;
  databaseBytesPerCase: number;
  overdueCases: number;
  listOverdueMs: number;
  emailsSent: number;
}

function freePort(): Promise<number> {
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

export async function runIdle(cases: number, maxCachedWorkflows: number, seed: number): Promise<IdleResult> {
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
  const mailer = createMailer(sink.url, 'Poortwachter bench <poortwachter@bench.invalid>');
  const dataConverter = encryptingDataConverter(parseKeyring(`bench:${generateKey()}`, 'bench key'));
  const connection = await Connection.connect({ address: server.address });
  const nativeConnection = await NativeConnection.connect({ address: server.address });
  const client = new Client({ connection, namespace: 'default', dataConverter });
  const taskQueue = `bench-idle-${process.pid}`;
  try {
    log(`dev server at ${server.address}, database ${server.databaseFile}`, true);
    const workflowBundle = await bundleWorkflowCode({ workflowsPath, logger: bundlerLogger((l) => log(l, true)) });
    global.gc?.();
    const before = process.memoryUsage().rss;
    const worker = await Worker.create({
      connection: nativeConnection,
      namespace: 'default',
      taskQueue,
      workflowBundle,
      maxCachedWorkflows,
      activities: createActivities({
        mailer,
        templatesDir: join(projectRoot, 'templates'),
        confirmHeartbeat: heartbeatConfirmer(nativeConnection.workflowService, 'default'),
      }),
      dataConverter,
    });
    const rss = rssSampler(500);
    const today = new Date().toISOString().slice(0, 10);
    const stories = generateStories(cases, seed + 2);
    let openSeconds = 0;
    let settleSeconds = 0;
    let steady = 0;
    let heap = { heapUsed: 0, external: 0 };
    await worker.runUntil(async () => {
      const t0 = Date.now();
      let opened = 0;
      await pool(stories, 50, async (s, i) => {
        await openCase({ client, taskQueue }, { ...s.open, caseId: `idle-${i}`, firstSickDay: addDays(today, -(i % 300)) });
        opened++;
        log(`opened ${opened}/${cases}, rss ${mb(process.memoryUsage().rss)} MB`);
      });
      openSeconds = (Date.now() - t0) / 1000;
      log(`opened ${cases} cases in ${round(openSeconds)} s; waiting until each ran its first task`, true);
      // The workflow publishes OverdueTasks on its first task: counted, every case has run once.
      const t1 = Date.now();
      for (;;) {
        const { count } = await client.workflow.count(`WorkflowType = 'caseWorkflow' AND OverdueTasks >= 0`);
        log(`${count}/${cases} cases ran their first task, rss ${mb(process.memoryUsage().rss)} MB`, true);
        if (count >= cases || Date.now() - t1 > 20 * 60_000) break;
        await new Promise((r) => setTimeout(r, 2000));
      }
      settleSeconds = (Date.now() - t1) / 1000;
      // Asleep: a few seconds of quiet, then the steady RSS.
      await new Promise((r) => setTimeout(r, 5000));
      global.gc?.();
      const m = process.memoryUsage();
      steady = m.rss;
      heap = { heapUsed: m.heapUsed, external: m.external };
    });
    const peak = rss.stop();
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
      openSeconds: round(openSeconds),
      settleSeconds: round(settleSeconds),
      processRssBeforeWorkerMb: mb(before),
      workerRssSteadyMb: mb(steady),
      workerRssPeakMb: mb(peak),
      heapUsedMb: mb(heap.heapUsed),
      externalMb: mb(heap.external),
      gcForced: typeof global.gc === 'function',
      databaseBytes,
      databaseBytesPerCase: Math.round(databaseBytes / cases),
      overdueCases: overdue.length,
      listOverdueMs: round(listOverdueMs),
      emailsSent: sink.total(),
    };
  } finally {
    mailer.close();
    await sink.close();
    await connection.close();
    await nativeConnection.close();
    await server.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}
