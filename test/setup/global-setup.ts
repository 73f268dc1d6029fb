// Prepares the story files once for the whole run (vitest `provide`/`inject`): the payload key, the
// time-skipping test server's binary (each file starts a server of its own from it, see
// test/setup/temporal.ts), and one CLI dev server (SQLite, in a temporary folder) for what needs real
// visibility queries, which the test server lacks. The dev server does not skip time, so files can share
// it; starting it once avoids a few seconds per file.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import type { TestProject } from 'vitest/node';
import { generateKey } from '../../runtime/codec.js';
import { ensureTestServer } from '../../tools/temporal-binaries.js';
import { startDevServer } from '../../tools/dev/dev-server.js';
import { freePort } from '../../tools/free-port.js';

declare module 'vitest' {
  export interface ProvidedContext {
    devServerAddress: string;
    devServerDatabase: string;
    /** The keyring (POORTWACHTER_KEYS text) every test encrypts payloads with. */
    codecKeys: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const log = (line: string) => process.stderr.write(`[global-setup] ${line}\n`);
  // The whole suite runs with payload encryption, as production does: a fresh key per run, handed to
  // the test files (and the CLI they run in-process) through POORTWACHTER_KEYS.
  const codecKeys = `test-${Date.now().toString(36)}:${generateKey()}`;
  process.env.POORTWACHTER_KEYS = codecKeys;
  project.provide('codecKeys', codecKeys);
  // Installed here (if missing) so that a download never counts against a test's time.
  await ensureTestServer(log);

  const dataDir = await mkdtemp(join(tmpdir(), 'poortwachter-test-dev-'));
  const devServer = await startDevServerOnFreePorts(dataDir, log);
  project.provide('devServerAddress', devServer.address);
  project.provide('devServerDatabase', devServer.databaseFile);

  return async () => {
    await devServer.stop();
    await rm(dataDir, { recursive: true, force: true });
  };
}

/**
 * The dev server on two ports that were free a moment ago. Another process on the machine can take
 * one of them before the server binds it ("address already in use"); then it starts again on others.
 */
async function startDevServerOnFreePorts(dataDir: string, log: (line: string) => void) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startDevServer({
        dataDir,
        port: await freePort(),
        uiPort: await freePort(),
        namespace: 'default',
        logger: pino({ level: 'warn' }),
      });
    } catch (err) {
      if (attempt >= 3 || !/address already in use/.test(String(err))) throw err;
      log(`a port of the dev server was taken meanwhile (attempt ${attempt} of 3); starting it on others`);
    }
  }
}
