// A project-local PostgreSQL for the cluster: Debian's PostgreSQL 15 binaries, a data folder of our
// own, listening on loopback only, on a port of its own (never a system PostgreSQL's 5432). The
// Temporal server reaches it over TCP with a password; we administer it over its unix socket, which
// lives inside the data folder.
//
// PostgreSQL refuses to run as root. As root (CI, these machines), the data folder belongs to the
// `postgres` user of the Debian package and every command runs as that user (runuser).
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { appendFile, chown, mkdir } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { POSTGRES_MAJOR } from './versions.js';

const run = promisify(execFile);

export interface PostgresOptions {
  dataDir: string;
  port: number;
  /** The role the Temporal server logs in as (created with CREATEDB). */
  user: string;
  password: string;
}

export interface Postgres {
  port: number;
  stop(): Promise<void>;
  start(): Promise<void>;
}

export class PostgresError extends Error {}

/** The binaries of Debian's PostgreSQL of the major version the cluster uses. */
export function postgresBin(): string {
  const dir = process.env.POSTGRES_BIN ?? `/usr/lib/postgresql/${POSTGRES_MAJOR}/bin`;
  if (!existsSync(join(dir, 'pg_ctl'))) {
    throw new PostgresError(
      `PostgreSQL ${POSTGRES_MAJOR} is not installed (no ${dir}/pg_ctl): apt-get install postgresql-${POSTGRES_MAJOR}, or set POSTGRES_BIN to its bin folder`,
    );
  }
  return dir;
}

const asRoot = userInfo().uid === 0;

/** Runs a PostgreSQL program as the user that owns the data (postgres when we are root). */
async function pg(program: string, args: string[], options: { input?: string } = {}): Promise<string> {
  const path = join(postgresBin(), program);
  const [file, argv] = asRoot ? ['runuser', ['-u', 'postgres', '--', path, ...args]] : [path, args];
  try {
    const child = run(file, argv, { timeout: 120_000, maxBuffer: 16 * 1024 * 1024 });
    if (options.input !== undefined) child.child.stdin?.end(options.input);
    return (await child).stdout;
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: string };
    throw new PostgresError(
      `${program} ${args[0] ?? ''} failed: ${(e.stderr || e.message).trim().split('\n').slice(-5).join(' / ')}`,
    );
  }
}

/** Creates the data folder on first use, starts PostgreSQL and makes sure the server's role exists. */
export async function startPostgres(
  options: PostgresOptions,
  log: (line: string) => void = () => {},
): Promise<Postgres> {
  const { dataDir, port } = options;
  const fresh = !existsSync(join(dataDir, 'PG_VERSION'));
  if (fresh) {
    if (existsSync(dataDir) && readdirSync(dataDir).length > 0) {
      throw new PostgresError(`${dataDir} is not empty and not a PostgreSQL data folder: remove it or choose another`);
    }
    // The folders above it stay as they are (the postgres user must be able to pass through them).
    await mkdir(dirname(dataDir), { recursive: true });
    await mkdir(dataDir, { recursive: true, mode: 0o700 });
    if (asRoot) {
      const { stdout } = await run('id', ['-u', 'postgres']).catch(() => {
        throw new PostgresError('running as root, PostgreSQL needs the `postgres` user of the Debian package');
      });
      const uid = Number(stdout.trim());
      const { stdout: gid } = await run('id', ['-g', 'postgres']);
      await chown(dataDir, uid, Number(gid.trim()));
      await run('runuser', ['-u', 'postgres', '--', 'test', '-w', dataDir]).catch(() => {
        throw new PostgresError(
          `the postgres user cannot reach ${dataDir}: a folder above it is closed to other users (chmod o+x it, or choose a data folder elsewhere)`,
        );
      });
    }
    log(`creating a PostgreSQL ${POSTGRES_MAJOR} data folder in ${dataDir}`);
    await pg('initdb', [
      '-D',
      dataDir,
      '--auth-local=peer',
      '--auth-host=scram-sha-256',
      '--encoding=UTF8',
      '--no-locale',
    ]);
    // Loopback only; the socket in the data folder (no /var/run/postgresql needed); the Temporal
    // server keeps about 50 connections open (four services, each with its pools).
    await appendFile(
      join(dataDir, 'postgresql.conf'),
      [
        '',
        '# poortwachter cluster (tools/cluster/postgres.ts)',
        "listen_addresses = '127.0.0.1'",
        `port = ${port}`,
        "unix_socket_directories = '.'",
        'max_connections = 200',
        '',
      ].join('\n'),
    );
  }
  const pgCtl = (...args: string[]) => pg('pg_ctl', ['-D', dataDir, ...args]);
  // pg_ctl runs PostgreSQL apart from us: if this process exits without stopping it (a third Ctrl-C,
  // a crash), it is stopped at once rather than left holding the port and the data folder.
  const stopAtExit = () => {
    const path = join(postgresBin(), 'pg_ctl');
    const args = ['-D', dataDir, '-m', 'immediate', 'stop'];
    try {
      execFileSync(asRoot ? 'runuser' : path, asRoot ? ['-u', 'postgres', '--', path, ...args] : args, {
        stdio: 'ignore',
      });
    } catch {
      // not running
    }
  };
  const start = async () => {
    // -o -p: the port of this start, also for a data folder made earlier with another.
    await pgCtl('-l', join(dataDir, 'server.log'), '-o', `-p ${port}`, '-w', '-t', '60', 'start');
    process.once('exit', stopAtExit);
  };
  const stop = async () => {
    // fast: ends the sessions (the Temporal server reconnects), waits for a clean shutdown.
    await pgCtl('-m', 'fast', '-w', '-t', '60', 'stop');
    process.removeListener('exit', stopAtExit);
  };
  await start();
  try {
    // The server's role, on every start (a first start may have stopped before it): the password
    // through stdin, never on a command line (visible in the process list).
    const user = options.user.replace(/"/g, '""');
    const quoted = options.password.replace(/'/g, "''");
    await pg('psql', ['-h', dataDir, '-p', String(port), '-d', 'postgres', '-v', 'ON_ERROR_STOP=1', '-q'], {
      input:
        `SELECT 'CREATE ROLE "${user}" LOGIN CREATEDB' WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '${options.user.replace(/'/g, "''")}')\\gexec\n` +
        `ALTER ROLE "${user}" WITH LOGIN CREATEDB PASSWORD '${quoted}';\n`,
    });
  } catch (err) {
    await stop().catch(() => undefined);
    throw err;
  }
  log(`PostgreSQL ${POSTGRES_MAJOR} on 127.0.0.1:${port} (data ${dataDir})`);
  return { port, start, stop };
}
