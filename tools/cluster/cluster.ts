// The production topology's server side on one machine: PostgreSQL 15 and the Temporal server built
// from its Go module, configured by cluster/temporal.yaml. `npm run cluster` (stack.ts) adds workers,
// service instances, the mail catcher and the Web UI; the cluster tier of the tests
// (test/cluster/) starts this part and its own workers, and restarts the server and PostgreSQL
// under running cases.
import { portInUse } from '../free-port.js';
import { join } from 'node:path';
import { ensureClusterBinaries, type ClusterBinaries } from './binaries.js';
import { startPostgres, type Postgres } from './postgres.js';
import { ensureNamespace, setupSchemas, startTemporalServer, type TemporalServer } from './temporal-server.js';
import { NAMESPACE_RETENTION_DAYS } from './versions.js';

/** The server's ports at offset 0, as cluster/temporal.yaml has them: all shift with the offset. */
export const SERVER_PORTS = [7233, 7234, 7235, 7239, 7243, 6933, 6934, 6935, 6939] as const;

export interface ClusterOptions {
  /** Holds the PostgreSQL data folder (pg/) and the logs (logs/). */
  dataDir: string;
  /** Added to every server port: 0 serves the frontend on 7233. */
  portOffset: number;
  postgresPort: number;
  namespace: string;
  retentionDays?: number;
  log?: (line: string) => void;
}

export interface Cluster {
  /** host:port of the frontend. */
  address: string;
  binaries: ClusterBinaries;
  postgres: Postgres;
  server(): TemporalServer;
  /** Stops the Temporal server and starts it again on the same database. */
  restartServer(pauseMs?: number): Promise<void>;
  /** Stops PostgreSQL (the server keeps running and reconnects) and starts it again. */
  restartPostgres(pauseMs?: number): Promise<void>;
  /** Server first, then PostgreSQL. */
  stop(): Promise<void>;
}

/** The local role the server logs in as: on loopback only, in a data folder that is ours. */
const DB = { user: 'temporal', password: 'temporal' };

export async function startCluster(options: ClusterOptions): Promise<Cluster> {
  const log = options.log ?? (() => {});
  const ports = SERVER_PORTS.map((p) => p + options.portOffset);
  for (const port of [...ports, options.postgresPort]) {
    if (await portInUse(port)) {
      throw new Error(
        `port ${port} is in use: the cluster needs ${ports.join(', ')} and ${options.postgresPort} (PostgreSQL); ` +
          'stop what uses it, or move the cluster (TEMPORAL_ADDRESS with another port shifts them all)',
      );
    }
  }
  const binaries = await ensureClusterBinaries(log);
  const postgres = await startPostgres(
    { dataDir: join(options.dataDir, 'pg'), port: options.postgresPort, ...DB },
    log,
  );
  let started: TemporalServer | undefined;
  try {
    await setupSchemas(binaries, { port: options.postgresPort, ...DB }, log);
    const address = `127.0.0.1:${7233 + options.portOffset}`;
    const serverOptions = {
      binaries,
      address,
      logFile: join(options.dataDir, 'logs', 'temporal-server.log'),
      env: {
        CLUSTER_PG_PORT: String(options.postgresPort),
        CLUSTER_PG_USER: DB.user,
        CLUSTER_PG_PASSWORD: DB.password,
        CLUSTER_PORT_OFFSET: String(options.portOffset),
        CLUSTER_LOG_LEVEL: 'warn',
      },
    };
    let server = await startTemporalServer(serverOptions);
    started = server;
    log(`Temporal server ${address} (log ${serverOptions.logFile})`);
    await ensureNamespace(address, options.namespace, options.retentionDays ?? NAMESPACE_RETENTION_DAYS);
    const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));
    return {
      address,
      binaries,
      postgres,
      server: () => server,
      async restartServer(pauseMs = 0) {
        await server.stop();
        await pause(pauseMs);
        server = await startTemporalServer(serverOptions);
      },
      async restartPostgres(pauseMs = 0) {
        await postgres.stop();
        await pause(pauseMs);
        await postgres.start();
      },
      async stop() {
        await server.stop();
        await postgres.stop();
      },
    };
  } catch (err) {
    await started?.stop().catch(() => undefined);
    await postgres.stop().catch(() => undefined);
    throw err;
  }
}
