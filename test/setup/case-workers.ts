// Extra workers for a case world: a worker that can be stopped and another started in its place on
// the same task queue, as when a worker process is restarted in production.
import { Worker, type WorkerOptions } from '@temporalio/worker';
import { createActivities } from '../../activities/index.js';
import { createMailer } from '../../activities/mail.js';
import type { CaseWorld } from './case-world.js';
import { testDataConverter, workflowBundle } from './temporal.js';

export interface RunningCaseWorker {
  worker: Worker;
  /** Shuts the worker down and waits until it has stopped (its e-mail connection closed too). */
  stop(): Promise<void>;
}

/**
 * Starts a worker with the real activities (e-mail to the world's SMTP sink) on `taskQueue`.
 * `options` are passed on to Worker.create, e.g. `maxCachedWorkflows`.
 */
export async function startCaseWorker(
  world: CaseWorld,
  taskQueue: string,
  options: Partial<WorkerOptions> = {},
): Promise<RunningCaseWorker> {
  const mailer = createMailer(world.sink.url, 'Poortwachter <poortwachter@test.invalid>');
  const worker = await Worker.create({
    connection: world.env.nativeConnection,
    taskQueue,
    workflowBundle: await workflowBundle(),
    activities: createActivities({ mailer }),
    dataConverter: testDataConverter(),
    ...options,
  });
  const running = worker.run();
  return {
    worker,
    async stop() {
      worker.shutdown();
      await running;
      mailer.close();
    },
  };
}
