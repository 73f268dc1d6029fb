// The cluster tier (`npm run test:cluster`): the production topology on this machine, run for real.
// The Temporal server built from its Go module on PostgreSQL 15 (tools/cluster/), two worker
// processes as production runs them, an SMTP server. In order:
//  1. 500 cases opened through the client library reach their first reminder; one worker is killed
//     (SIGKILL) while the reminders go out, the other takes over: every reminder arrives, none twice
//     beyond the documented window, and every case keeps its timeline;
//  2. the Temporal server stops and starts again while cases wait on timers: the timers fire after
//     the restart; 3. the same with PostgreSQL;
//  4. the audit export of those cases verifies (signed, replayed against the current code);
//  5. a rolling deploy: the workers replaced one by one by a version with one more patched() change,
//     while cases wake up and events arrive: no workflow task fails, and the woken cases ran on it;
//  6. `poortwachter cluster`, the whole topology as a newcomer starts it: a case opened through the
//     API of one of its two service instances reaches the inbox; Ctrl-C stops it cleanly.
//
// Timer cohorts: a case's own clock can run behind the wall clock (clockOffsetMs, as `simulate` uses
// it); these cases start 75 s before their probleemanalyse reminder is due, on a pinned date, so that
// their timers are pending while the server or the database is down.
import { execFile, spawn } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SMTP_SESSIONS } from '../../activities/mail.js';
import { getCase, openCase, parseOpenCase, recordEvent, type CaseClientOptions } from '../../client/cases.js';
import { encryptingDataConverter, generateKey, parseKeyring } from '../../runtime/codec.js';
import { projectRoot } from '../../runtime/project.js';
import { bundleWorkflows } from '../../runtime/workflow-bundle.js';
import { startSmtpSink, type SmtpSink } from '../../tools/smtp-sink.js';
import { startCluster, SERVER_PORTS, type Cluster } from '../../tools/cluster/cluster.js';
import { amsterdamDate } from '../../workflows/calendar/amsterdam-time.js';
import { addDays, computeCalendar } from '../../workflows/calendar/index.js';
import { caseWorkflowId, initialFacts, type CaseState } from '../../workflows/case-model.js';
import { scheduledMessages } from '../../workflows/case-schedule.js';
import { sampleCase } from '../setup/case-world.js';
import { taskMessageId } from '../setup/case-story.js';
import { exited, startWorkerProcess, type WorkerProcess } from '../setup/worker-process.js';
import { workflowVariant } from '../setup/workflow-variant.js';

const run = promisify(execFile);
const FIXTURE = join(projectRoot, 'test', 'fixtures', 'cluster-worker.mjs');
const TASK_QUEUE = 'cluster-tier';
const CASES = 500;
const COHORT = 20;
/** A pinned Monday: the timer cohorts' cases fall sick on it (their clocks run behind to it). */
const PINNED_SICK_DAY = '2026-06-01';
/** Time for the cohort's first round and a restart (a server stop may take 30 s), on a busy machine too. */
const TIMER_LEAD_MS = 75_000;

async function until<T>(probe: () => Promise<T> | T, ok: (v: T) => boolean, what: string, timeoutMs = 180_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (ok(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** Free ports for the server (all nine shift together), PostgreSQL, and `extra` (shifted the same). */
async function freeOffset(extra: number[] = []): Promise<number> {
  const { createServer } = await import('node:net');
  const free = (port: number) =>
    new Promise<boolean>((resolve) => {
      const server = createServer().once('error', () => resolve(false));
      server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
    });
  for (let attempt = 0; attempt < 50; attempt++) {
    const offset = 20_000 + Math.floor(Math.random() * 30) * 100;
    const ports = [...SERVER_PORTS, 5432, ...extra].map((p) => p + offset);
    if ((await Promise.all(ports.map(free))).every(Boolean)) return offset;
  }
  throw new Error('no free ports for the cluster');
}

describe('the production topology: Temporal on PostgreSQL, two workers', () => {
  let dir: string;
  let cluster: Cluster;
  let sink: SmtpSink;
  let cases: CaseClientOptions;
  let connection: Connection;
  let workerEnv: Record<string, string>;
  let bundles: { v1: string; v2: string };
  const workers = new Map<string, WorkerProcess>();
  const today = amsterdamDate(Date.now());
  const run36 = Date.now().toString(36);
  const bulk = Array.from({ length: CASES }, (_, i) => `bulk-${run36}-${i}`);
  const keys = `k1:${generateKey()}`;

  async function startWorker(name: string, bundle: string): Promise<void> {
    const worker = startWorkerProcess(FIXTURE, { ...workerEnv, CLUSTER_WORKFLOW_BUNDLE: bundle });
    workers.set(name, worker);
    await worker.waitFor('ready', 120_000);
  }

  /** The mails with this Message-ID that reached the SMTP server. */
  const received = (messageId: string) => sink.messages.filter((m) => m.messageId === messageId);

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'poortwachter-cluster-'));
    await chmod(dir, 0o755); // PostgreSQL runs as its own user and must reach its data folder in here
    const offset = await freeOffset();
    const t0 = Date.now();
    cluster = await startCluster({
      dataDir: dir,
      portOffset: offset,
      postgresPort: 5432 + offset,
      namespace: 'default',
      log: (line) => process.stderr.write(`[cluster ${((Date.now() - t0) / 1000).toFixed(1)} s] ${line}\n`),
    });
    sink = await startSmtpSink();
    // The current workflow code, and the next version: one more change behind patched(), as a
    // deploy brings (a memo entry per round, so that the test sees which version ran a case).
    const silent = { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} };
    const v1 = await bundleWorkflows(silent);
    const v2 = await workflowVariant(
      'case-workflow.ts',
      '    c.publish(calendar);\n    c.publishSummary(calendar);\n',
      "    if (patched('cluster-tier-deploy')) upsertMemo({ deployed: 'v2' });\n    c.publish(calendar);\n    c.publishSummary(calendar);\n",
    );
    bundles = { v1: join(dir, 'workflows-v1.js'), v2: join(dir, 'workflows-v2.js') };
    await writeFile(bundles.v1, v1.code);
    await writeFile(bundles.v2, v2.code);
    workerEnv = {
      TEMPORAL_ADDRESS: cluster.address,
      TEMPORAL_NAMESPACE: 'default',
      TEMPORAL_TASK_QUEUE: TASK_QUEUE,
      SMTP_URL: sink.url,
      POORTWACHTER_KEYS: keys,
      POORTWACHTER_DATA_DIR: join(dir, 'worker-data'),
      LOG_LEVEL: 'warn',
      LOG_FORMAT: 'json',
    };
    await Promise.all([startWorker('a', bundles.v1), startWorker('b', bundles.v1)]);
    connection = await Connection.connect({ address: cluster.address });
    const client = new Client({
      connection,
      namespace: 'default',
      dataConverter: encryptingDataConverter(parseKeyring(keys)),
    });
    cases = { client, taskQueue: TASK_QUEUE };
  });

  afterAll(async () => {
    for (const worker of workers.values()) {
      worker.child.kill('SIGTERM');
      await exited(worker.child);
    }
    await connection?.close();
    await sink?.close();
    await cluster?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it(`opens ${CASES} cases; a worker killed while their reminders go out loses none`, async () => {
    // Three days into the sickness: the ziekmelding's reminder is due at once (five working days
    // before its due date), whatever the day; anyHour, as the suite runs at night and at weekends.
    const sickDay = addDays(today, -3);
    const started = Date.now();
    for (let i = 0; i < bulk.length; i += 25) {
      await Promise.all(bulk.slice(i, i + 25).map((id) => openCase(cases, sampleCase(id, sickDay, { anyHour: true }))));
    }
    const opened = (Date.now() - started) / 1000;
    const due = (await getCase(cases, bulk[0]!)).calendar.milestones.find((m) => m.id === 'ziekmelding')!.due;
    const reminderOf = (id: string) => taskMessageId(id, 'reminder', 'ziekmelding', due);
    const arrived = () => bulk.filter((id) => received(reminderOf(id)).length > 0).length;

    // Killed while reminders go out: some are in flight on it (up to SMTP_SESSIONS at a time).
    await until(arrived, (n) => n >= 50, 'the first 50 reminders');
    const killedAt = arrived();
    await workers.get('a')!.child.kill('SIGKILL');
    await exited(workers.get('a')!.child);
    expect(killedAt, 'the worker was killed while reminders were still to go out').toBeLessThan(CASES);

    await until(arrived, (n) => n === CASES, `all ${CASES} reminders (the other worker taking over)`, 300_000);
    const twice = bulk.filter((id) => received(reminderOf(id)).length > 1);
    // The documented window: a reminder the SMTP server took whose activity did not report back
    // before the crash is sent again, with the same Message-ID. At most one per SMTP session.
    expect(twice.length).toBeLessThanOrEqual(SMTP_SESSIONS);
    for (const id of bulk) expect(received(reminderOf(id)).length, id).toBeGreaterThanOrEqual(1);
    process.stderr.write(
      `[cluster] ${CASES} cases opened in ${opened.toFixed(1)} s; killed a worker at ${killedAt} reminders; ` +
        `${twice.length} sent twice; all in ${((Date.now() - started) / 1000).toFixed(1)} s\n`,
    );

    // Every case keeps its timeline: the reminder recorded once (a sample, each query replays a case).
    for (const id of bulk.filter((_, i) => i % 25 === 0)) {
      const view = await getCase(cases, id);
      expect(
        view.timeline.filter((t) => t.kind === 'reminder' && t.task === 'ziekmelding'),
        id,
      ).toHaveLength(1);
    }
    await startWorker('a2', bundles.v1);
  });

  /**
   * COHORT cases whose probleemanalyse reminder is due TIMER_LEAD_MS after they start (their clock
   * set behind), the ziekmelding done; returns their ids and the reminder's Message-ID of each.
   */
  async function timerCohort(tag: string) {
    const ids = Array.from({ length: COHORT }, (_, i) => `${tag}-${run36}-${i}`);
    const open = parseOpenCase(
      sampleCase(ids[0]!, PINNED_SICK_DAY, { anyHour: true, completed: { ziekmelding: PINNED_SICK_DAY } }),
    );
    const state: CaseState = {
      open,
      facts: initialFacts(open),
      status: 'open',
      sent: [],
      timeline: [],
      started: false,
    };
    const reminder = scheduledMessages(computeCalendar(state.facts, { asOf: PINNED_SICK_DAY }), state).find(
      (m) => m.kind === 'reminder' && m.task === 'probleemanalyse',
    )!;
    const startedAt = Date.now();
    const clockOffsetMs = startedAt - (reminder.at - TIMER_LEAD_MS);
    await Promise.all(
      ids.map((id) =>
        cases.client.workflow.start('caseWorkflow', {
          taskQueue: TASK_QUEUE,
          workflowId: caseWorkflowId(id),
          args: [{ open: { ...open, caseId: id }, clockOffsetMs }],
        }),
      ),
    );
    // Each has run its first round and sleeps on its timer (the summary is written in that round).
    await until(
      async () => {
        let count = 0;
        for await (const _ of cases.client.workflow.list({
          query: `WorkflowId STARTS_WITH 'case-${tag}-${run36}-' AND CaseStatus = 'open'`,
        }))
          count++;
        return count;
      },
      (n) => n === COHORT,
      `the ${tag} cohort's first round`,
      60_000,
    );
    const dueAt = startedAt + TIMER_LEAD_MS;
    return { ids, dueAt, messageOf: (id: string) => taskMessageId(id, 'reminder', 'probleemanalyse', reminder.due!) };
  }

  async function timersFireAfter(cohort: Awaited<ReturnType<typeof timerCohort>>, restart: () => Promise<void>) {
    expect(cohort.ids.every((id) => received(cohort.messageOf(id)).length === 0)).toBe(true);
    const restartedAt = Date.now();
    await restart();
    const back = Date.now();
    expect(back, 'the restart ended before the timers were due').toBeLessThan(cohort.dueAt);
    await until(
      () => cohort.ids.filter((id) => received(cohort.messageOf(id)).length > 0).length,
      (n) => n === COHORT,
      'every timer of the cohort to fire',
    );
    for (const id of cohort.ids) {
      const mails = received(cohort.messageOf(id));
      expect(mails, id).toHaveLength(1);
      // Sent by the timer, not early: the SMTP server's Date header is the worker's send time.
      expect(mails[0]!.date!.getTime(), id).toBeGreaterThanOrEqual(cohort.dueAt - 1_000);
    }
    process.stderr.write(
      `[cluster] down and back in ${((back - restartedAt) / 1000).toFixed(1)} s; ${COHORT} timers fired\n`,
    );
  }

  it('fires the timers set before the Temporal server was stopped and started again', async () => {
    const cohort = await timerCohort('server');
    await timersFireAfter(cohort, () => cluster.restartServer(3_000));
  });

  it('fires the timers set before PostgreSQL was stopped and started again', async () => {
    const cohort = await timerCohort('pg');
    await timersFireAfter(cohort, () => cluster.restartPostgres(3_000));
  });

  it('exports an audit bundle of those cases that verifies', async () => {
    const env = { ...process.env, ...workerEnv };
    const bin = join(projectRoot, 'bin', 'poortwachter.js');
    const [priv, pub, bundle] = ['signing.pem', 'signing.pub.pem', 'bundle.json'].map((f) => join(dir, f));
    await run(process.execPath, [bin, 'audit', 'keygen', '--private-key', priv!, '--public-key', pub!], { env });
    // Every timer case, and every tenth of the bulk (each history is replayed: about 5 per second).
    const ids = [
      ...bulk.filter((_, i) => i % 10 === 0),
      ...Array.from({ length: COHORT }, (_, i) => [`server-${run36}-${i}`, `pg-${run36}-${i}`]).flat(),
    ];
    await run(process.execPath, [bin, 'audit', 'export', ...ids, '--out', bundle!, '--signing-key', priv!], {
      env,
      maxBuffer: 64 * 1024 * 1024,
    });
    const verified = await run(process.execPath, [bin, 'audit', 'verify', bundle!, '--public-key', pub!], {
      env,
      maxBuffer: 64 * 1024 * 1024,
    });
    expect(verified.stdout).toMatch(/^bundle: OK, signed by a trusted key/);
    expect(verified.stdout.match(/^case .*: intact, replays cleanly/gm)).toHaveLength(ids.length);
  });

  it('replaces the workers one by one with a patched version while cases run: no workflow task fails', async () => {
    const cohort = await timerCohort('deploy');
    const touched = bulk.slice(0, 40);
    const events = (async () => {
      for (const id of touched) {
        await recordEvent(cases, id, { type: 'note', text: 'gebeld tijdens de uitrol', actor: 'cluster-tier' });
        await new Promise((r) => setTimeout(r, 250));
      }
    })();
    // Rolling: one worker drained (SIGTERM) and replaced, then the other.
    for (const [old, next] of [
      ['a2', 'a3'],
      ['b', 'b3'],
    ] as const) {
      const worker = workers.get(old)!;
      worker.child.kill('SIGTERM');
      await exited(worker.child);
      workers.delete(old);
      await startWorker(next, bundles.v2);
    }
    expect(Date.now(), 'both workers replaced before the cohort woke').toBeLessThan(cohort.dueAt);
    await events;
    await until(
      () => cohort.ids.filter((id) => received(cohort.messageOf(id)).length > 0).length,
      (n) => n === COHORT,
      'the deploy cohort reminders',
    );
    // The cases woken after the deploy ran the new version...
    for (const id of cohort.ids) {
      const description = await cases.client.workflow.getHandle(caseWorkflowId(id)).describe();
      expect(description.memo?.deployed, id).toBe('v2');
    }
    // ...and no case, woken or asleep, old or new, had a workflow task fail (a replay that did not match).
    const all = [...bulk, ...cohort.ids];
    let failed = 0;
    for (const id of all) {
      const history = await cases.client.workflow.getHandle(caseWorkflowId(id)).fetchHistory();
      failed += (history.events ?? []).filter((e) => e.workflowTaskFailedEventAttributes).length;
    }
    expect(failed).toBe(0);
  });

  it('`poortwachter cluster` starts the whole topology, a case opened through the API flows, Ctrl-C stops it', async () => {
    // Its own ports and data folder, beside the cluster of the steps above.
    // The Web UI, the two service instances and the mail catcher shift with the server's ports.
    const offset = await freeOffset([8233, 3000, 3001, 1025, 1080]);
    const data = join(dir, 'stack');
    const port = (p: number) => String(p + offset);
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      TEMPORAL_ADDRESS: `127.0.0.1:${port(7233)}`,
      CLUSTER_PG_PORT: port(5432),
      TEMPORAL_UI_PORT: port(8233),
      POORTWACHTER_HTTP_PORT: port(3000),
      MAIL_SMTP_PORT: port(1025),
      MAIL_WEB_PORT: port(1080),
      POORTWACHTER_DATA_DIR: data,
      LOG_FORMAT: 'json',
    };
    for (const name of ['POORTWACHTER_KEYS', 'POORTWACHTER_KEYS_FILE', 'SMTP_URL', 'POORTWACHTER_OIDC_ISSUER'])
      delete env[name];
    await mkdir(data, { recursive: true });
    await chmod(data, 0o755);
    const stack = spawn(process.execPath, [join(projectRoot, 'bin', 'poortwachter.js'), 'cluster'], { env });
    let out = '';
    stack.stdout.on('data', (d) => (out += d));
    stack.stderr.on('data', (d) => (out += d));
    const ended = new Promise<number | null>((resolve) => stack.once('exit', (code) => resolve(code)));
    try {
      await until(
        () => out,
        (o) => o.includes('poortwachter cluster is running') || stack.exitCode !== null,
        'the stack',
        300_000,
      );
      expect(out).toContain('poortwachter cluster is running');
      const key = (await readFile(join(data, 'cluster', 'dev-api-key'), 'utf8')).trim();
      const caseId = `stack-${run36}`;
      for (const p of [port(3000), port(3001)]) {
        // Both service instances answer; the case is opened on the second.
        const openapi = await fetch(`http://localhost:${p}/api/openapi.json`, {
          headers: { authorization: `Bearer ${key}` },
        });
        expect(openapi.status, `service on ${p}`).toBe(200);
      }
      const opened = await fetch(`http://localhost:${port(3001)}/api/v1/cases`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify(sampleCase(caseId, addDays(today, -3), { anyHour: true })),
      });
      expect(opened.status).toBe(201);
      const mails = await until(
        async () => (await (await fetch(`http://localhost:${port(1080)}/api/email`)).json()) as { subject: string }[],
        (list) => list.some((m) => m.subject.includes(caseId)),
        'the reminder in the inbox',
      );
      expect(mails.some((m) => m.subject.includes(caseId))).toBe(true);
      const ui = await fetch(`http://localhost:${port(8233)}/`);
      expect(ui.status).toBe(200);
    } finally {
      // A clean stop; and whatever happens, nothing left running when the test ends.
      stack.kill('SIGINT');
      const deadline = setTimeout(() => stack.kill('SIGKILL'), 120_000);
      await ended;
      clearTimeout(deadline);
    }
    expect(stack.exitCode).toBe(0);
    expect(out).toContain('cluster stopped');
  });
});
