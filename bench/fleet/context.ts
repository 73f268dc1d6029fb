// What every phase of the fleet works with: the dev server (temporal server start-dev, SQLite, as
// bench/idle.ts starts it), a client with the fleet's throw-away key, the counting SMTP sink, the
// production worker in its own process (replaced by the burst), and on demand the bare worker and the
// HTTP service. A fleet lives in a folder: with --fleet-dir it is kept, and a later run with the same
// folder measures other phases on the same fleet (the server's database, the key and the plan are there).
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { pino } from 'pino';
import { DIGEST_SCHEDULE_ID, ensureDigestSchedule } from '../../client/digest-schedule.js';
import type { CaseClientOptions } from '../../client/cases.js';
import { encryptingDataConverter, generateKey, parseKeyring } from '../../runtime/codec.js';
import { projectRoot } from '../../runtime/project.js';
import { createKey } from '../../service/api-keys.js';
import { generateSessionKey } from '../../service/session.js';
import { startDevServer, type DevServer } from '../../tools/dev/dev-server.js';
import { freePort } from '../idle.js';
import { startCountingSink, type CountingSink } from '../smtp-sink.js';
import { progress } from '../util.js';
import { peakResets, startPart, type Part } from './meter.js';
import {
  pollingSince,
  startBareWorker,
  startFleetWorker,
  startService,
  type Child,
  type FleetWorker,
} from './processes.js';
import type { FleetPlan } from './records.js';

/** Kept in the fleet's folder (fleet.json): what a later run needs to work on the same fleet. */
export interface FleetState {
  plan: FleetPlan;
  /** The throw-away key ring (`bench:<key>`) the fleet's payloads are encrypted with. */
  keys: string;
  taskQueue: string;
  /** Whether the import finished: the fleet exists. */
  built: boolean;
  /** The dates of the digests sent: a casemanager's digest of a date is sent once, so each run takes a new date. */
  digestDates: string[];
}

/**
 * The HTTP service and how to call it: one API key per concurrent caller (each has its own budget of
 * the service's rate limit, 600 a minute), and the session key to seal a person's login with.
 */
export interface Service {
  child: Child;
  url: string;
  apiKeys: string[];
  sessionKey: string;
}

export interface FleetContext {
  dir: string;
  state: FleetState;
  server: DevServer;
  serverPid: number;
  client: Client;
  cases: CaseClientOptions;
  sink: CountingSink;
  worker: FleetWorker;
  log: (line: string, force?: boolean) => void;
  /** Whether VmHWM could be reset per part (else a part's peak is the peak since the process started). */
  peakResets: boolean;
  /** Measures a part: the worker, the server and these others. */
  part(others?: Record<string, () => number | undefined>): Part;
  stopWorker(): Promise<void>;
  /** Starts the production worker; resolves with when it polls (ms since the epoch). */
  startWorker(): Promise<number>;
  bareTaskQueue: string;
  startBare(): Promise<{ child: Child; polling: number }>;
  /** The HTTP service, started on first use. */
  service(): Promise<Service>;
  persist(): Promise<void>;
  close(): Promise<void>;
}

async function loadState(dir: string, plan: FleetPlan): Promise<FleetState> {
  const file = join(dir, 'fleet.json');
  if (existsSync(file)) return JSON.parse(await readFile(file, 'utf8')) as FleetState;
  return { plan, keys: `bench:${generateKey()}`, taskQueue: 'bench-fleet', built: false, digestDates: [] };
}

export async function openFleet(keptDir: string | undefined, plan: FleetPlan, callers: number): Promise<FleetContext> {
  const log = progress('fleet');
  const dir = keptDir ?? (await mkdtemp(join(tmpdir(), 'poortwachter-fleet-')));
  await mkdir(dir, { recursive: true });
  const state = await loadState(dir, plan);
  const dataDir = join(dir, 'server');
  const server = await startDevServer({
    dataDir,
    port: await freePort(),
    uiPort: await freePort(),
    namespace: 'default',
    logger: pino({ level: 'warn' }, pino.destination(2)),
  });
  try {
    return await onServer(dir, keptDir, state, server, callers, log);
  } catch (err) {
    await server.stop();
    throw err;
  }
}

async function onServer(
  dir: string,
  keptDir: string | undefined,
  state: FleetState,
  server: DevServer,
  callers: number,
  log: FleetContext['log'],
): Promise<FleetContext> {
  // startDevServer keeps its process id here (the process group the dev server runs in).
  const serverPid = Number(await readFile(join(dir, 'server', 'temporal-server.pid'), 'utf8'));
  const sink = await startCountingSink();
  // The import workflow's history holds its batches (up to 1.5 MB each): more than gRPC's default 4 MB.
  const connection = await Connection.connect({
    address: server.address,
    channelArgs: { 'grpc.max_receive_message_length': 256 * 1024 * 1024 },
  });
  const dataConverter = encryptingDataConverter(parseKeyring(state.keys, 'bench key'));
  const client = new Client({ connection, namespace: 'default', dataConverter });
  const cases = { client, taskQueue: state.taskQueue };
  log(`fleet folder ${dir}, dev server ${server.address} (pid ${serverPid})`, true);
  // The worker makes the daily digest's Schedule (08:00 on weekdays) and keeps it paused if it is: a
  // run across 08:00 must not send a digest of its own.
  await ensureDigestSchedule(client, state.taskQueue);
  await client.schedule.getHandle(DIGEST_SCHEDULE_ID).pause('bench: the fleet starts its digests itself');

  const env = {
    TEMPORAL_ADDRESS: server.address,
    POORTWACHTER_KEYS: state.keys,
    POORTWACHTER_DATA_DIR: dir,
    LOG_LEVEL: 'warn',
    LOG_FORMAT: 'json',
  };
  const workerEnv = {
    ...env,
    TEMPORAL_TASK_QUEUE: state.taskQueue,
    SMTP_URL: sink.url,
    POORTWACHTER_TEMPLATES_DIR: join(projectRoot, 'templates'),
  };
  const bareTaskQueue = 'bench-fleet-bare';
  const workerLog = (line: string) => log(`worker: ${line}`);
  const worker = startFleetWorker(workerEnv, workerLog);
  await pollingSince(client, state.taskQueue, worker.pid, worker.exited);
  const children: Child[] = [];
  let service: Promise<Service> | undefined;

  const ctx: FleetContext = {
    dir,
    state,
    server,
    serverPid,
    client,
    cases,
    sink,
    worker,
    log,
    peakResets: peakResets(serverPid),
    part: (others = {}) =>
      startPart(() => ({
        worker: ctx.worker.pid,
        server: serverPid,
        ...Object.fromEntries(Object.entries(others).map(([role, pid]) => [role, pid()])),
      })),
    async stopWorker() {
      await ctx.worker.stop();
    },
    async startWorker() {
      ctx.worker = startFleetWorker(workerEnv, workerLog);
      return pollingSince(client, state.taskQueue, ctx.worker.pid, ctx.worker.exited);
    },
    bareTaskQueue,
    async startBare() {
      const child = startBareWorker({ ...env, TEMPORAL_TASK_QUEUE: bareTaskQueue, SMTP_URL: sink.url }, (line) =>
        log(`bare worker: ${line}`),
      );
      children.push(child);
      return { child, polling: await pollingSince(client, bareTaskQueue, child.pid, child.exited) };
    },
    service() {
      service ??= (async () => {
        const port = await freePort();
        const serviceDir = join(dir, 'service');
        await mkdir(serviceDir, { recursive: true });
        const keysFile = join(serviceDir, `api-keys-${process.pid}.json`);
        const apiKeys: string[] = [];
        for (let k = 0; k < callers; k++) {
          const { key } = await createKey(keysFile, { name: `bench-${k}`, scopes: ['cases:read', 'events:write'] });
          apiKeys.push(key);
        }
        const sessionKey = generateSessionKey();
        const url = `http://127.0.0.1:${port}`;
        const child = await startService(
          {
            ...env,
            TEMPORAL_TASK_QUEUE: state.taskQueue,
            POORTWACHTER_HTTP_HOST: '127.0.0.1',
            POORTWACHTER_HTTP_PORT: String(port),
            POORTWACHTER_PUBLIC_URL: url,
            POORTWACHTER_API_KEYS_FILE: keysFile,
            POORTWACHTER_ACCESS_LOG: join(serviceDir, 'access.log'),
            // Pages need a login: a provider that is never asked (the bench seals its sessions itself
            // with the session key; the provider is discovered only when someone logs in).
            POORTWACHTER_OIDC_ISSUER: `http://127.0.0.1:${await freePort()}`,
            POORTWACHTER_OIDC_CLIENT_ID: 'bench',
            POORTWACHTER_OIDC_CLIENT_SECRET: 'bench',
            POORTWACHTER_SESSION_KEY: sessionKey,
          },
          (line) => log(`service: ${line}`),
        );
        children.push(child);
        return { child, url, apiKeys, sessionKey };
      })();
      return service;
    },
    async persist() {
      await writeFile(join(dir, 'fleet.json'), `${JSON.stringify(state, null, 2)}\n`);
    },
    async close() {
      await Promise.allSettled([ctx.worker.stop(), ...children.map((c) => c.stop())]);
      await sink.close();
      await connection.close();
      await server.stop();
      if (!keptDir) await rm(dir, { recursive: true, force: true });
    },
  };
  return ctx;
}
