// `poortwachter serve` and `poortwachter apikey create|list|revoke`: the HTTP service and its keys.
import { ApiKeyError, createKey, readKeysFile, revokeKey, SCOPES, type Scope } from '../service/api-keys.js';
import { KeyringError, loadKeyring } from '../runtime/codec.js';
import { createLogger } from '../runtime/logger.js';
import { configOrExit } from './connect.js';
import { CliError, EXIT_OK, type Io } from './io.js';
import { formatTable } from './table.js';

function untilSignal(): Promise<void> {
  return new Promise((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
}

export async function serveCommand(io: Io, stop: Promise<unknown> = untilSignal()): Promise<number> {
  const config = configOrExit();
  try {
    loadKeyring(config); // the service reads and writes encrypted cases: refuse to start without keys
  } catch (err) {
    if (err instanceof KeyringError) throw new CliError(err.message);
    throw err;
  }
  const { startService } = await import('../service/main.js');
  let service;
  try {
    service = await startService(config, createLogger(config, 'poortwachter-serve'));
  } catch (err) {
    throw new CliError((err as Error).message, 1);
  }
  io.stdout.write(
    `poortwachter serve: ${service.url}/api/v1 (OpenAPI ${service.url}/api/openapi.json, docs ${service.url}/api/docs); ` +
      `API keys ${config.apiKeysFile}, access log ${config.accessLog}. Ctrl-C stops it.\n`,
  );
  try {
    await stop;
  } finally {
    await service.close();
  }
  return EXIT_OK;
}

export interface ApiKeyCreateOptions {
  name: string;
  scope: string[];
  employer?: string[];
  expires?: string;
}

export async function apikeyCreate(options: ApiKeyCreateOptions, io: Io): Promise<number> {
  const config = configOrExit();
  const unknown = options.scope.filter((s) => !(SCOPES as readonly string[]).includes(s));
  if (unknown.length) throw new CliError(`--scope: unknown ${unknown.join(', ')}; known: ${SCOPES.join(', ')}`);
  if (options.expires !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(options.expires)) {
    throw new CliError(`--expires: "${options.expires}" is not a date YYYY-MM-DD`);
  }
  const expiresAt = options.expires && new Date(`${options.expires}T00:00:00Z`);
  if (expiresAt && (Number.isNaN(expiresAt.getTime()) || expiresAt.getTime() <= Date.now())) {
    throw new CliError(`--expires: ${options.expires} is not a date in the future`);
  }
  const { key, stored } = await withKeysFile(() =>
    createKey(config.apiKeysFile, {
      name: options.name,
      scopes: options.scope as Scope[],
      ...(options.employer?.length && { employers: options.employer }),
      ...(expiresAt && { expiresAt: expiresAt.toISOString() }),
    }),
  );
  io.stdout.write(
    `${key}\n` +
      `(key ${stored.id} "${stored.name}" for ${stored.scopes.join(', ')}` +
      `${stored.employers ? `, employers ${stored.employers.join(', ')}` : ''}; in ${config.apiKeysFile}. ` +
      'It is shown this once: only its hash is kept.)\n',
  );
  return EXIT_OK;
}

export async function apikeyList(io: Io): Promise<number> {
  const config = configOrExit();
  const keys = await withKeysFile(async () => readKeysFile(config.apiKeysFile));
  if (keys.length === 0) {
    io.stdout.write(`no API keys in ${config.apiKeysFile}\n`);
    return EXIT_OK;
  }
  io.stdout.write(
    `${formatTable([
      ['id', 'name', 'scopes', 'employers', 'created', 'expires', 'revoked'],
      ...keys.map((k) => [
        k.id,
        k.name,
        k.scopes.join(','),
        k.employers?.join(',') ?? 'all',
        k.createdAt.slice(0, 10),
        k.expiresAt?.slice(0, 10) ?? '',
        k.revokedAt?.slice(0, 10) ?? '',
      ]),
    ])}\n`,
  );
  return EXIT_OK;
}

export async function apikeyRevoke(id: string, io: Io): Promise<number> {
  const config = configOrExit();
  const revoked = await withKeysFile(() => revokeKey(config.apiKeysFile, id));
  io.stdout.write(`revoked key ${revoked.id} "${revoked.name}"; the service refuses it from its next request\n`);
  return EXIT_OK;
}

async function withKeysFile<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof ApiKeyError) throw new CliError(err.message);
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new CliError(`cannot write the API keys file: ${(err as Error).message} (its folder must exist)`);
    }
    throw err;
  }
}
