// `poortwachter dev` and `poortwachter worker`: the long-running processes.
import { parseArgs } from 'node:util';
import { KeyringError, loadKeyring } from '../codec.js';
import { createLogger } from '../logger.js';
import { configOrExit } from './connect.js';
import { CliError, EXIT_OK, type Io } from './io.js';

function noArguments(args: string[], command: string): void {
  try {
    parseArgs({ args, options: {}, strict: true, allowPositionals: false });
  } catch (err) {
    throw new CliError(
      `${(err as Error).message}\nUsage: poortwachter ${command}   (configured by environment variables, see README)`,
    );
  }
}

export async function devCommand(args: string[], io: Io): Promise<number> {
  noArguments(args, 'dev');
  const config = configOrExit();
  const { runDev } = await import('../../worker/dev.js');
  try {
    await runDev(config, createLogger(config, 'poortwachter-dev'), (text) => io.stdout.write(text));
  } catch (err) {
    if (err instanceof KeyringError) throw new CliError(err.message);
    throw err;
  }
  return EXIT_OK;
}

export async function workerCommand(args: string[]): Promise<number> {
  noArguments(args, 'worker');
  const config = configOrExit();
  try {
    loadKeyring(config); // a worker without its keys would fail every task: refuse to start
  } catch (err) {
    if (err instanceof KeyringError) throw new CliError(err.message);
    throw err;
  }
  const { runWorker } = await import('../../worker/main.js');
  await runWorker(config, createLogger(config, 'poortwachter-worker'));
  return EXIT_OK;
}
