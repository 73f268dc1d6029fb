// The embedded Temporal dev server: `temporal server start-dev` with a SQLite file, so that cases
// survive a restart. Started as its own process group (Ctrl-C in the terminal reaches only the
// supervisor, which stops the worker first and the server last); a pid file lets the next start
// clean up a server left behind by a supervisor that was killed outright.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Connection } from '@temporalio/client';
import { SearchAttributeType } from '@temporalio/common';
import type { Logger } from 'pino';
import { portInUse } from '../free-port.js';
import { ensureTemporalCli } from '../temporal-binaries.js';
import { SEARCH_ATTRIBUTES } from '../../workflows/search-attributes.js';

export interface DevServerOptions {
  dataDir: string;
  port: number;
  uiPort: number;
  namespace: string;
  logger: Logger;
  /** How long to wait for the server to answer. */
  startTimeoutMs?: number;
  /** The Web UI's remote codec endpoint (the HTTP service's /codec), so that it shows payloads decrypted. */
  uiCodecEndpoint?: string;
  /** Dynamic configuration values (`--dynamic-config-value key=value`), e.g. a lower continue-as-new threshold. */
  dynamicConfig?: Record<string, string | number | boolean>;
}

export interface DevServer {
  address: string;
  uiUrl: string;
  databaseFile: string;
  stop(): Promise<void>;
}

const CLI_TYPE_NAMES: Record<string, string> = {
  [SearchAttributeType.KEYWORD]: 'Keyword',
  [SearchAttributeType.TEXT]: 'Text',
  [SearchAttributeType.INT]: 'Int',
  [SearchAttributeType.DOUBLE]: 'Double',
  [SearchAttributeType.BOOL]: 'Bool',
  [SearchAttributeType.DATETIME]: 'Datetime',
  [SearchAttributeType.KEYWORD_LIST]: 'KeywordList',
};

/** `--search-attribute Name=Type` flags for every custom attribute the workflow uses. */
export function searchAttributeFlags(): string[] {
  return SEARCH_ATTRIBUTES.flatMap((key) => ['--search-attribute', `${key.name}=${CLI_TYPE_NAMES[key.type]}`]);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Stops a dev server that an earlier, killed supervisor left running on our data folder. */
async function stopLeftover(pidFile: string, logger: Logger): Promise<void> {
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8').trim());
  const cmdline = existsSync(`/proc/${pid}/cmdline`) ? readFileSync(`/proc/${pid}/cmdline`, 'utf8') : '';
  if (Number.isInteger(pid) && pid > 0 && alive(pid) && cmdline.includes('start-dev')) {
    logger.warn({ pid }, 'stopping a Temporal dev server left running by an earlier session');
    process.kill(-pid, 'SIGTERM');
    for (let i = 0; i < 100 && alive(pid); i++) await new Promise((r) => setTimeout(r, 100));
  }
  await rm(pidFile, { force: true });
}

async function waitUntilServing(address: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the Temporal dev server exited with code ${child.exitCode}`);
    try {
      const connection = await Connection.connect({ address, connectTimeout: 1_000 });
      try {
        await connection.workflowService.getSystemInfo({});
        return;
      } finally {
        await connection.close();
      }
    } catch (err) {
      lastError = err;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  throw new Error(
    `the Temporal dev server did not answer on ${address} within ${timeoutMs / 1000} s: ${String(lastError)}`,
  );
}

export async function startDevServer(options: DevServerOptions): Promise<DevServer> {
  const { dataDir, port, uiPort, namespace, logger } = options;
  await mkdir(dataDir, { recursive: true });
  const pidFile = join(dataDir, 'temporal-server.pid');
  const databaseFile = join(dataDir, 'temporal.sqlite');
  await stopLeftover(pidFile, logger);
  for (const [what, p] of [
    ['TEMPORAL_PORT', port],
    ['TEMPORAL_UI_PORT', uiPort],
  ] as const) {
    if (await portInUse(p)) {
      throw new Error(`port ${p} (${what}) is already in use: stop what uses it, or choose another port with ${what}`);
    }
  }

  const cli = await ensureTemporalCli((line) => logger.info(line));
  const args = [
    'server',
    'start-dev',
    '--db-filename',
    databaseFile,
    '--ip',
    '127.0.0.1',
    '--port',
    String(port),
    '--ui-port',
    String(uiPort),
    '--log-level',
    'error',
    ...(namespace === 'default' ? [] : ['--namespace', namespace]),
    ...(options.uiCodecEndpoint ? ['--ui-codec-endpoint', options.uiCodecEndpoint] : []),
    ...searchAttributeFlags(),
    ...Object.entries(options.dynamicConfig ?? {}).flatMap(([key, value]) => [
      '--dynamic-config-value',
      `${key}=${JSON.stringify(value)}`,
    ]),
  ];
  const child = spawn(cli.path, args, { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const serverLog = logger.child({ component: 'temporal-server' });
  const recent: string[] = [];
  for (const stream of [child.stdout, child.stderr]) {
    createInterface({ input: stream }).on('line', (line) => {
      recent.push(line);
      if (recent.length > 20) recent.shift();
      if (line.trim()) serverLog.debug(line);
    });
  }
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  if (child.pid) await writeFile(pidFile, String(child.pid));

  const address = `127.0.0.1:${port}`;
  try {
    await waitUntilServing(address, child, options.startTimeoutMs ?? 60_000);
  } catch (err) {
    if (child.exitCode === null && child.pid) process.kill(-child.pid, 'SIGKILL');
    await rm(pidFile, { force: true });
    throw new Error(`${(err as Error).message}\nlast output of the server:\n${recent.join('\n')}`);
  }

  return {
    address,
    uiUrl: `http://localhost:${uiPort}`,
    databaseFile,
    async stop() {
      if (child.exitCode === null && child.pid) {
        // SIGTERM lets the server close its SQLite file cleanly; SIGKILL only if it hangs.
        process.kill(-child.pid, 'SIGTERM');
        const timer = setTimeout(() => child.pid && process.kill(-child.pid, 'SIGKILL'), 15_000);
        await exited;
        clearTimeout(timer);
      }
      await rm(pidFile, { force: true });
    },
  };
}
