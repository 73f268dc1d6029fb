// A worker crash in the one moment that can send a message twice: the worker process is killed
// (SIGKILL) after the SMTP server accepted the reminder and before the activity's completion reached
// Temporal. The message must not be lost, and its second copy must be the same message: the retry, on
// another worker process, sends it again with the same Message-ID, subject and text (many mail
// clients show it once), and the case records the reminder once.
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCase, recordEvent } from '../../client/cases.js';
import { addDays } from '../../workflows/calendar/index.js';
import { entries, mailsOf, taskMessageId } from '../setup/case-story.js';
import { sampleCase, startCaseWorld, type CaseWorld } from '../setup/case-world.js';
import { timeSkippingAddress, workflowBundle } from '../setup/temporal.js';
import { exited, startWorkerProcess } from '../setup/worker-process.js';

const fixture = new URL('../fixtures/notify-crash-worker.mjs', import.meta.url).pathname;
const startWorker = (env: Record<string, string>) => startWorkerProcess(fixture, env);

describe('delivery through a worker crash', () => {
  let world: CaseWorld;
  const children: ChildProcess[] = [];
  let bundleFile: string;
  beforeAll(async () => {
    world = await startCaseWorld();
    // Bundled once, here: two worker processes that each bundle would spend most of the test on it.
    bundleFile = join(await mkdtemp(join(tmpdir(), 'crash-bundle-')), 'workflows.js');
    await writeFile(bundleFile, (await workflowBundle()).code);
  });
  afterAll(async () => {
    await world?.close();
    for (const c of children) {
      c.kill('SIGTERM');
      await exited(c);
    }
  });

  it(
    'a worker killed after the SMTP server accepted the message: the retry sends the same message, the case records it once',
    { timeout: 120_000 },
    async () => {
      const taskQueue = `crash-${process.pid}-${Date.now()}`;
      const env = {
        TEMPORAL_ADDRESS: await timeSkippingAddress(),
        TEMPORAL_TASK_QUEUE: taskQueue,
        SMTP_URL: world.sink.url,
        LOG_LEVEL: 'warn',
        WORKFLOW_BUNDLE: bundleFile,
      };
      const first = startWorker({ ...env, PAUSE_AFTER_ACCEPT_MS: '600000' });
      children.push(first.child);
      await first.waitFor('ready');

      const cases = { ...world.cases, taskQueue };
      const caseId = `crash-${Date.now()}`;
      // Opened on Wednesday 2027-06-09, 38 days after the first sick day: the probleemanalyse is due
      // Saturday 2027-06-12 and its reminder moment (Monday 2027-06-07) has passed, so it goes out at once.
      const today = '2027-06-09';
      await world.startAt(today, 9);
      const D = addDays(today, -38);
      await openCase(cases, sampleCase(caseId, D, { completed: { ziekmelding: addDays(D, 2) } }));
      const id = taskMessageId(caseId, 'reminder', 'probleemanalyse', addDays(D, 41));
      expect(await first.waitFor('accepted')).toBe(`accepted ${id}`);
      first.child.kill('SIGKILL');
      await exited(first.child);
      expect(mailsOf(world, caseId).filter((m) => m.messageId === id)).toHaveLength(1);

      const second = startWorker(env);
      children.push(second.child);
      await second.waitFor('ready');
      // The killed attempt times out (heartbeat timeout, 10 s) and is retried on the new worker.
      expect(await second.waitFor('accepted')).toBe(`accepted ${id}`);
      const deadline = Date.now() + 60_000;
      let view = await world.show(caseId);
      while (entries(view, 'reminder', 'probleemanalyse').length === 0 && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 500));
        view = await world.show(caseId);
      }
      expect(entries(view, 'reminder', 'probleemanalyse')).toHaveLength(1);
      const copies = mailsOf(world, caseId).filter((m) => m.messageId === id);
      expect(copies).toHaveLength(2);
      expect(copies[1]!.subject).toBe(copies[0]!.subject);
      expect(copies[1]!.text).toBe(copies[0]!.text);
      await recordEvent(cases, caseId, { type: 'case-closed', actor: 'anna@arbo.example', reason: 'test' });
    },
  );
});
