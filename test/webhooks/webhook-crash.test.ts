// A worker killed in the middle of a webhook delivery: the receiver has the request and has not
// answered when the worker process dies (SIGKILL). The delivery is retried on the next worker with
// the same webhook-id and body, and the receiver ends with every event of the case, none lost, in
// order. The worker runs as in production: its own process, the endpoints from its webhook file.
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCase, recordEvent } from '../../client/cases.js';
import { addDays } from '../../workflows/calendar/index.js';
import { caseWorkflowId } from '../../workflows/case-model.js';
import { sampleCase, startCaseWorld, type CaseWorld } from '../setup/case-world.js';
import { timeSkippingAddress } from '../setup/temporal.js';
import { newSecret, startWebhookReceiver, type WebhookReceiver } from '../setup/webhook-receiver.js';
import { exited, startWorkerProcess } from '../setup/worker-process.js';

const fixture = new URL('../fixtures/webhook-worker.mjs', import.meta.url).pathname;

describe('webhooks through a worker crash', () => {
  let world: CaseWorld;
  let receiver: WebhookReceiver;
  const children: ChildProcess[] = [];
  const secret = newSecret();
  beforeAll(async () => {
    world = await startCaseWorld();
    receiver = await startWebhookReceiver({ '/crm': secret });
  });
  afterAll(async () => {
    await world?.close();
    for (const c of children) {
      c.kill('SIGTERM');
      await exited(c);
    }
    await receiver?.close();
  });

  it(
    'a worker killed mid-delivery: the next one delivers it again, same id; every event arrives',
    {
      timeout: 180_000,
    },
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'webhooks-'));
      const file = join(dir, 'webhooks.json');
      writeFileSync(file, JSON.stringify({ endpoints: [{ id: 'crm', url: receiver.url('/crm'), secret }] }), {
        mode: 0o600,
      });
      const taskQueue = `webhook-crash-${process.pid}-${Date.now()}`;
      const env = {
        TEMPORAL_ADDRESS: await timeSkippingAddress(),
        TEMPORAL_TASK_QUEUE: taskQueue,
        SMTP_URL: world.sink.url,
        POORTWACHTER_WEBHOOKS_FILE: file,
        LOG_LEVEL: 'warn',
      };
      // The first request is never answered: the worker dies while it waits.
      receiver.answer('/crm', (_, before) => (before.length === 0 ? 'hold' : 200));
      const first = startWorkerProcess(fixture, env);
      children.push(first.child);
      await first.waitFor('ready');

      const cases = { ...world.cases, taskQueue };
      const today = '2027-06-09';
      await world.startAt(today, 9);
      const D = addDays(today, -38);
      const caseId = `webhook-crash-${Date.now()}`;
      await openCase(cases, sampleCase(caseId, D, { completed: { ziekmelding: addDays(D, 2) } }));
      const held = await receiver.waitFor((r) => r.path === '/crm');
      expect(held.json.type).toBe('case.opened');
      first.child.kill('SIGKILL');
      await exited(first.child);

      const second = startWorkerProcess(fixture, env);
      children.push(second.child);
      await second.waitFor('ready');
      // The killed attempt times out (heartbeat timeout, 10 s) and is retried on the new worker.
      const again = await receiver.waitFor((r) => r.id === held.id && r.status === 200, 90_000);
      expect(again.body).toBe(held.body);

      const pa = addDays(D, 41);
      await world.travelTo(addDays(pa, 4), 12);
      await recordEvent(cases, caseId, {
        type: 'task-completed',
        task: 'probleemanalyse',
        date: addDays(pa, 4),
        actor: 'anna',
      });
      await recordEvent(cases, caseId, { type: 'case-closed', reason: 'test', actor: 'anna' });
      await world.cases.client.workflow.getHandle(caseWorkflowId(caseId)).result();

      const taken = receiver.received.filter((r) => r.status === 200);
      expect(taken.map((r) => r.json.type)).toEqual([
        'case.opened',
        'task.reminded',
        'task.overdue',
        'task.escalated',
        'case.event-recorded',
        'case.event-recorded',
        'case.closed',
      ]);
      expect(new Set(taken.map((r) => r.id)).size).toBe(taken.length);
      expect(receiver.received.every((r) => r.verified)).toBe(true);
      // Sent twice: the one the dead worker never heard answered, then again; nothing else repeated.
      expect(receiver.received.filter((r) => r.id === held.id)).toHaveLength(2);
      expect(receiver.received).toHaveLength(taken.length + 1);
    },
  );
});
