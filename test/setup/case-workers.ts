// Extra workers for a case world or a dev world: a worker that can be stopped and another started in its place on
// the same task queue, as when a worker process is restarted in production.
import { Worker, type WorkerOptions } from '@temporalio/worker';
import { createActivities, type ActivityDeps } from '../../activities/index.js';
import { createMailer } from '../../activities/mail.js';
import type { CaseWorld } from './case-world.js';
import type { DevWorld } from './dev-world.js';
import { testDataConverter, testSearchKeys, workflowBundle } from './temporal.js';

export interface RunningCaseWorker {
  worker: Worker;
  /** Shuts the worker down and waits until it has stopped (its e-mail connection closed too). */
  stop(): Promise<void>;
}

/**
 * Starts a worker with the real activities (e-mail to the world's SMTP sink) on `taskQueue`.
 * `options` are passed on to Worker.create, e.g. `maxCachedWorkflows`; `activities` are added to the
 * mailer (e.g. a `caseOpener` for imports).
 */
export async function startCaseWorker(
  world: CaseWorld | DevWorld,
  taskQueue: string,
  options: Partial<WorkerOptions> = {},
  activities: Omit<ActivityDeps, 'mailer' | 'searchKeys'> = {},
): Promise<RunningCaseWorker> {
  const mailer = createMailer(world.sink.url, 'Poortwachter <poortwachter@test.invalid>');
  const worker = await Worker.create({
    connection: 'env' in world ? world.env.nativeConnection : world.nativeConnection,
    taskQueue,
    workflowBundle: await workflowBundle(),
    activities: createActivities({ mailer, searchKeys: testSearchKeys(), ...activities }),
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
