// The Temporal server must never hold case data in plain text. A case with a name, e-mail addresses
// and a note runs on the dev server (SQLite) through the production wiring (connectClient and
// createCaseWorker, which encrypt with the configured keys); then the server's database files are
// searched byte for byte. A control case run without the codec shows that the same search does find
// plain text, so this test can fail.
import { readFileSync, existsSync } from 'node:fs';
import { Client, Connection, WorkflowFailedError, type ConnectionLike } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { pino } from 'pino';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { createActivities } from '../activities/index.js';
import { createMailer } from '../activities/mail.js';
import { getCase, openCase, recordEvent, type CaseClientOptions } from '../client/cases.js';
import { loadConfig } from '../runtime/config.js';
import { connectClient } from '../runtime/connection.js';
import { createCaseWorker } from '../worker/worker.js';
import { amsterdamDate, amsterdamInstant } from '../workflows/calendar/amsterdam-time.js';
import { encryptingDataConverter, loadKeyring } from '../runtime/codec.js';
import type { DataConverter } from '@temporalio/common';
import { addDays } from '../workflows/calendar/index.js';
import { caseWorkflowId } from '../workflows/case-model.js';
import { clockOffsetInterceptor, sampleCase } from './setup/case-world.js';
import { startSmtpSink } from '../tools/smtp-sink.js';
import { testSearchKeys, workflowBundle } from './setup/temporal.js';

/** The server's SQLite database and its write-ahead log, as bytes (latin1 keeps every byte). */
function databaseBytes(): string {
  const file = inject('devServerDatabase');
  return [file, `${file}-wal`]
    .filter((f) => existsSync(f))
    .map((f) => readFileSync(f).toString('latin1'))
    .join('\n');
}

async function eventually(probe: () => boolean | Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Personal data of one case, each string unique to this run. */
function personal(tag: string) {
  const run = `${tag}${Date.now().toString(36)}`;
  return {
    caseId: `privacy-${run}`,
    displayName: `Wilhelmina Zwaantje ${run}`,
    casemanagerEmail: `casemanager-${run}@arbo.example`,
    arts: `arts-${run}@arbo.example`,
    hr: `hr-${run}@werkgever.example`,
    note: `Gesprek gevoerd over re-integratie ${run}, werknemer belt vrijdag terug`,
    ruleset: `regels-van-${run}`,
  };
}

/**
 * The case's clock: Monday 2 November 2026 at 10:00 Amsterdam time when the test starts, so that its
 * e-mails go out at once (task e-mails wait for office hours, working days 08:00 to 18:00).
 */
const offset = Date.now() - amsterdamInstant('2026-11-02', 10);
const onPinnedClock = (connection: ConnectionLike, dataConverter?: DataConverter) =>
  new Client({
    connection,
    ...(dataConverter && { dataConverter }),
    interceptors: { workflow: [clockOffsetInterceptor(() => offset)] },
  });

/**
 * Opens a case taken over 10 weeks in (so e-mails go out at once) and records a note. The case runs
 * through the production wiring, on the pinned clock: ten weeks in, the probleemanalyse (week 6) is
 * overdue, and the take-over summary goes out at once.
 */
async function runCase(cases: CaseClientOptions, p: ReturnType<typeof personal>): Promise<void> {
  const today = amsterdamDate(Date.now() - offset);
  await openCase(
    cases,
    sampleCase(p.caseId, addDays(today, -70), {
      employee: { id: 'wn-privacy', displayName: p.displayName },
      casemanager: { name: 'Anna Jansen', email: p.casemanagerEmail },
      bedrijfsarts: { name: 'B. Arts', email: p.arts },
      employer: { id: 'wg-privacy', name: 'Bakkerij De Korenschoof', escalationEmail: p.hr },
    }),
  );
  await recordEvent(cases, p.caseId, { type: 'note', text: p.note, actor: 'anna' });
  const view = await getCase(cases, p.caseId);
  expect(view.timeline.some((t) => t.event?.type === 'note')).toBe(true);
}

/**
 * Starts a case past the client's checks whose rule set is unknown: the workflow refuses it with a
 * failure that quotes the value, as a failure message may quote any input. Returns the message the
 * client reads.
 */
async function refusedStart(cases: CaseClientOptions, p: ReturnType<typeof personal>): Promise<string> {
  const open = { ...sampleCase(`${p.caseId}-refused`, '2026-10-01'), ruleset: p.ruleset };
  const handle = await cases.client.workflow.start('caseWorkflow', {
    taskQueue: cases.taskQueue,
    workflowId: caseWorkflowId(open.caseId),
    args: [{ open }],
  });
  const failure = await handle.result().then(
    () => expect.unreachable('an unknown rule set must be refused'),
    (err: unknown) => err,
  );
  expect(failure).toBeInstanceOf(WorkflowFailedError);
  return (failure as WorkflowFailedError).cause?.message ?? '';
}

describe('privacy: the Temporal server holds no case data in plain text', () => {
  const cleanups: (() => Promise<unknown> | unknown)[] = [];
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  it('stores names, e-mail addresses, notes and failure messages only encrypted; without the codec they would be readable', async () => {
    const sink = await startSmtpSink();
    cleanups.push(() => sink.close());
    const address = inject('devServerAddress');

    // The production path: configuration from the environment, keys from POORTWACHTER_KEYS.
    const config = loadConfig({
      TEMPORAL_ADDRESS: address,
      TEMPORAL_TASK_QUEUE: `privacy-${process.pid}`,
      SMTP_URL: sink.url,
      POORTWACHTER_KEYS: inject('codecKeys'),
    });
    const { worker, close } = await createCaseWorker({
      config,
      logger: pino({ level: 'warn' }),
      options: { workflowBundle: await workflowBundle() },
    });
    const running = worker.run();
    cleanups.push(async () => {
      worker.shutdown();
      await running;
      await close();
    });
    const connected = await connectClient(config);
    cleanups.push(() => connected.connection.close());
    // The production client's codec, on the pinned clock.
    const client = onPinnedClock(connected.connection, encryptingDataConverter(loadKeyring(config)));
    const secret = personal('enc');
    await runCase({ client, taskQueue: config.taskQueue }, secret);
    await eventually(() => sink.messages.some((m) => m.text?.includes(secret.caseId)), 'the take-over e-mail');
    // A failure's message reaches the client whole, and the server only as ciphertext.
    expect(await refusedStart({ client, taskQueue: config.taskQueue }, secret)).toContain(secret.ruleset);
    const refused = await client.workflow.getHandle(caseWorkflowId(`${secret.caseId}-refused`)).fetchHistory();
    const failed = refused.events?.find((e) => e.workflowExecutionFailedEventAttributes);
    expect(failed?.workflowExecutionFailedEventAttributes?.failure?.encodedAttributes).toBeTruthy();

    // Control: the same kind of case, without the codec.
    const plainTaskQueue = `privacy-plain-${process.pid}`;
    const nativeConnection = await NativeConnection.connect({ address });
    const plainWorker = await Worker.create({
      connection: nativeConnection,
      taskQueue: plainTaskQueue,
      workflowBundle: await workflowBundle(),
      activities: createActivities({ mailer: createMailer(sink.url, 'test@localhost'), searchKeys: testSearchKeys() }),
    });
    const plainRunning = plainWorker.run();
    cleanups.push(async () => {
      plainWorker.shutdown();
      await plainRunning;
      await nativeConnection.close();
    });
    const plainConnection = await Connection.connect({ address });
    cleanups.push(() => plainConnection.close());
    const control = personal('plain');
    await runCase({ client: onPinnedClock(plainConnection), taskQueue: plainTaskQueue }, control);
    await refusedStart({ client: onPinnedClock(plainConnection), taskQueue: plainTaskQueue }, control);

    // SQLite writes the committed history to its WAL (and later the main file): both are searched.
    await eventually(() => databaseBytes().includes(control.note), 'the control note in the database');
    const bytes = databaseBytes();
    for (const value of [
      control.displayName,
      control.casemanagerEmail,
      control.arts,
      control.hr,
      control.note,
      control.ruleset,
    ]) {
      expect(bytes, `control: ${value} is stored in plain text without the codec`).toContain(value);
    }
    expect(bytes).toContain(secret.caseId); // the encrypted case is there (ids are not secret)
    for (const value of [
      secret.displayName,
      secret.casemanagerEmail,
      secret.arts,
      secret.hr,
      secret.note,
      secret.ruleset,
    ]) {
      expect(bytes.includes(value), `${value} must not be in the server database in plain text`).toBe(false);
    }
    // Nor a recognisable part of them (UTF-16, as some stores keep strings).
    expect(bytes.includes(Buffer.from(secret.displayName, 'utf16le').toString('latin1'))).toBe(false);
  }, 90_000);
});
