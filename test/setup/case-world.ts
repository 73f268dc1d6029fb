// A running case world for workflow tests: the file's time-skipping server, a real SMTP sink on
// loopback, and a worker with the real activities on its own task queue.
//
// The world's clock: the server's clock is shared by the file's worlds and only moves forward, so its
// date says nothing about a test. Each test pins its own date with `startAt`: from then on the
// world's clock reads the scenario's date and hour (server time minus an offset), and every case
// opened through `cases` is started with that offset as `clockOffsetMs` (see CaseWorkflowInput), so
// it lives in the scenario's own dates: weekdays, holidays and 08:00 in summer or winter time are
// exactly the scenario's, and its timeline times are scenario times. Tests keep calling the real
// client library (`openCase(world.cases, …)`): the world's client adds the offset on the way out.
import { Client, type WorkflowClientInterceptor } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { createActivities, type ActivityDeps } from '../../activities/index.js';
import { createMailer } from '../../activities/mail.js';
import { caseOpener, getCase, type CaseClientOptions } from '../../client/cases.js';
import { amsterdamDate, amsterdamInstant } from '../../workflows/calendar/amsterdam-time.js';
import type { IsoDate } from '../../workflows/calendar/index.js';
import type { CaseView } from '../../workflows/case-api.js';
import type { CaseWorkflowInput } from '../../workflows/case-model.js';
import { startSmtpSink, type SmtpSink, type SmtpSinkOptions } from '../../tools/smtp-sink.js';
import { connectTimeSkipping, testDataConverter, testSearchKeys, workflowBundle } from './temporal.js';

export interface CaseWorld {
  env: TestWorkflowEnvironment;
  sink: SmtpSink;
  worker: Worker;
  /** The world's client (it adds the world's clock offset to every case it opens) and task queue. */
  cases: CaseClientOptions;
  /**
   * Pins the world's clock: from now on it reads `hour`:00 Amsterdam time on `date`, and runs on
   * with the server's. The cases opened through `cases` from here on live in these dates. Call it at
   * the start of each test, before the test's cases are opened; cases opened under an earlier pin
   * keep their own clock. Until it is called the world's clock is the server's (offset 0).
   */
  startAt(date: IsoDate, hour?: number): Promise<void>;
  /** The world's clock (ms since epoch). */
  now(): Promise<number>;
  /** The world's date in Amsterdam. */
  today(): Promise<IsoDate>;
  /** Lets server time run (timers fire, activities run) until `hour`:00 Amsterdam world time on `date`. */
  travelTo(date: IsoDate, hour?: number): Promise<void>;
  /**
   * A case as the world sees it today (getCase with `asOf` = the world's date). getCase's default
   * `asOf` is the machine's date, which for a pinned date in the past lies after the case's own
   * clock: the view would be judged on the wrong day.
   */
  show(caseId: string): Promise<CaseView>;
  /** Marks a workflow this world must terminate on close (for workflows started outside `cases`). */
  track(workflowId: string): void;
  /** Terminates the world's running workflows, then stops the worker. */
  close(): Promise<void>;
}

let queues = 0;

export interface CaseWorldOptions {
  /** Activity settings beyond the mailer (supervisor and operations addresses, templates). */
  activities?: Omit<ActivityDeps, 'mailer' | 'searchKeys'>;
  /** A sink that refuses on purpose. */
  sink?: SmtpSinkOptions;
}

/** The hour of `startAt` unless a test says otherwise: after the 08:00 e-mails of the day. */
export const START_HOUR = 9;

/**
 * A case workflow's input with `clockOffsetMs` added (an opened case, or the state a continued run
 * carries), unless it has one already; any other workflow's input unchanged.
 */
export function withClockOffset(workflowType: string, args: unknown[], offsetMs: number): unknown[] {
  if (workflowType !== 'caseWorkflow' || offsetMs === 0) return args;
  const [input, ...rest] = args as [CaseWorkflowInput | null | undefined, ...unknown[]];
  if (typeof input !== 'object' || input === null) return args;
  if ('open' in input && input.clockOffsetMs === undefined) return [{ ...input, clockOffsetMs: offsetMs }, ...rest];
  if ('continued' in input && input.continued.clockOffsetMs === undefined) {
    return [{ continued: { ...input.continued, clockOffsetMs: offsetMs } }, ...rest];
  }
  return args;
}

/**
 * A client interceptor that records every started workflow id in `started` and gives every case the
 * clock offset `offsetMs()` returns at its start.
 */
export function clockOffsetInterceptor(offsetMs: () => number, started?: Set<string>): WorkflowClientInterceptor {
  return {
    async startWithDetails(input, next) {
      started?.add(input.options.workflowId);
      const args = withClockOffset(input.workflowType, input.options.args, offsetMs());
      return next(args === input.options.args ? input : { ...input, options: { ...input.options, args } });
    },
  };
}

export async function startCaseWorld(options: CaseWorldOptions = {}): Promise<CaseWorld> {
  const env = await connectTimeSkipping();
  const sink = await startSmtpSink(options.sink);
  const mailer = createMailer(sink.url, 'Poortwachter <poortwachter@test.invalid>');
  const taskQueue = `cases-${process.pid}-${++queues}`;
  let offset = 0;
  const now = async () => (await env.currentTimeMs()) - offset;
  const today = async () => amsterdamDate(await now());
  // The test server is shared and its clock global: a workflow left running after its worker is gone
  // would hold a workflow task that nobody completes, and the server would stop skipping time for
  // every later test file. So every workflow started through `cases` is recorded and terminated.
  const started = new Set<string>();
  const client = new Client({
    connection: env.connection,
    dataConverter: testDataConverter(),
    interceptors: { workflow: [clockOffsetInterceptor(() => offset, started)] },
  });
  const cases = { client, taskQueue };
  // A bulk import opens its cases through the world's client: they live in the world's dates too.
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: await workflowBundle(),
    activities: createActivities({
      mailer,
      searchKeys: testSearchKeys(),
      caseOpener: caseOpener(cases),
      ...options.activities,
    }),
    dataConverter: testDataConverter(),
  });
  const running = worker.run();
  return {
    env,
    sink,
    worker,
    cases,
    track: (workflowId) => started.add(workflowId),
    async startAt(date, hour = START_HOUR) {
      offset = (await env.currentTimeMs()) - amsterdamInstant(date, hour);
    },
    now,
    today,
    async travelTo(date, hour = 9) {
      const target = amsterdamInstant(date, hour);
      const current = await now();
      if (target < current) throw new Error(`cannot travel back to ${date} ${hour}:00`);
      await env.sleep(target - current);
    },
    show: async (caseId) => getCase(cases, caseId, { asOf: await today() }),
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
