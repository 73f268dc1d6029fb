// A running case world for workflow tests: the shared time-skipping server, a real SMTP sink on
// loopback, and a worker with the real activities on its own task queue.
import { Client } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { createActivities, type ActivityDeps } from '../../activities/index.js';
import { createMailer } from '../../activities/mail.js';
import type { CaseClientOptions } from '../../client/cases.js';
import { amsterdamDate, amsterdamInstant } from '../../workflows/calendar/amsterdam-time.js';
import type { IsoDate } from '../../workflows/calendar/index.js';
import { startSmtpSink, type SmtpSink, type SmtpSinkOptions } from '../../tools/smtp-sink.js';
import { connectTimeSkipping, testDataConverter, workflowBundle } from './temporal.js';

export interface CaseWorld {
  env: TestWorkflowEnvironment;
  sink: SmtpSink;
  worker: Worker;
  cases: CaseClientOptions;
  now(): Promise<number>;
  today(): Promise<IsoDate>;
  /** Lets server time run (timers fire, activities run) until `hour`:00 Amsterdam time on `date`. */
  travelTo(date: IsoDate, hour?: number): Promise<void>;
  /** Marks a workflow this world must terminate on close (for workflows started outside `cases`). */
  track(workflowId: string): void;
  /** Terminates the world's running workflows, then stops the worker. */
  close(): Promise<void>;
}

let queues = 0;

export interface CaseWorldOptions {
  /** Activity settings beyond the mailer (supervisor and operations addresses, templates). */
  activities?: Omit<ActivityDeps, 'mailer'>;
  /** A sink that refuses on purpose. */
  sink?: SmtpSinkOptions;
}

export async function startCaseWorld(options: CaseWorldOptions = {}): Promise<CaseWorld> {
  const env = await connectTimeSkipping();
  const sink = await startSmtpSink(options.sink);
  const mailer = createMailer(sink.url, 'Poortwachter <poortwachter@test.invalid>');
  const taskQueue = `cases-${process.pid}-${++queues}`;
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: await workflowBundle(),
    activities: createActivities({ mailer, ...options.activities }),
    dataConverter: testDataConverter(),
  });
  const running = worker.run();
  const now = () => env.currentTimeMs();
  // The test server is shared and its clock global: a workflow left running after its worker is gone
  // would hold a workflow task that nobody completes, and the server would stop skipping time for
  // every later test file. So every workflow started through `cases` is recorded and terminated.
  const started = new Set<string>();
  const client = new Client({
    connection: env.connection,
    dataConverter: testDataConverter(),
    interceptors: {
      workflow: [
        {
          async start(input, next) {
            started.add(input.options.workflowId);
            return next(input);
          },
        },
      ],
    },
  });
  return {
    env,
    sink,
    worker,
    cases: { client, taskQueue },
    track: (workflowId) => started.add(workflowId),
    now,
    today: async () => amsterdamDate(await now()),
    async travelTo(date, hour = 9) {
      const target = amsterdamInstant(date, hour);
      const current = await now();
      if (target < current) throw new Error(`cannot travel back to ${date} ${hour}:00`);
      await env.sleep(target - current);
    },
    async close() {
      // The test server holds time skipping while an activity is in flight, and a termination does
      // not release that hold: let a minute of server time pass (which waits for running activities)
      // before terminating.
      if (started.size > 0) await env.sleep(60_000);
      for (const workflowId of started) {
        await client.workflow
          .getHandle(workflowId)
          .terminate('test finished')
          .catch(() => undefined); // already closed
      }
      worker.shutdown();
      await running;
      mailer.close();
      await sink.close();
      await env.teardown();
    },
  };
}

export function sampleCase(caseId: string, firstSickDay: IsoDate, extra: Record<string, unknown> = {}) {
  return {
    caseId,
    employer: { id: 'wg-001', name: 'Bakkerij De Korenschoof', escalationEmail: 'hr@korenschoof.example' },
    employee: { id: 'wn-8f3a', displayName: 'J. de Vries' },
    casemanager: { name: 'Casemanager Anna', email: 'anna@arbo.example' },
    bedrijfsarts: { name: 'Dr. B. Arts', email: 'arts@arbo.example' },
    firstSickDay,
    ...extra,
  };
}
