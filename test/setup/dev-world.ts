// A worker with the real activities on the shared dev server (real time, real visibility), a client
// for it, and an SMTP sink: for what the time-skipping server cannot do (listing cases).
//
// The dev server runs in real time. A test whose meaning depends on the date pins it with `start`:
// the world's clock then reads `hour`:00 Amsterdam time on that date when the world starts and runs
// on in real time, and every case the world's client opens lives in that calendar (the same
// `clockOffsetMs` as a case world, see case-world.ts).
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { inject } from 'vitest';
import { createActivities } from '../../activities/index.js';
import { createMailer } from '../../activities/mail.js';
import { caseOpener, caseReader, type CaseClientOptions } from '../../client/cases.js';
import { amsterdamDate, amsterdamInstant } from '../../workflows/calendar/amsterdam-time.js';
import type { IsoDate } from '../../workflows/calendar/index.js';
import { startSmtpSink, type SmtpSink } from '../../tools/smtp-sink.js';
import { clockOffsetInterceptor, START_HOUR } from './case-world.js';
import { testDataConverter, testSearchKeys, workflowBundle } from './temporal.js';

export interface DevWorld {
  cases: CaseClientOptions;
  sink: SmtpSink;
  /** The worker's connection, for more workers (test/setup/case-workers.ts). */
  nativeConnection: NativeConnection;
  /** The world's date in Amsterdam: the pinned date (for the test's few minutes), else today's. */
  today(): IsoDate;
  close(): Promise<void>;
}

export interface DevWorldOptions {
  /** The date the world's clock reads when it starts; default: the real date (offset 0). */
  start?: IsoDate;
  /** The hour on `start` (default 9). */
  hour?: number;
}

export async function startDevWorld(taskQueue: string, options: DevWorldOptions = {}): Promise<DevWorld> {
  const address = inject('devServerAddress');
  const offset = options.start ? Date.now() - amsterdamInstant(options.start, options.hour ?? START_HOUR) : 0;
  const connection = await Connection.connect({ address });
  const client = new Client({
    connection,
    dataConverter: testDataConverter(),
    interceptors: { workflow: [clockOffsetInterceptor(() => offset)] },
  });
  const cases = { client, taskQueue };
  const sink = await startSmtpSink();
  const workerConnection = await NativeConnection.connect({ address });
  const worker = await Worker.create({
    connection: workerConnection,
    taskQueue,
    workflowBundle: await workflowBundle(),
    activities: createActivities({
      mailer: createMailer(sink.url, 'test@localhost'),
      searchKeys: testSearchKeys(),
      cases: caseReader(cases),
      caseOpener: caseOpener(cases),
    }),
    dataConverter: testDataConverter(),
  });
  const running = worker.run();
  return {
    cases,
    sink,
    nativeConnection: workerConnection,
    today: () => amsterdamDate(Date.now() - offset),
    async close() {
      worker.shutdown();
      await running;
      await workerConnection.close();
      await sink.close();
      await connection.close();
    },
  };
}

/** Polls until `ok` holds (visibility is eventually consistent), failing after 20 s with the last value. */
export async function eventually<T>(probe: () => Promise<T>, ok: (value: T) => boolean, what: string): Promise<T> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const value = await probe();
    if (ok(value)) return value;
    if (Date.now() > deadline) throw new Error(`${what}: still ${JSON.stringify(value)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}
