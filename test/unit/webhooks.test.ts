// The webhook parts that need no server: the signature (checked against the Standard Webhooks
// reference library), the events a timeline makes and what they leave out, the endpoint file's
// checks, and the delivery's rules (per endpoint, in order, 410, too long unreachable).
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deliverWebhookBatch, webhookSignature, type EndpointRegistry } from '../../activities/webhooks.js';
import { parseWebhookEndpoints, type WebhookEndpoint } from '../../runtime/webhooks-config.js';
import { webhookEventOf, webhookId } from '../../workflows/case-webhooks.js';
import type { TimelineEntry } from '../../workflows/case-model.js';
import type { DisabledEndpoint, WebhookBatch } from '../../workflows/contract.js';

const SECRET = `whsec_${Buffer.alloc(32, 1).toString('base64')}`;
const ids = { caseId: 'C-1', employerId: 'wg-001', firstRunId: '0192-abcd' };
const at = '2027-06-09T07:00:00.000Z';

describe('webhook signature', () => {
  it('is what the Standard Webhooks reference library verifies, and it refuses another body or secret', () => {
    const body = JSON.stringify({ type: 'case.opened', data: { caseId: 'C-1' } });
    const timestamp = Math.floor(Date.now() / 1000);
    const headers = {
      'webhook-id': 'msg_1',
      'webhook-timestamp': String(timestamp),
      'webhook-signature': webhookSignature(SECRET, 'msg_1', timestamp, body),
    };
    expect(() => new Webhook(SECRET).verify(body, headers)).not.toThrow();
    expect(() => new Webhook(SECRET).verify(body.replace('C-1', 'C-2'), headers)).toThrow();
    const other = `whsec_${Buffer.alloc(32, 2).toString('base64')}`;
    expect(() => new Webhook(other).verify(body, headers)).toThrow();
    // And the library's own signature is ours, byte for byte.
    expect(new Webhook(SECRET).sign('msg_1', new Date(timestamp * 1000), body)).toBe(headers['webhook-signature']);
  });
});

describe('webhook events of a timeline', () => {
  const entry = (e: Omit<TimelineEntry, 'at'>): TimelineEntry => ({ at, ...e });

  it('names ids, tasks, dates and codes; never a name, an address or free text', () => {
    const handed = webhookEventOf(
      entry({
        kind: 'event',
        actor: 'tom@arbo.example',
        event: { type: 'casemanager-changed', name: 'Bram', email: 'bram@arbo.example', from: '2027-06-09' } as never,
      }),
      ids,
      3,
    );
    expect(handed).toEqual({
      id: 'msg_0192abcd_3',
      type: 'case.event-recorded',
      timestamp: at,
      data: { caseId: 'C-1', employerId: 'wg-001', event: { type: 'casemanager-changed' } },
    });
    const note = webhookEventOf(
      entry({ kind: 'event', actor: 'a', event: { type: 'note', text: 'J. de Vries belde' } as never }),
      ids,
      4,
    );
    expect(JSON.stringify(note)).not.toContain('Vries');
    const done = webhookEventOf(
      entry({
        kind: 'event',
        actor: 'a',
        event: { type: 'task-completed', task: 'probleemanalyse', date: '2027-06-08' } as never,
      }),
      ids,
      5,
    );
    expect(done?.data.event).toEqual({ type: 'task-completed', task: 'probleemanalyse', date: '2027-06-08' });
  });

  it('maps every kind of entry that matters, and leaves messages about messages out', () => {
    const task = { task: 'probleemanalyse' as const, due: '2027-06-12' };
    const cases: [Omit<TimelineEntry, 'at'>, string | undefined, Record<string, unknown>][] = [
      [{ kind: 'opened', actor: 'system' }, 'case.opened', {}],
      [{ kind: 'reminder', actor: 'system', ...task }, 'task.reminded', task],
      [{ kind: 'overdue', actor: 'system', ...task }, 'task.overdue', task],
      [{ kind: 'escalation', actor: 'system', ...task }, 'task.escalated', { ...task, level: 1 }],
      [{ kind: 'second-escalation', actor: 'system', ...task }, 'task.escalated', { ...task, level: 2 }],
      [
        { kind: 'deskundigenoordeel-request', actor: 'system', details: 'start-tweede-spoor-overdue' },
        'deskundigenoordeel.requested',
        { because: 'start-tweede-spoor-overdue' },
      ],
      // Only the known codes: anything else in details stays in the case.
      [
        { kind: 'deskundigenoordeel-request', actor: 'system', details: 'J. de Vries' },
        'deskundigenoordeel.requested',
        {},
      ],
      [{ kind: 'closed', actor: 'anna', details: 'gesloten: vertrokken' }, 'case.closed', { closedBy: 'event' }],
      [{ kind: 'closed', actor: 'system', details: 'hersteld: 28 dagen' }, 'case.closed', { closedBy: 'recovered' }],
      [{ kind: 'closed', actor: 'system', details: 'uit dienst: UWV' }, 'case.closed', { closedBy: 'left-employment' }],
      [
        { kind: 'closed', actor: 'system', details: 'einde wachttijd' },
        'case.closed',
        { closedBy: 'waiting-time-ended' },
      ],
      [{ kind: 'takeover-summary', actor: 'system' }, undefined, {}],
      [{ kind: 'calendar-cancelled', actor: 'system', ...task }, undefined, {}],
      [{ kind: 'delivery-failed', actor: 'system', ...task }, undefined, {}],
    ];
    for (const [e, type, data] of cases) {
      const made = webhookEventOf(entry(e), ids, 1);
      expect(made?.type, e.kind).toBe(type);
      if (made) expect(made.data).toEqual({ caseId: 'C-1', employerId: 'wg-001', ...data });
    }
  });

  it('ids differ per event and per run chain, and repeat for the same event', () => {
    expect(webhookId(ids, 1)).toBe(webhookId(ids, 1));
    expect(webhookId(ids, 1)).not.toBe(webhookId(ids, 2));
    expect(webhookId(ids, 1)).not.toBe(webhookId({ ...ids, firstRunId: 'other' }, 1));
  });
});

describe('the webhook file', () => {
  const file = (endpoints: unknown[]) => JSON.stringify({ endpoints });
  const good = { id: 'crm', url: 'https://crm.arbo.example/hooks', secret: SECRET };

  it('takes endpoints with defaults', () => {
    expect(parseWebhookEndpoints(file([good]), 'w.json')).toEqual([{ ...good, disableAfterHours: 72 }]);
  });

  it('refuses each mistake with the file, the endpoint and the field named', () => {
    const refused = (endpoints: unknown[]) => {
      try {
        parseWebhookEndpoints(file(endpoints), 'w.json');
      } catch (err) {
        return (err as Error).message;
      }
      return 'accepted';
    };
    expect(refused([{ ...good, url: 'http://crm.arbo.example/' }])).toMatch(
      /^w\.json: endpoints\.0\.url: must use https/,
    );
    expect(refused([{ ...good, url: 'http://localhost:9000/' }])).toBe('accepted');
    expect(refused([{ ...good, secret: 'geheim' }])).toMatch(/endpoints\.0\.secret: must be whsec_/);
    expect(refused([{ ...good, secret: 'whsec_AAAA' }])).toMatch(/24 to 64 bytes/);
    expect(refused([{ ...good, events: ['case.opend'] }])).toMatch(/endpoints\.0\.events\.0/);
    expect(refused([good, good])).toMatch(/endpoints\.1\.id: "crm" appears twice/);
    expect(refused([{ ...good, extra: 1 }])).toMatch(/extra/);
    expect(refused([{ ...good, url: 'https://user:pw@crm.arbo.example/' }])).toMatch(
      /endpoints\.0\.url: must not hold a user name or password/,
    );
    expect(() => parseWebhookEndpoints('{', 'w.json')).toThrow(/w\.json: is not valid JSON/);
  });
});

describe('a delivery', () => {
  let url: string;
  const statuses: Record<string, number[]> = {};
  const seen: string[] = [];
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const path = new URL(req.url!, 'http://receiver').pathname;
      seen.push(`${path} ${req.headers['webhook-id']}`);
      const queue = statuses[path] ?? [];
      res.writeHead(queue.shift() ?? 200).end();
    });
  });
  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const batch: WebhookBatch = {
    caseId: 'C-1',
    employerId: 'wg-001',
    events: [1, 2].map((n) => ({
      id: `msg_${n}`,
      type: 'case.opened',
      timestamp: at,
      data: { caseId: 'C-1', employerId: 'wg-001' },
    })),
  };
  const endpoint = (id: string, hours = 72): WebhookEndpoint => ({
    id,
    url: `${url}/${id}`,
    secret: SECRET,
    disableAfterHours: hours,
  });
  function registry(): EndpointRegistry & { off: Record<string, DisabledEndpoint> } {
    const off: Record<string, DisabledEndpoint> = {};
    return { off, disabled: async () => off, disable: async ({ id, ...rest }) => void (off[id] = rest) };
  }

  it('keeps order per endpoint: a refused event holds back the ones after it, and the retry starts there', async () => {
    seen.length = 0;
    statuses['/a'] = [500];
    let progress: unknown;
    const ctx = { progress: undefined as unknown, heartbeat: (p: unknown) => (progress = p) };
    const reg = registry();
    await expect(deliverWebhookBatch(batch, [endpoint('a'), endpoint('b')], reg, ctx)).rejects.toThrow(
      /did not take the events of case C-1: a: HTTP 500/,
    );
    expect(seen).toEqual(['/a msg_1', '/b msg_1', '/b msg_2']);
    seen.length = 0;
    const result = await deliverWebhookBatch(batch, [endpoint('a'), endpoint('b')], reg, { ...ctx, progress });
    expect(seen).toEqual(['/a msg_1', '/a msg_2']);
    expect(result).toEqual({ delivered: ['a', 'b'], disabled: [] });
  });

  it('disables an endpoint that keeps refusing for its disableAfterHours (from its first refusal), not before', async () => {
    statuses['/slow'] = [503, 503, 503];
    const reg = registry();
    const t0 = Date.parse('2027-06-01T08:00:00Z');
    let progress: unknown;
    const attempt = (hoursLater: number) =>
      deliverWebhookBatch(batch, [{ ...endpoint('slow'), url: `${url}/slow?token=geheim` }], reg, {
        progress,
        heartbeat: (p) => (progress = p),
        now: () => t0 + hoursLater * 3_600_000,
      });
    await expect(attempt(0)).rejects.toThrow(/slow: HTTP 503/);
    await expect(attempt(71.9)).rejects.toThrow(/slow: HTTP 503/);
    expect(reg.off).toEqual({});
    expect(await attempt(72)).toEqual({ delivered: [], disabled: ['slow'] });
    expect(reg.off.slow).toEqual({
      reason: 'unreachable',
      detail: 'HTTP 503',
      since: '2027-06-04T08:00:00.000Z',
      url: `${url}/slow?…`,
    });
    // Disabled, it is asked nothing more.
    seen.length = 0;
    await deliverWebhookBatch(batch, [endpoint('slow')], reg, { progress: undefined, heartbeat: () => {} });
    expect(seen).toEqual([]);
  });

  it('an endpoint that takes something again starts counting afresh', async () => {
    statuses['/flaky'] = [503, 503];
    const reg = registry();
    const t0 = Date.parse('2027-06-01T08:00:00Z');
    let progress: unknown;
    const attempt = (hoursLater: number) =>
      deliverWebhookBatch(batch, [endpoint('flaky')], reg, {
        progress,
        heartbeat: (p) => (progress = p),
        now: () => t0 + hoursLater * 3_600_000,
      });
    await expect(attempt(0)).rejects.toThrow(/HTTP 503/);
    statuses['/flaky'] = [200, 503];
    // msg_1 taken at hour 71, msg_2 refused: the count starts again there.
    await expect(attempt(71)).rejects.toThrow(/HTTP 503/);
    statuses['/flaky'] = [503];
    await expect(attempt(100)).rejects.toThrow(/HTTP 503/);
    expect(reg.off).toEqual({});
  });

  it('counts an endpoint that does not answer, or answers with a redirect, as not delivered', async () => {
    statuses['/moved'] = [302];
    const reg = registry();
    const ctx = { progress: undefined, heartbeat: () => {} };
    await expect(deliverWebhookBatch(batch, [endpoint('moved')], reg, ctx)).rejects.toThrow(/moved: HTTP 302/);
    const nobody = createServer();
    await new Promise<void>((resolve) => nobody.listen(0, '127.0.0.1', resolve));
    const port = (nobody.address() as AddressInfo).port;
    await new Promise<void>((resolve) => nobody.close(() => resolve()));
    const closed: WebhookEndpoint = { ...endpoint('closed'), url: `http://127.0.0.1:${port}/` };
    await expect(deliverWebhookBatch(batch, [closed], reg, ctx)).rejects.toThrow(/closed: ECONNREFUSED/);
  });
});
