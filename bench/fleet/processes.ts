// The fleet's processes besides the dev server, each in a process of its own so that its CPU and
// memory are its own: the production worker, the baselines' bare worker, and the HTTP service
// (`poortwachter serve`). All from the bench's build (bench/dist) of the same sources.
import { spawn, type ChildProcess } from 'node:child_process';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Client } from '@temporalio/client';
import proto from '@temporalio/proto';
import { projectRoot } from '../../runtime/project.js';

const { TaskQueueType } = proto.temporal.api.enums.v1;

/** The build of the bench and the sources: bench/fleet/*.ts compile to bench/dist/bench/fleet/. */
const built = (...parts: string[]) => join(projectRoot, 'bench', 'dist', ...parts);

export interface Child {
  pid: number;
  /** Rejects when the process exits before `stop` (a crash, a failed start). */
  exited: Promise<never>;
  /** Its last lines on stderr, and how many of its log lines were warnings or errors. */
  recent: string[];
  warnings: { warn: number; error: number };
  /** SIGTERM, then SIGKILL after 30 s (a stuck activity). */
  stop(): Promise<void>;
}

interface SpawnOptions {
  env: Record<string, string>;
  log: (line: string) => void;
  ipc?: boolean;
  onStdout?: (line: string) => void;
}

function spawnNode(args: string[], { env, log, ipc, onStdout }: SpawnOptions): { child: ChildProcess; handle: Child } {
  // The caller's own key settings must not mix with the bench's throw-away key.
  const { POORTWACHTER_KEYS_FILE: _ignored, ...inherited } = process.env;
  const child = spawn(process.execPath, args, {
    env: { ...inherited, ...env },
    stdio: ['ignore', onStdout ? 'pipe' : 'ignore', 'pipe', ...(ipc ? (['ipc'] as const) : [])],
  });
  const recent: string[] = [];
  const warnings = { warn: 0, error: 0 };
  lines(child.stderr!, (line) => {
    recent.push(line.slice(0, 500));
    if (recent.length > 20) recent.shift();
    // pino's JSON levels: 40 warn, 50 error, 60 fatal.
    if (/"level":40/.test(line)) warnings.warn++;
    if (/"level":[56]0/.test(line)) warnings.error++;
    log(line.slice(0, 300));
  });
  if (onStdout) lines(child.stdout!, onStdout);
  let stopping = false;
  const exited = new Promise<never>((_, reject) =>
    child.once('exit', (code, signal) => {
      if (!stopping) reject(new Error(`${args.at(-1)} exited (${signal ?? code}): ${recent.slice(-5).join(' | ')}`));
    }),
  );
  exited.catch(() => undefined);
  const handle: Child = {
    pid: child.pid!,
    exited,
    recent,
    warnings,
    async stop() {
      stopping = true;
      if (child.exitCode !== null || child.signalCode !== null) return;
      const gone = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      await gone;
      clearTimeout(timer);
    },
  };
  return { child, handle };
}

function lines(stream: NodeJS.ReadableStream, each: (line: string) => void): void {
  let rest = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    const parts = (rest + chunk).split('\n');
    rest = parts.pop()!;
    for (const line of parts) if (line.trim()) each(line);
  });
}

export interface FleetWorker extends Child {
  /** The queries its Temporal client sent so far, by "<workflow id prefix> <query type>". */
  queries(): Promise<Record<string, number>>;
}

/** The production worker (bench/fleet/worker-main.ts), configured through the environment as deployed. */
export function startFleetWorker(env: Record<string, string>, log: (line: string) => void): FleetWorker {
  const { child, handle } = spawnNode([built('bench', 'fleet', 'worker-main.js')], { env, log, ipc: true });
  return {
    ...handle,
    queries: () =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('the worker did not answer its query count')), 10_000);
        child.once('message', (message: { queries: Record<string, number> }) => {
          clearTimeout(timer);
          resolve(message.queries);
        });
        child.send('queries');
      }),
  };
}

/** The baselines' worker (bench/fleet/bare-worker.ts). */
export function startBareWorker(env: Record<string, string>, log: (line: string) => void): Child {
  return spawnNode([built('bench', 'fleet', 'bare-worker.js')], { env, log }).handle;
}

/** `poortwachter serve`, resolved once it listens. */
export async function startService(env: Record<string, string>, log: (line: string) => void): Promise<Child> {
  const main = pathToFileURL(built('cli', 'main.js')).href;
  const script = `const { main } = await import(${JSON.stringify(main)}); process.exitCode = await main(['serve']);`;
  let listening!: () => void;
  const ready = new Promise<void>((resolve) => (listening = resolve));
  const { handle } = spawnNode(['--input-type=module', '-e', script], {
    env,
    log,
    onStdout: (line) => line.startsWith('poortwachter serve:') && listening(),
  });
  await Promise.race([ready, handle.exited]);
  return handle;
}

/**
 * Waits until the worker in process `pid` polls `taskQueue` for workflow tasks (the server names
 * its pollers by the SDK's default identity, `<pid>@<host>`); resolves with when it was seen.
 */
export async function pollingSince(
  client: Client,
  taskQueue: string,
  pid: number,
  exited: Promise<never>,
): Promise<number> {
  const identity = `${pid}@${hostname()}`;
  const deadline = Date.now() + 5 * 60_000;
  while (Date.now() < deadline) {
    const { pollers } = await Promise.race([
      exited,
      client.workflowService.describeTaskQueue({
        namespace: client.options.namespace,
        taskQueue: { name: taskQueue },
        taskQueueType: TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
      }),
    ]);
    if (pollers.some((p) => p.identity === identity)) return Date.now();
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`the worker ${identity} did not poll ${taskQueue} within 5 minutes`);
}
