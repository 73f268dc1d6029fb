// The Temporal server of the cluster: its schemas set up with its own SQL tool (both the main store
// and the visibility store on PostgreSQL, "advanced visibility", so that custom search attributes
// and list queries work), the server started with the configuration kept in the repository
// (cluster/temporal.yaml, rendered from CLUSTER_* variables), then the namespace and the workflow's
// search attributes registered. Each step is idempotent: a second start finds everything in place.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time.js';
import { registerSearchAttributes } from '../../runtime/search-attributes.js';
import { projectRoot } from '../../runtime/project.js';
import { SEARCH_ATTRIBUTES } from '../../workflows/search-attributes.js';
import type { ClusterBinaries } from './binaries.js';
import { startProcess, type ManagedProcess } from './process.js';
import { SERVER_CONFIG } from './versions.js';

const run = promisify(execFile);

export interface ServerDatabase {
  port: number;
  user: string;
  password: string;
}

export const DATABASES = [
  { name: 'temporal', schema: 'postgresql/v12/temporal' },
  { name: 'temporal_visibility', schema: 'postgresql/v12/visibility' },
] as const;

/** Creates both databases and brings their schemas to the server's version (the SQL tool's own schemas). */
export async function setupSchemas(
  binaries: ClusterBinaries,
  db: ServerDatabase,
  log: (line: string) => void = () => {},
): Promise<void> {
  // The password through the environment (the tool reads SQL_PASSWORD), never on a command line.
  const env = {
    ...process.env,
    SQL_PLUGIN: 'postgres12',
    SQL_HOST: '127.0.0.1',
    SQL_PORT: String(db.port),
    SQL_USER: db.user,
    SQL_PASSWORD: db.password,
  };
  for (const { name, schema } of DATABASES) {
    for (const step of [['create-database'], ['setup-schema', '-v', '0.0'], ['update-schema', '-s', schema]]) {
      try {
        await run(binaries.sqlTool, ['--db', name, ...step], { env, timeout: 120_000, maxBuffer: 64 * 1024 * 1024 });
      } catch (err) {
        const e = err as { stderr?: string; message: string };
        // The tool logs at debug level to stderr: only its last lines say what went wrong.
        const said = (e.stderr ?? e.message)
          .trim()
          .split('\n')
          .filter((l) => !l.includes('"level":"debug"'));
        throw new Error(`temporal-sql-tool ${step[0]} (${name}) failed: ${said.slice(-3).join(' / ')}`);
      }
    }
  }
  log(`schemas of ${DATABASES.map((d) => d.name).join(' and ')} up to date`);
}

export interface TemporalServer {
  address: string;
  process: ManagedProcess;
  /** Stops the server (SIGTERM: it leaves its shards cleanly). */
  stop(): Promise<void>;
}

export interface ServerOptions {
  binaries: ClusterBinaries;
  /** The CLUSTER_* variables of cluster/temporal.yaml. */
  env: Record<string, string>;
  address: string;
  logFile: string;
  startTimeoutMs?: number;
}

/** Starts the server and waits until it serves: not only its health check but a call that reads the database. */
export async function startTemporalServer(options: ServerOptions): Promise<TemporalServer> {
  const child = await startProcess({
    name: 'temporal-server',
    file: options.binaries.server,
    args: ['--config-file', join(projectRoot, SERVER_CONFIG), '--allow-no-auth', 'start'],
    env: { ...process.env, CLUSTER_DIR: join(projectRoot, 'cluster'), ...options.env },
    cwd: projectRoot,
    logFile: options.logFile,
  });
  try {
    await untilServing(options.address, child, options.startTimeoutMs ?? 90_000);
  } catch (err) {
    await child.kill();
    throw new Error(`${(err as Error).message}\nlast output of the server (${options.logFile}):\n${child.recent()}`);
  }
  return { address: options.address, process: child, stop: () => child.stop(30_000) };
}

/**
 * Until the server answers a visibility count of its own system namespace: its health check says
 * SERVING while PostgreSQL is down, so it proves nothing about the database.
 */
async function untilServing(address: string, child: ManagedProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    if (!child.running()) throw new Error(`the Temporal server exited (${await child.exited}) before it served`);
    try {
      const connection = await Connection.connect({ address, connectTimeout: 1_000 });
      try {
        await connection.workflowService.countWorkflowExecutions({ namespace: 'temporal-system' });
        return;
      } finally {
        await connection.close();
      }
    } catch (err) {
      last = err;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  throw new Error(`the Temporal server did not serve on ${address} within ${timeoutMs / 1000} s: ${String(last)}`);
}

const ALREADY_EXISTS = 6;

/**
 * The namespace and the workflow's search attributes, registered when missing; returns once a
 * visibility query on every attribute is accepted (the server caches namespaces for seconds).
 */
export async function ensureNamespace(address: string, namespace: string, retentionDays: number): Promise<void> {
  const connection = await Connection.connect({ address });
  try {
    try {
      await connection.workflowService.registerNamespace({
        namespace,
        workflowExecutionRetentionPeriod: msToTs(`${retentionDays} days`),
      });
    } catch (err) {
      if ((err as { code?: number }).code !== ALREADY_EXISTS) throw err;
    }
    const query = SEARCH_ATTRIBUTES.map((key) => `${key.name} IS NULL`).join(' AND ');
    const deadline = Date.now() + 60_000;
    for (let registered = false; ;) {
      try {
        if (!registered) {
          await registerSearchAttributes(connection, namespace);
          registered = true;
        }
        await connection.workflowService.countWorkflowExecutions({ namespace, query });
        return;
      } catch (err) {
        if (Date.now() > deadline)
          throw new Error(`namespace ${namespace} not usable within 60 s: ${(err as Error).message}`);
        await new Promise((r) => setTimeout(r, 500));
      }
    }
  } finally {
    await connection.close();
  }
}
