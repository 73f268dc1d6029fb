// The daily digest on the dev server (it lists cases, so it needs real visibility), with a worker in
// real time: one e-mail per casemanager with something overdue or due soon, sorted by due date; none
// for a casemanager with nothing due, none on a non-working day, none twice for the same day; the
// Schedule that starts it at 08:00; and the on-demand command.
import { PassThrough } from 'node:stream';
import type { ParsedMail } from 'mailparser';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { listCases, openCase, recordEvent, type CaseClientOptions } from '../client/cases.js';
import { digestCommand } from '../cli/digest.js';
import { DIGEST_SCHEDULE_ID, ensureDigestSchedule } from '../client/digest-schedule.js';
import { addDays, weekday } from '../workflows/calendar/index.js';
import { testSearchKeys } from './setup/temporal.js';
import {
  casemanagerDigestWorkflowId,
  type DigestSent,
  type DigestWorkflowInput,
  type DigestWorkflowResult,
} from '../workflows/digest-workflow.js';
import { sampleCase } from './setup/case-world.js';
import { eventually, startDevWorld, type DevWorld } from './setup/dev-world.js';
import type { SmtpSink } from '../tools/smtp-sink.js';

/** A casemanager's keyed CasemanagerId, as the worker (with the tests' key ring) makes it. */
const casemanagerKey = (email: string) => testSearchKeys().casemanager(email);

async function runDigestCli(args: string[]) {
  const io = { stdin: new PassThrough(), stdout: new PassThrough(), stderr: new PassThrough() };
  let stdout = '';
  io.stdout.on('data', (d) => (stdout += d));
  io.stdin.end();
  const code = await digestCommand(args, io);
  return { code, stdout };
}

describe('daily digest on the dev server', () => {
  const saved = { ...process.env };
  let world: DevWorld;
  let cases: CaseClientOptions;
  let sink: SmtpSink;
  const taskQueue = `digest-${process.pid}`;
  const run = Date.now().toString(36);
  // The digest's day: Monday 2026-11-02, an ordinary working day with no holiday in the ten working
  // days ahead. The world's cases live on it (a clock offset, see dev-world.ts), so what is overdue
  // and what is due soon is the same on every machine and every day; the digest gets the date
  // explicitly. The Saturday after it and Christmas Day 2026 (a Friday) are the days without one.
  const today = '2026-11-02';
  const date = today;
  const anna = { name: 'Anna', email: `anna-${run}@arbo.example` };
  const bram = { name: 'Bram', email: `bram-${run}@arbo.example`, language: 'en' };
  const carla = { name: 'Carla', email: `carla-${run}@arbo.example` };
  const dave = { name: 'Dave', email: `dave-${run}@arbo.example` };

  const digests = () => sink.messages.filter((m) => m.messageId?.startsWith('<digest.'));
  const digestTo = (email: string) => digests().filter((m) => m.to && JSON.stringify(m.to).includes(email));
  const runDigest = (input: DigestWorkflowInput) =>
    cases.client.workflow.execute<(i: DigestWorkflowInput) => Promise<DigestWorkflowResult>>('digestWorkflow', {
      taskQueue,
      workflowId: `digest-test-${run}-${Math.random().toString(36).slice(2)}`,
      args: [input],
    });

  beforeAll(async () => {
    world = await startDevWorld(taskQueue, { start: today });
    ({ cases, sink } = world);
    process.env.TEMPORAL_ADDRESS = inject('devServerAddress');
    process.env.TEMPORAL_TASK_QUEUE = taskQueue;

    // Anna: a case taken over 20 weeks in (overdue tasks) and a fresh one (ziekmelding due soon).
    await openCase(cases, sampleCase(`late-${run}`, addDays(today, -140), { casemanager: anna }));
    await openCase(cases, sampleCase(`fresh-${run}`, today, { casemanager: anna }));
    // Bram (English): a fresh case. Carla: a fresh case whose ziekmelding is done, so nothing is due.
    await openCase(cases, sampleCase(`bram-${run}`, today, { casemanager: bram }));
    await openCase(cases, sampleCase(`carla-${run}`, today, { casemanager: carla, completed: { ziekmelding: today } }));
    await eventually(
      () => listCases(cases, { status: 'open' }),
      (l) => l.filter((c) => c.caseId.endsWith(run) && c.nextDeadline).length === 4,
      'the open cases in visibility',
    );
  }, 60_000);
  afterAll(async () => {
    process.env = { ...saved };
    await world?.close();
  });

  it('sends one digest per casemanager with something due, sorted, overdue marked, once per day', async () => {
    expect(world.today()).toBe(date);
    const result = await runDigest({ date });
    expect(result.workingDay).toBe(true);
    const byKey = new Map(result.digests.map((d) => [d.casemanagerKey, d]));
    expect(byKey.get(casemanagerKey(anna.email))).toMatchObject({ outcome: 'sent', to: anna.email });
    expect(byKey.get(casemanagerKey(anna.email))!.overdue).toBeGreaterThanOrEqual(2);
    expect(byKey.get(casemanagerKey(bram.email))).toMatchObject({ outcome: 'sent', overdue: 0, upcoming: 1 });
    expect(byKey.get(casemanagerKey(carla.email))).toMatchObject({ outcome: 'nothing-due' });

    expect(digestTo(anna.email)).toHaveLength(1);
    expect(digestTo(bram.email)).toHaveLength(1);
    expect(digestTo(carla.email)).toHaveLength(0);

    const mail: ParsedMail = digestTo(anna.email)[0]!;
    expect(mail.messageId).toBe(`<digest.${casemanagerKey(anna.email)}.${date}@poortwachter>`);
    expect(mail.subject).toMatch(/te laat/);
    expect(mail.html).toBeTruthy();
    expect(mail.html).toContain('Te laat');
    const text = mail.text ?? '';
    expect(text).toContain('TE LAAT');
    expect(text).toContain('BINNENKORT');
    expect(text).toContain(`late-${run}`);
    expect(text).toContain(`fresh-${run}`);
    expect(text).not.toContain(`bram-${run}`);
    // The overdue section comes first, and within the whole list the due dates never go back.
    expect(text.indexOf('TE LAAT')).toBeLessThan(text.indexOf('BINNENKORT'));
    const dues = [...text.matchAll(/^- (\d\d)-(\d\d)-(\d{4})/gm)].map(([, d, m, y]) => `${y}-${m}-${d}`);
    expect(dues.length).toBe(
      byKey.get(casemanagerKey(anna.email))!.overdue + byKey.get(casemanagerKey(anna.email))!.upcoming,
    );
    expect(dues).toEqual([...dues].sort());
    expect(text).toContain(`[late-${run}] Probleemanalyse`);

    const english = digestTo(bram.email)[0]!;
    expect(english.subject).toMatch(/due soon/);
    expect(english.text).toContain('DUE SOON');
    expect(english.text).toContain(`[bram-${run}]`);

    // Again for the same day: the per-casemanager workflow ids are taken, nothing new is sent.
    const count = digests().length;
    const again = await runDigest({ date });
    expect(again.digests.filter((d) => d.outcome === 'sent')).toEqual([]);
    expect(again.digests.find((d) => d.casemanagerKey === casemanagerKey(anna.email))?.outcome).toBe('already-sent');
    // Only a casemanager's digest workflow of the day sends: each of them has completed, with the
    // result of the first run, so nothing more can arrive.
    expect(again.digests.map((d) => d.casemanagerKey)).toEqual(result.digests.map((d) => d.casemanagerKey));
    for (const first of result.digests) {
      const handle = cases.client.workflow.getHandle<(i: unknown) => Promise<DigestSent>>(
        casemanagerDigestWorkflowId(first.casemanagerKey, date),
      );
      expect(await handle.result()).toEqual(first);
    }
    expect(digests().length).toBe(count);
  }, 60_000);

  it("a case handed to another casemanager is in the new one's digest, not the old one's", async () => {
    const erik = { name: 'Erik', email: `erik-${run}@arbo.example` };
    const fleur = { name: 'Fleur', email: `fleur-${run}@arbo.example` };
    await openCase(cases, sampleCase(`handed-${run}`, today, { casemanager: erik }));
    await recordEvent(cases, `handed-${run}`, {
      type: 'casemanager-changed',
      name: fleur.name,
      email: fleur.email,
      from: today,
      actor: 'tom (teamleider)',
    });
    await eventually(
      () => listCases(cases, { casemanagerEmail: fleur.email, status: 'open' }),
      (l) => l.length === 1,
      "the handed-over case under Fleur's name in visibility",
    );
    const toFleur = await runDigest({ date, casemanager: fleur.email });
    expect(toFleur.digests).toMatchObject([{ outcome: 'sent', to: fleur.email, upcoming: 1 }]);
    expect(digestTo(fleur.email)[0]!.text).toContain(`[handed-${run}] Ziekmelding`);
    const toErik = await runDigest({ date, casemanager: erik.email });
    expect(toErik.digests.filter((d) => d.outcome === 'sent')).toEqual([]);
    expect(digestTo(erik.email)).toHaveLength(0);
  }, 60_000);

  it('sends nothing on a Saturday or on Christmas Day', async () => {
    const count = digests().length;
    let saturday = today;
    while (weekday(saturday) !== 6) saturday = addDays(saturday, 1);
    for (const day of [saturday, '2026-12-25']) {
      const result = await runDigest({ date: day });
      expect(result).toEqual({ date: day, workingDay: false, digests: [] });
    }
    expect(digests().length).toBe(count);
  }, 30_000);

  it('digest --dry-run prints the list; without it, sends it once', async () => {
    // Dave's case opens after the full run above, so his digest of the day is still to be sent.
    await openCase(cases, sampleCase(`dave-${run}`, today, { casemanager: dave }));
    await eventually(
      () => listCases(cases, { casemanagerEmail: dave.email, status: 'open' }),
      (l) => l.length === 1 && l[0]!.nextDeadline !== undefined,
      "dave's case in visibility",
    );
    const dry = await runDigestCli(['--casemanager', dave.email, '--date', date, '--dry-run']);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain(`To: ${dave.email}`);
    expect(dry.stdout).toContain(`[dave-${run}] Ziekmelding`);
    expect(dry.stdout).toContain(`Message-ID: <digest.${casemanagerKey(dave.email)}.${date}@poortwachter>`);
    expect(digestTo(dave.email)).toHaveLength(0);

    const nothing = await runDigestCli(['--casemanager', carla.email, '--date', date, '--dry-run']);
    expect(nothing.stdout).toMatch(/nothing overdue/);

    const sent = await runDigestCli(['--casemanager', dave.email, '--date', date]);
    expect(sent.code).toBe(0);
    expect(sent.stdout).toMatch(/sent the digest/);
    expect(digestTo(dave.email)).toHaveLength(1);
    const twice = await runDigestCli(['--casemanager', dave.email, '--date', date]);
    expect(twice.stdout).toMatch(/already handled/);
    expect(digestTo(dave.email)).toHaveLength(1);

    await expect(
      digestCommand(['--date', date], {
        stdin: new PassThrough(),
        stdout: new PassThrough(),
        stderr: new PassThrough(),
      }),
    ).rejects.toMatchObject({ exitCode: 2 });
    await expect(
      digestCommand(['--casemanager', 'not-an-address'], {
        stdin: new PassThrough(),
        stdout: new PassThrough(),
        stderr: new PassThrough(),
      }),
    ).rejects.toMatchObject({ exitCode: 2 });
    await expect(
      digestCommand(['--casemanager', dave.email, '--date', '2026-02-30'], {
        stdin: new PassThrough(),
        stdout: new PassThrough(),
        stderr: new PassThrough(),
      }),
    ).rejects.toMatchObject({ exitCode: 2 });
    await expect(
      digestCommand(['--casemanager', dave.email, '--date', '2026-12-25'], {
        stdin: new PassThrough(),
        stdout: new PassThrough(),
        stderr: new PassThrough(),
      }),
    ).rejects.toMatchObject({ exitCode: 1 });
  }, 60_000);

  it('ensureDigestSchedule creates the 08:00 weekday schedule, and is safe to call again', async () => {
    try {
      await ensureDigestSchedule(cases.client, taskQueue);
      expect(await ensureDigestSchedule(cases.client, taskQueue)).toBe('updated');
      const description = await cases.client.schedule.getHandle(DIGEST_SCHEDULE_ID).describe();
      expect(description.spec.timezone).toBe('Europe/Amsterdam');
      const calendar = description.spec.calendars?.[0];
      expect(calendar).toMatchObject({
        hour: [{ start: 8, end: 8, step: 1 }],
        minute: [{ start: 0, end: 0, step: 1 }],
      });
      expect(JSON.stringify(calendar?.dayOfWeek)).toMatch(/MONDAY.*FRIDAY/);
      expect(JSON.stringify(calendar?.dayOfWeek)).not.toMatch(/SATURDAY|SUNDAY/);
      expect(description.action).toMatchObject({ type: 'startWorkflow', workflowType: 'digestWorkflow', taskQueue });
      expect(description.policies.overlap).toBe('SKIP');
    } finally {
      // A schedule left on the shared dev server would start digests at 08:00.
      await cases.client.schedule
        .getHandle(DIGEST_SCHEDULE_ID)
        .delete()
        .catch(() => undefined);
    }
  }, 30_000);
});
