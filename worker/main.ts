// `poortwachter worker`: one worker process for the configured cluster, stopped cleanly by
// SIGINT or SIGTERM (finishing its current tasks first). Scale out by running more of them.
import type { Logger } from 'pino';
import type { Config } from '../runtime/config.js';
import { Connection } from '@temporalio/client';
import { connectClient, connectionOptions, temporalAddress } from '../runtime/connection.js';
import { DIGEST_SCHEDULE_ID, ensureDigestSchedule } from '../client/digest-schedule.js';
import { registerSearchAttributes } from '../runtime/search-attributes.js';
import { SEARCH_ATTRIBUTES } from '../workflows/search-attributes.js';
import { createCaseWorker, type RunningWorker } from './worker.js';

/**
 * Resolves on the first SIGINT or SIGTERM, and keeps catching later ones while the process shuts
 * down: Ctrl-C under `npm run dev` reaches node twice (from the terminal and from npm), and a second,
 * unhandled SIGINT would end the process before it stopped the dev server. A third signal is taken
 * as "stop now".
 */
export function shutdownSignal(onRepeat: (count: number) => void = () => {}): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    let received = 0;
    const onSignal = (signal: NodeJS.Signals) => {
      received++;
      if (received === 1) resolve(signal);
      else if (received >= 3) process.exit(130);
      else onRepeat(received);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}

/**
 * Makes sure the cluster knows the case search attributes. Best effort: Temporal Cloud, or a user
 * without operator rights, refuses; then an administrator must create them (see docs/operations.md).
 */
async function ensureSearchAttributes(config: Config, logger: Logger): Promise<void> {
  try {
    const connection = await Connection.connect(connectionOptions(config));
    try {
      await registerSearchAttributes(connection, config.namespace);
    } finally {
      await connection.close();
    }
  } catch (err) {
    logger.warn(
      { err: (err as Error).message },
      `could not register the search attributes ${SEARCH_ATTRIBUTES.map((a) => a.name).join(', ')}; ` +
        'create them on the cluster (see docs/operations.md), or cases cannot be listed',
    );
  }
}

/**
 * Makes sure the daily digest's Schedule exists and is current. Best effort, like the search
 * attributes: without it, digests only go out on demand (`poortwachter digest`).
 */
async function ensureSchedule(config: Config, logger: Logger): Promise<void> {
  try {
    const client = await connectClient(config);
    try {
      const outcome = await ensureDigestSchedule(client, config.taskQueue);
      logger.info({ scheduleId: DIGEST_SCHEDULE_ID, outcome }, 'daily digest schedule in place');
    } finally {
      await client.connection.close();
    }
  } catch (err) {
    logger.warn(
      { err: (err as Error).message, scheduleId: DIGEST_SCHEDULE_ID },
      'could not create or update the daily digest schedule; digests are sent only on demand until it exists',
    );
  }
}

/**
 * The worker could not start (the server refused it: a namespace that does not exist, an API key or
 * certificate without access) or failed while running; the reason has been logged at `fatal`. The
 * process should then exit: a failed Worker.create (SDK 1.24) leaves the workflow thread it already
 * started running, which would keep the process alive doing nothing.
 */
export class WorkerFailedError extends Error {
  override name = 'WorkerFailedError';
}

export async function runWorker(
  config: Config,
  logger: Logger,
  stop: Promise<unknown> = shutdownSignal(),
): Promise<void> {
  await ensureSearchAttributes(config, logger);
  await ensureSchedule(config, logger);
  let created: RunningWorker;
  try {
    created = await createCaseWorker({ config, logger });
  } catch (err) {
    logger.fatal({ err }, 'worker could not start');
    throw new WorkerFailedError('the worker could not start', { cause: err });
  }
  const { worker, close } = created;
  logger.info(
    { address: temporalAddress(config), namespace: config.namespace, taskQueue: config.taskQueue },
    'worker started',
  );
  const running = worker.run();
  try {
    await Promise.race([running, stop]);
    if (worker.getState() === 'RUNNING') worker.shutdown();
    await running;
  } catch (err) {
    // The worker failed on its own (e.g. its workflow thread ran out of memory).
    logger.fatal({ err }, 'worker failed');
    await close().catch(() => undefined);
    throw new WorkerFailedError('the worker failed', { cause: err });
  }
  await close();
  logger.info('worker stopped');
}
