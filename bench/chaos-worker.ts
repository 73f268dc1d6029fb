// The worker of the chaos measurement (chaos.ts), in a process of its own so that it can be killed
// with SIGKILL. It is `poortwachter worker` as far as the test server allows: the configuration from
// the environment (TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_TASK_QUEUE, SMTP_URL, POORTWACHTER_KEYS)
// and createCaseWorker, so its own connections and the SMTP mailer. Three differences, each for a
// reason:
// - the workflow code comes bundled by the parent (CHAOS_WORKFLOW_BUNDLE): a restart then takes a
//   second instead of a webpack run;
// - no workflow cache, hence no sticky task queue: the time-skipping test server never times out a
//   task left on a dead worker's sticky queue (production does, after a few seconds), so with a cache
//   every case of a killed worker would wait forever (see test/cases/worker-restart.test.ts);
// - no search-attribute registration or digest schedule (runWorker does both): the parent registered
//   the attributes, and digests would be e-mails the cases' timelines do not account for.
// It tells the parent over the IPC channel when it polls; SIGTERM or SIGINT stop it cleanly.
import { loadConfig } from '../runtime/config.js';
import { createLogger } from '../runtime/logger.js';
import { shutdownSignal } from '../worker/main.js';
import { createCaseWorker } from '../worker/worker.js';

const config = loadConfig();
const logger = createLogger(config, 'chaos-worker');
const codePath = process.env.CHAOS_WORKFLOW_BUNDLE;
const { worker, close } = await createCaseWorker({
  config,
  logger,
  options: { maxCachedWorkflows: 0, ...(codePath && { workflowBundle: { codePath } }) },
});
const running = worker.run();
process.send?.({ type: 'ready', pid: process.pid });
// A parent that died must not leave a worker behind that keeps sending e-mail.
process.once('disconnect', () => process.exit(1));
await Promise.race([running, shutdownSignal()]);
if (worker.getState() === 'RUNNING') worker.shutdown();
await running;
await close();
// The IPC channel would keep the process alive.
process.removeAllListeners('disconnect');
process.disconnect?.();
