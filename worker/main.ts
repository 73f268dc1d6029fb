// `poortwachter worker`: one worker process for the configured cluster, stopped cleanly by
// SIGINT or SIGTERM (finishing its current tasks first). Scale out by running more of them.
import type { Logger } from 'pino';
import type { Config } from '../client/config.js';
import { Connection } from '@temporalio/client';
import { connectionOptions, temporalAddress } from '../client/connection.js';
import { registerSearchAttributes } from '../client/search-attributes.js';
import { createCaseWorker } from './worker.js';

/** Resolves on the first SIGINT or SIGTERM. */
export function shutdownSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const onSignal = (signal: NodeJS.Signals) => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      resolve(signal);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}

/**
 * Makes sure the cluster knows the case search attributes. Best effort: Temporal Cloud, or a user
 * without operator rights, refuses; then an administrator must create them (see README).
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
      'could not register the search attributes CaseStatus, CasemanagerId, EmployerId, NextDeadline and OverdueTasks; ' +
        'create them on the cluster (see README), or cases cannot be listed',
    );
  }
}

export async function runWorker(
  config: Config,
  logger: Logger,
  stop: Promise<unknown> = shutdownSignal(),
): Promise<void> {
  await ensureSearchAttributes(config, logger);
  const { worker, close } = await createCaseWorker({ config, logger });
  logger.info(
    { address: temporalAddress(config), namespace: config.namespace, taskQueue: config.taskQueue },
    'worker started',
  );
  const running = worker.run();
  await Promise.race([running, stop]);
  if (worker.getState() === 'RUNNING') worker.shutdown();
  await running;
  await close();
  logger.info('worker stopped');
}
