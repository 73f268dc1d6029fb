// Webhooks to a real receiver on loopback: what a case does reaches the arbodienst's systems, signed
// (checked with the Standard Webhooks reference library), in order, each event once per endpoint even
// while another endpoint fails; an endpoint that answers 410 is disabled, reported to operations and
// sent nothing more. First sick day Sunday 2 May 2027; the case is opened on Wednesday 9 June, when
// the probleemanalyse's reminder is due at once.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCase, recordEvent } from '../../client/cases.js';
import { disabledEndpoints, endpointRegistry } from '../../client/webhooks.js';
import type { WebhookEndpoint } from '../../runtime/webhooks-config.js';
import { addDays } from '../../workflows/calendar/index.js';
import { caseWorkflowId } from '../../workflows/case-model.js';
import { WEBHOOK_ENDPOINTS_WORKFLOW_ID } from '../../workflows/webhook-endpoints.js';
import { addresses } from '../setup/case-story.js';
import { sampleCase, startCaseWorld, type CaseWorld } from '../setup/case-world.js';
import { runCli } from '../setup/run-cli.js';
import { timeSkippingAddress } from '../setup/temporal.js';
import { newSecret, startWebhookReceiver, type WebhookReceiver } from '../setup/webhook-receiver.js';

const OPS = 'ops@arbo.example';
const secrets = { '/crm': newSecret(), '/flaky': newSecret(), '/gone': newSecret(), '/closed-only': newSecret() };

describe('webhooks', () => {
  let world: CaseWorld;
  let receiver: WebhookReceiver;
  /** The same endpoints as the worker's, for the CLI. */
  let webhooksFile: string;
  beforeAll(async () => {
    receiver = await startWebhookReceiver(secrets);
    const endpoint = (id: string, extra: Partial<WebhookEndpoint> = {}): WebhookEndpoint => ({
      id,
      url: receiver.url(`/${id}`),
      secret: secrets[`/${id}` as keyof typeof secrets],
      disableAfterHours: 72,
      ...extra,
    });
    const endpoints = [
      endpoint('crm'),
      endpoint('flaky'),
      endpoint('gone'),
      endpoint('closed-only', { events: ['case.closed'] }),
      // Another employer's system hears nothing of this case.
      endpoint('other-employer', { url: receiver.url('/other'), secret: newSecret(), employers: ['wg-999'] }),
    ];
    // The registry needs the world's client, which exists once the world does.
    const registry = () => endpointRegistry(world.cases, 0);
    webhooksFile = join(mkdtempSync(join(tmpdir(), 'webhooks-')), 'webhooks.json');
    writeFileSync(webhooksFile, JSON.stringify({ endpoints }), { mode: 0o600 });
    world = await startCaseWorld({
      activities: {
        operationsEmail: OPS,
        webhooks: {
          endpoints,
          registry: { disabled: () => registry().disabled(), disable: (e) => registry().disable(e) },
        },
      },
    });
  });
  afterAll(async () => {
    world?.track(WEBHOOK_ENDPOINTS_WORKFLOW_ID);
    await world?.close();
    await receiver?.close();
  });

  it(
    'every event of a case reaches each endpoint once, signed and in order; a 410 disables its endpoint',
    {
      timeout: 180_000,
    },
    async () => {
      // flaky fails its first two requests; gone answers 410 Gone.
      receiver.answer('/flaky', (_, before) => (before.length < 2 ? 503 : 200));
      receiver.answer('/gone', () => 410);

      const today = '2027-06-09';
      await world.startAt(today, 9);
      const D = addDays(today, -38);
      const caseId = `webhooks-${Date.now()}`;
      await openCase(world.cases, sampleCase(caseId, D, { completed: { ziekmelding: addDays(D, 2) } }));
      const pa = addDays(D, 41);
      // The probleemanalyse goes unrecorded past its due date: overdue, escalated.
      await world.travelTo(addDays(pa, 4), 12);
      await recordEvent(world.cases, caseId, {
        type: 'task-completed',
        task: 'probleemanalyse',
        date: addDays(pa, 4),
        actor: 'anna@arbo.example',
      });
      await recordEvent(world.cases, caseId, { type: 'case-closed', reason: 'test van webhooks', actor: 'anna' });
      // The case ends once its systems know.
      await world.cases.client.workflow.getHandle(caseWorkflowId(caseId)).result();

      const crm = receiver.received.filter((r) => r.path === '/crm');
      expect(crm.map((r) => [r.json.type, r.json.data.task ?? r.json.data.event ?? r.json.data.closedBy])).toEqual([
        ['case.opened', undefined],
        ['task.reminded', 'probleemanalyse'],
        ['task.overdue', 'probleemanalyse'],
        ['task.escalated', 'probleemanalyse'],
        ['case.event-recorded', { type: 'task-completed', task: 'probleemanalyse', date: addDays(pa, 4) }],
        ['case.event-recorded', { type: 'case-closed' }],
        ['case.closed', 'event'],
      ]);
      expect(crm.every((r) => r.verified)).toBe(true);
      expect(new Set(crm.map((r) => r.id)).size).toBe(crm.length);
      expect(crm[1]!.json).toEqual({
        type: 'task.reminded',
        // Sent at once on opening, at 09:00 Amsterdam (summer time).
        timestamp: expect.stringMatching(new RegExp(`^${today}T07:00:`)),
        data: { caseId, employerId: 'wg-001', task: 'probleemanalyse', due: pa },
      });
      expect(crm[3]!.json.data.level).toBe(1);
      // Ids, task ids, dates and codes: no name, no address, no free text of an event.
      for (const r of receiver.received) {
        expect(r.body).not.toMatch(/@|Vries|Korenschoof|test van webhooks/);
      }

      // flaky took the same events, with the same ids, after its two refusals; none twice once taken.
      const flaky = receiver.received.filter((r) => r.path === '/flaky');
      const taken = flaky.filter((r) => r.status === 200);
      expect(taken.map((r) => r.id)).toEqual(crm.map((r) => r.id));
      expect(flaky.slice(0, 2).map((r) => [r.id, r.status])).toEqual([
        [crm[0]!.id, 503],
        [crm[0]!.id, 503],
      ]);
      expect(flaky.every((r) => r.verified)).toBe(true);

      // Only what it asked for; another employer's endpoint nothing.
      expect(receiver.received.filter((r) => r.path === '/closed-only').map((r) => r.json.type)).toEqual([
        'case.closed',
      ]);
      expect(receiver.received.filter((r) => r.path === '/other')).toEqual([]);

      // gone was asked once, disabled, reported to operations once, and sent nothing more.
      expect(receiver.received.filter((r) => r.path === '/gone').map((r) => [r.json.type, r.status])).toEqual([
        ['case.opened', 410],
      ]);
      expect(await disabledEndpoints(world.cases)).toMatchObject({
        gone: { reason: 'gone', detail: 'HTTP 410', url: receiver.url('/gone') },
      });
      const reports = world.sink.messages.filter((m) => m.subject === 'Webhook uitgeschakeld: gone');
      expect(reports).toHaveLength(1);
      expect(addresses(reports[0]!, 'to')).toEqual([OPS]);
      expect(reports[0]!.text).toContain('poortwachter webhooks enable gone');
    },
  );

  it('poortwachter webhooks lists the endpoints and enables a disabled one again', async () => {
    const saved = { ...process.env };
    try {
      process.env.TEMPORAL_ADDRESS = await timeSkippingAddress();
      process.env.TEMPORAL_TASK_QUEUE = world.cases.taskQueue;
      process.env.POORTWACHTER_WEBHOOKS_FILE = webhooksFile;
      const listed = await runCli(['webhooks', 'list']);
      expect(listed.code).toBe(0);
      expect(listed.stdout).toMatch(/^crm\s+http:\/\/127\.0\.0\.1:\d+\/crm\s+all\s+enabled$/m);
      expect(listed.stdout).toMatch(/^gone\s.*disabled since \d{4}-\d\d-\d\d \d\d:\d\d UTC \(HTTP 410\)$/m);
      expect(listed.stdout).toMatch(/^closed-only\s.*case\.closed\s+enabled$/m);

      expect(await runCli(['webhooks', 'enable', 'gone'])).toMatchObject({ code: 0 });
      expect((await runCli(['webhooks', 'list'])).stdout).toMatch(/^gone\s.*\senabled$/m);
      expect(await runCli(['webhooks', 'enable', 'gone'])).toMatchObject({ code: 1 });
      expect(await runCli(['webhooks', 'enable', 'nobody'])).toMatchObject({
        code: 2,
        stderr: expect.stringContaining('there is no webhook endpoint "nobody"'),
      });

      // Enabled again, it receives the next case's events.
      receiver.answer('/gone', () => 200);
      const caseId = `webhooks-after-${Date.now()}`;
      await openCase(world.cases, sampleCase(caseId, await world.today()));
      const opened = await receiver.waitFor((r) => r.path === '/gone' && r.json.data.caseId === caseId);
      expect([opened.json.type, opened.verified]).toEqual(['case.opened', true]);
    } finally {
      process.env = saved;
    }
  });
});
