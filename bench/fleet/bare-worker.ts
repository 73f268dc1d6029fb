// The baselines' worker, in a process of its own as the production worker is: the bare workflows,
// one activity that sends an e-mail with the production mailer (activities/mail.ts createMailer: the
// same pooled nodemailer settings and SMTP_SESSIONS activities at a time), the same payload encryption
// and the worker's default workflow cache. Configured through the environment: TEMPORAL_ADDRESS,
// TEMPORAL_TASK_QUEUE, POORTWACHTER_KEYS, SMTP_URL. Stops on SIGTERM.
import { bundleWorkflowCode, DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { createMailer, SMTP_SESSIONS } from '../../activities/mail.js';
import { encryptingDataConverter, parseKeyring } from '../../runtime/codec.js';
import { DEFAULT_MAX_CACHED_WORKFLOWS } from '../../runtime/config.js';
import { bundlerLogger } from '../util.js';
import type { BareActivities } from './bare-workflows.js';

const env = (name: string) => {
  const value = process.env[name];
  if (!value) throw new Error(`bare worker: ${name} is not set`);
  return value;
};

Runtime.install({ logger: new DefaultLogger('WARN') });
const say = (line: string) => process.stderr.write(`${line}\n`);
const mailer = createMailer(env('SMTP_URL'), 'Bench <bench@fleet.test>');
const activities: BareActivities = {
  async sendOne(messageId) {
    await mailer.send({
      messageId,
      to: ['cm001@fleet.test'],
      subject: 'Herinnering',
      text: 'Een taak van een zaak is bijna verlopen.',
    });
  },
};
const connection = await NativeConnection.connect({ address: env('TEMPORAL_ADDRESS') });
const worker = await Worker.create({
  connection,
  taskQueue: env('TEMPORAL_TASK_QUEUE'),
  workflowBundle: await bundleWorkflowCode({
    workflowsPath: new URL('./bare-workflows.js', import.meta.url).pathname,
    logger: bundlerLogger(say),
  }),
  activities,
  maxConcurrentActivityTaskExecutions: SMTP_SESSIONS,
  maxCachedWorkflows: DEFAULT_MAX_CACHED_WORKFLOWS,
  dataConverter: encryptingDataConverter(parseKeyring(env('POORTWACHTER_KEYS'), 'bench key')),
});
process.once('SIGTERM', () => worker.shutdown());
await worker.run();
mailer.close();
await connection.close();
