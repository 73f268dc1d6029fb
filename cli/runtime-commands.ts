// `poortwachter dev`, `cluster` and `worker`: the long-running processes.
import { KeyringError, loadKeyring } from '../runtime/codec.js';
import { createLogger } from '../runtime/logger.js';
import { configOrExit } from './connect.js';
import { CliError, EXIT_FAILURE, EXIT_OK, type Io } from './io.js';

export async function devCommand(io: Io): Promise<number> {
  const config = configOrExit();
  const { runDev } = await import('../tools/dev/dev.js');
  try {
    await runDev(config, createLogger(config, 'poortwachter-dev'), (text) => io.stdout.write(text));
  } catch (err) {
    if (err instanceof KeyringError) throw new CliError(err.message);
    await exitIfWorkerFailed(err, 'dev', io); // runDev stopped the dev server and mail catcher first
    throw err;
  }
  return EXIT_OK;
}

export async function clusterCommand(io: Io): Promise<number> {
  const config = configOrExit();
  const { runCluster } = await import('../tools/cluster/stack.js');
  try {
    await runCluster(config, createLogger(config, 'poortwachter-cluster'), (text) => io.stdout.write(text));
  } catch (err) {
    if (err instanceof KeyringError) throw new CliError(err.message);
    // What could not start says so in words (a missing Go or PostgreSQL, a port in use): no stack trace.
    throw new CliError((err as Error).message, EXIT_FAILURE);
  }
  return EXIT_OK;
}

/**
 * A worker that could not start or failed ends the process with exit code 1, so that its supervisor
 * sees it; process.exit because the SDK may leave a thread behind that keeps the process alive.
 */
async function exitIfWorkerFailed(err: unknown, command: string, io: Io): Promise<void> {
  const { WorkerFailedError } = await import('../worker/main.js');
  if (!(err instanceof WorkerFailedError)) return;
  const cause = err.cause instanceof Error ? `: ${err.cause.message}` : '';
  io.stderr.write(`poortwachter ${command}: ${err.message}${cause}\n`);
  process.exit(EXIT_FAILURE);
}

export async function workerCommand(io: Io): Promise<number> {
  const config = configOrExit();
  try {
    loadKeyring(config); // a worker without its keys would fail every task: refuse to start
  } catch (err) {
    if (err instanceof KeyringError) throw new CliError(err.message);
    throw err;
  }
  const { runWorker } = await import('../worker/main.js');
  try {
    await runWorker(config, createLogger(config, 'poortwachter-worker'));
  } catch (err) {
    await exitIfWorkerFailed(err, 'worker', io);
    throw err;
  }
  return EXIT_OK;
}
