// A worker with the real activities on the shared dev server (real time, real visibility), a client
// for it, and an SMTP sink: for what the time-skipping server cannot do (listing cases).
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { inject } from 'vitest';
import { createActivities } from '../../activities/index.js';
import { createMailer } from '../../activities/mail.js';
import { caseReader, type CaseClientOptions } from '../../client/cases.js';
import { startSmtpSink, type SmtpSink } from '../../tools/smtp-sink.js';
import { testDataConverter, workflowBundle } from './temporal.js';

export interface DevWorld {
  cases: CaseClientOptions;
  sink: SmtpSink;
  close(): Promise<void>;
}

export async function startDevWorld(taskQueue: string): Promise<DevWorld> {
  const address = inject('devServerAddress');
  const connection = await Connection.connect({ address });
  const cases = { client: new Client({ connection, dataConverter: testDataConverter() }), taskQueue };
  const sink = await startSmtpSink();
  const workerConnection = await NativeConnection.connect({ address });
  const worker = await Worker.create({
    connection: workerConnection,
    taskQueue,
    workflowBundle: await workflowBundle(),
    activities: createActivities({ mailer: createMailer(sink.url, 'test@localhost'), cases: caseReader(cases) }),
    dataConverter: testDataConverter(),
  });
  const running = worker.run();
  return {
    cases,
    sink,
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
