// The HTTP service against a real case world: every answer is checked against the OpenAPI document
// the service publishes (ajv, JSON Schema 2020-12), every route refuses what it must with a
// problem+json, and every access to a case is in the access log. Cases start on Monday 2026-03-02, an
// ordinary week: nothing here depends on a holiday or on summer time.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openAccessLog, type AccessLog } from '../service/access-log.js';
import { ApiKeys, createKey } from '../service/api-keys.js';
import { buildService } from '../service/app.js';
import { verifyBundle } from '../client/audit/verify.js';
import type { CaseListEntry } from '../client/cases.js';
import { addDays } from '../workflows/calendar/index.js';
import { testDataConverter, workflowBundle } from './setup/temporal.js';
import { sampleCase, startCaseWorld, type CaseWorld } from './setup/case-world.js';
import { startDevWorld, eventually, type DevWorld } from './setup/dev-world.js';
import { answerChecker, type OpenApiDocument } from './setup/openapi.js';

const D = '2026-03-02';
const dir = mkdtempSync(join(tmpdir(), 'pw-service-'));
const keysFile = join(dir, 'api-keys.json');
const accessFile = join(dir, 'access.jsonl');

interface Answer {
  status: number;
  type: string;
  headers: Record<string, unknown>;
  body: Record<string, unknown>;
}

/** The service on a world, with three keys: everything, read only, and one employer's cases only. */
async function serviceFor(
  cases: CaseWorld['cases'] | DevWorld['cases'],
  accessLog: AccessLog,
  rateLimitPerMinute?: number,
) {
  const keys = {
    all: (await createKey(keysFile, { name: 'verzuimsysteem', scopes: ['cases:read', 'cases:write', 'events:write'] }))
      .key,
    reader: (await createKey(keysFile, { name: 'rapportage', scopes: ['cases:read'] })).key,
    auditor: (await createKey(keysFile, { name: 'accountant', scopes: ['cases:read', 'audit:export'] })).key,
    other: (
      await createKey(keysFile, {
        name: 'andere-werkgever',
        scopes: ['cases:read', 'cases:write', 'events:write'],
        employers: ['wg-other'],
      })
    ).key,
  };
  const app = await buildService({
    cases,
    keys: new ApiKeys(keysFile),
    accessLog,
    version: 'test',
    ...(rateLimitPerMinute && { rateLimitPerMinute }),
  });
  const doc = JSON.parse((await app.inject({ method: 'GET', url: '/api/openapi.json' })).body) as OpenApiDocument;
  const check = answerChecker(doc);

  /**
   * Calls the service and checks the answer against the document: its status must be documented for
   * the route (`route`, the path as the document writes it), and its body must match that schema.
   */
  async function call(
    method: 'GET' | 'POST',
    url: string,
    route: string,
    options: { key?: string; body?: unknown; headers?: Record<string, string> } = {},
  ): Promise<Answer> {
    const res = await app.inject({
      method,
      url,
      headers: { ...(options.key && { authorization: `Bearer ${options.key}` }), ...options.headers },
      ...(options.body !== undefined && { payload: options.body as Record<string, unknown> }),
    });
    const type = String(res.headers['content-type'] ?? '').split(';')[0]!;
    // JSON, except an audit bundle (JSON lines), which is checked as the text it is.
    const body = (type === 'application/x-ndjson' ? res.body : JSON.parse(res.body)) as Record<string, unknown>;
    check(method, route, res.statusCode, type, body);
    return { status: res.statusCode, type, headers: res.headers, body };
  }
  return { app, keys, doc, call };
}

function accessLines(): Record<string, unknown>[] {
  return readFileSync(accessFile, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe('the HTTP service', () => {
  let world: CaseWorld;
  let accessLog: AccessLog;
  let service: Awaited<ReturnType<typeof serviceFor>>;
  const run = Date.now().toString(36);
  const CASE = '/api/v1/cases/{caseId}';
  const EVENTS = '/api/v1/cases/{caseId}/events';

  beforeAll(async () => {
    world = await startCaseWorld();
    await world.startAt(D);
    accessLog = openAccessLog(accessFile);
    service = await serviceFor(world.cases, accessLog);
  });
  afterAll(async () => {
    await service?.app.close();
    await accessLog?.close();
    await world?.close();
  });

  it('publishes an OpenAPI 3.1 document of every route, and a page to browse it', async () => {
    expect(service.doc.openapi).toBe('3.1.0');
    expect(Object.keys(service.doc.paths).sort()).toEqual([
      '/api/v1/audit/bundles',
      '/api/v1/calendar',
      '/api/v1/cases',
      CASE,
      EVENTS,
      '/api/v1/imports',
      '/api/v1/imports/{importId}',
      '/codec/decode',
      '/codec/encode',
    ]);
    // Every event the case takes, the reassignment ones too, is in the document's body for EVENTS.
    const body = JSON.stringify(service.doc.paths[EVENTS]);
    for (const type of ['task-completed', 'casemanager-changed', 'contact-changed', 'stand-in']) {
      expect(body).toContain(`"enum":["${type}"]`);
    }
    const page = await service.app.inject({ method: 'GET', url: '/api/docs/' });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('<html');
  });

  it('opens a case (201 with its Location), refuses a second with the same id (409), and reads it back', async () => {
    const caseId = `svc-open-${run}`;
    const opened = await service.call('POST', '/api/v1/cases', '/api/v1/cases', {
      key: service.keys.all,
      body: sampleCase(caseId, D),
    });
    expect(opened.status).toBe(201);
    expect(opened.headers.location).toBe(`/api/v1/cases/${caseId}`);
    expect(opened.body).toEqual({ caseId, workflowId: `case-${caseId}` });

    const again = await service.call('POST', '/api/v1/cases', '/api/v1/cases', {
      key: service.keys.all,
      body: sampleCase(caseId, D),
    });
    expect(again).toMatchObject({ status: 409, type: 'application/problem+json' });
    expect(again.body.type).toBe('urn:poortwachter:problem:duplicate-case');

    const read = await service.call('GET', `/api/v1/cases/${caseId}?asOf=${D}`, CASE, { key: service.keys.reader });
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({ caseId, status: 'open', asOf: D, employer: { id: 'wg-001' } });
  });

  it('refuses a malformed case with 400, naming each field as the CLI does', async () => {
    const bad = { ...sampleCase(`svc-bad-${run}`, '2026-02-30'), diagnosis: 'griep' };
    const answer = await service.call('POST', '/api/v1/cases', '/api/v1/cases', { key: service.keys.all, body: bad });
    expect(answer).toMatchObject({ status: 400, type: 'application/problem+json' });
    const errors = answer.body.errors as { path: string; message: string }[];
    expect(errors.map((e) => e.path)).toContain('firstSickDay');
    expect(errors.some((e) => e.message.includes('diagnosis'))).toBe(true);
    expect(JSON.stringify(answer.body)).not.toMatch(/at .*\.(ts|js):\d+/); // no stack trace
  });

  it('records an event as the key that sent it, once per Idempotency-Key, and refuses what the case refuses', async () => {
    const caseId = `svc-events-${run}`;
    await service.call('POST', '/api/v1/cases', '/api/v1/cases', {
      key: service.keys.all,
      body: sampleCase(caseId, D),
    });
    const url = `/api/v1/cases/${caseId}/events`;
    const note = { type: 'note', text: 'gesprek gevoerd' };
    const first = await service.call('POST', url, EVENTS, {
      key: service.keys.all,
      body: note,
      headers: { 'idempotency-key': 'gesprek-1' },
    });
    expect(first.status).toBe(200);
    expect(first.body.entry).toMatchObject({ kind: 'event', actor: 'api:verzuimsysteem', event: note });
    const retried = await service.call('POST', url, EVENTS, {
      key: service.keys.all,
      body: note,
      headers: { 'idempotency-key': 'gesprek-1' },
    });
    expect(retried.body).toEqual(first.body);
    const view = await world.show(caseId);
    expect(view.timeline.filter((e) => e.event?.type === 'note')).toHaveLength(1);

    // The actor is who called, never a field of the payload.
    const withActor = await service.call('POST', url, EVENTS, {
      key: service.keys.all,
      body: { ...note, actor: 'iemand-anders' },
    });
    expect(withActor.status).toBe(400);
    // Refused by the law's rules (a completion in the case's future): 422.
    const future = await service.call('POST', url, EVENTS, {
      key: service.keys.all,
      body: { type: 'task-completed', task: 'ziekmelding', date: '2026-03-09' },
    });
    expect(future).toMatchObject({ status: 422, body: { type: 'urn:poortwachter:problem:refused-by-rules' } });
    expect(future.body.detail).toBe('date: 2026-03-09 is in the future (today is 2026-03-02)');
    // Not allowed in the case's state: 409.
    await service.call('POST', url, EVENTS, { key: service.keys.all, body: { type: 'case-closed', reason: 'dubbel' } });
    const closed = await service.call('POST', url, EVENTS, { key: service.keys.all, body: note });
    expect(closed).toMatchObject({ status: 409, body: { type: 'urn:poortwachter:problem:conflict' } });
  });

  it('answers 401 without a valid key, 403 beyond its scopes, and 404 for a case of another employer', async () => {
    const caseId = `svc-auth-${run}`;
    await service.call('POST', '/api/v1/cases', '/api/v1/cases', {
      key: service.keys.all,
      body: sampleCase(caseId, D),
    });
    const none = await service.call('GET', `/api/v1/cases/${caseId}`, CASE);
    expect(none).toMatchObject({ status: 401, headers: { 'www-authenticate': 'Bearer' } });
    const forged = await service.call('GET', `/api/v1/cases/${caseId}`, CASE, {
      key: `${service.keys.reader.slice(0, -4)}AAAA`,
    });
    expect(forged.status).toBe(401);
    const readerWrites = await service.call('POST', `/api/v1/cases/${caseId}/events`, EVENTS, {
      key: service.keys.reader,
      body: { type: 'note', text: 'x' },
    });
    expect(readerWrites).toMatchObject({ status: 403, body: { type: 'urn:poortwachter:problem:forbidden' } });
    // Another employer's key cannot tell the case exists.
    const hidden = await service.call('GET', `/api/v1/cases/${caseId}`, CASE, { key: service.keys.other });
    const unknown = await service.call('GET', `/api/v1/cases/no-such-${run}`, CASE, { key: service.keys.other });
    expect(hidden.status).toBe(404);
    expect(unknown.status).toBe(404);
    expect(hidden.body.detail).toBe(`there is no case ${caseId}`);
    const hiddenEvent = await service.call('POST', `/api/v1/cases/${caseId}/events`, EVENTS, {
      key: service.keys.other,
      body: { type: 'note', text: 'x' },
    });
    expect(hiddenEvent.status).toBe(404);
  });

  it('sends security headers, and limits the requests of one key a minute (429 with Retry-After)', async () => {
    const url = `/api/v1/cases/no-such-${run}`;
    const answer = await service.call('GET', url, CASE, { key: service.keys.reader });
    expect(answer.headers).toMatchObject({
      'x-content-type-options': 'nosniff',
      'x-frame-options': 'SAMEORIGIN',
      'strict-transport-security': expect.stringContaining('max-age='),
    });
    expect(String(answer.headers['content-security-policy'])).toContain("default-src 'self'");

    const limited = await serviceFor(world.cases, accessLog, 3);
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++)
        statuses.push((await limited.call('GET', url, CASE, { key: limited.keys.reader })).status);
      expect(statuses).toEqual([404, 404, 404, 429]);
      const refused = await limited.call('GET', url, CASE, { key: limited.keys.reader });
      expect(refused).toMatchObject({ status: 429, type: 'application/problem+json' });
      expect(refused.body.type).toBe('urn:poortwachter:problem:too-many-requests');
      expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
      // Another key has a budget of its own.
      expect((await limited.call('GET', url, CASE, { key: limited.keys.all })).status).toBe(404);
    } finally {
      await limited.app.close();
    }
  });

  it("exports an auditor's bundle that `audit verify` accepts byte for byte; a case of another employer is not found", async () => {
    const caseId = `svc-audit-${run}`;
    await service.call('POST', '/api/v1/cases', '/api/v1/cases', {
      key: service.keys.all,
      body: sampleCase(caseId, D),
    });
    await service.call('POST', `/api/v1/cases/${caseId}/events`, EVENTS, {
      key: service.keys.all,
      body: { type: 'task-completed', task: 'ziekmelding', date: D },
    });
    const res = await service.app.inject({
      method: 'POST',
      url: '/api/v1/audit/bundles',
      headers: { authorization: `Bearer ${service.keys.auditor}` },
      payload: { caseIds: [caseId] },
    });
    expect(res.statusCode).toBe(200);
    const report = await verifyBundle(res.body, {
      workflowBundle: await workflowBundle(),
      payloadCodecs: testDataConverter().payloadCodecs ?? [],
    });
    expect(report.problems).toEqual([]);
    expect(report.cases.map((c) => [c.caseId, c.intact, c.replaysCleanly])).toEqual([[caseId, true, true]]);
    expect(report.cases[0]!.derived!.events.map((e) => e.actor)).toEqual(['api:verzuimsysteem']);
    // Through the checked document as well.
    const checked = await service.call('POST', '/api/v1/audit/bundles', '/api/v1/audit/bundles', {
      key: service.keys.auditor,
      body: { caseIds: [caseId] },
    });
    expect(checked).toMatchObject({ status: 200, type: 'application/x-ndjson' });

    const forbidden = await service.call('POST', '/api/v1/audit/bundles', '/api/v1/audit/bundles', {
      key: service.keys.reader,
      body: { caseIds: [caseId] },
    });
    expect(forbidden.status).toBe(403);
    const { key: otherAuditor } = await createKey(keysFile, {
      name: 'accountant-of-another-employer',
      scopes: ['audit:export'],
      employers: ['wg-other'],
    });
    for (const key of [otherAuditor, service.keys.auditor]) {
      const hidden = await service.call('POST', '/api/v1/audit/bundles', '/api/v1/audit/bundles', {
        key,
        body: { caseIds: [caseId, `no-such-${run}`].slice(key === otherAuditor ? 0 : 1) },
      });
      expect(hidden).toMatchObject({ status: 404, body: { type: 'urn:poortwachter:problem:not-found' } });
    }
  });

  it('computes a calendar from facts, and names the facts at fault', async () => {
    const ok = await service.call('POST', '/api/v1/calendar?asOf=2026-02-20', '/api/v1/calendar', {
      key: service.keys.reader,
      body: { firstSickDay: '2026-01-05' },
    });
    expect(ok.status).toBe(200);
    expect((ok.body.milestones as { id: string; due: string }[]).find((m) => m.id === 'probleemanalyse')?.due).toBe(
      '2026-02-15',
    );
    const bad = await service.call('POST', '/api/v1/calendar', '/api/v1/calendar', {
      key: service.keys.reader,
      body: { firstSickDay: '2026-01-05', periods: [{ from: '2026-01-05', to: '2026-01-01' }] },
    });
    expect(bad.status).toBe(400);
    expect((bad.body.errors as { path: string }[]).length).toBeGreaterThan(0);
  });

  it('writes every access to a case to the access log: who, what, which case, the outcome; no names or addresses', async () => {
    await accessLog.close();
    accessLog = openAccessLog(accessFile); // flushed; later tests would write on
    const lines = accessLines();
    const caseId = `svc-auth-${run}`;
    expect(lines.filter((l) => l.caseId === caseId).map((l) => [l.action, l.outcome, l.status])).toEqual([
      ['case.open', 'allowed', 201],
      ['case.read', 'refused', 401],
      ['case.read', 'refused', 401],
      ['event.record', 'refused', 403],
      ['case.read', 'refused', 404],
      ['event.record', 'refused', 404],
    ]);
    const who = lines.find((l) => l.caseId === caseId && l.action === 'event.record' && l.status === 403)!.who;
    expect(who).toMatch(/^[a-z0-9]{8} \(rapportage\)$/);
    const text = readFileSync(accessFile, 'utf8');
    for (const personal of ['J. de Vries', 'anna@arbo.example', 'Bakkerij De Korenschoof'])
      expect(text).not.toContain(personal);
  });
});

describe('the HTTP service on the dev server (visibility: lists)', () => {
  let world: DevWorld;
  let accessLog: AccessLog;
  let service: Awaited<ReturnType<typeof serviceFor>>;
  const run = Date.now().toString(36);

  beforeAll(async () => {
    world = await startDevWorld(`svc-${run}`);
    accessLog = openAccessLog(join(dir, 'access-dev.jsonl'));
    service = await serviceFor(world.cases, accessLog);
  });
  afterAll(async () => {
    await service?.app.close();
    await accessLog?.close();
    await world?.close();
  });

  it("lists an employer's cases a page at a time, and a key for one employer sees only its own", async () => {
    const employer = `wg-svc-${run}`;
    // The third taken over four weeks in: its next deadline (the overdue ziekmelding) comes first.
    for (const n of [1, 2, 3]) {
      await service.call('POST', '/api/v1/cases', '/api/v1/cases', {
        key: service.keys.all,
        body: sampleCase(`svc-list-${run}-${n}`, n === 3 ? addDays(world.today(), -28) : world.today(), {
          employer: { id: employer, name: 'Werkgever', escalationEmail: 'hr@werkgever.example' },
        }),
      });
    }
    // Lists come from visibility, which follows the cases a moment later: wait until all three show.
    await eventually(
      () => service.call('GET', `/api/v1/cases?employer=${employer}`, '/api/v1/cases', { key: service.keys.reader }),
      (a) => (a.body.cases as CaseListEntry[]).filter((c) => c.nextDeadline).length === 3,
      'the three cases in the list, each with its next deadline',
    );
    const url = `/api/v1/cases?employer=${employer}&limit=2`;
    const first = await service.call('GET', url, '/api/v1/cases', { key: service.keys.reader });
    expect(first.body.cases).toHaveLength(2);
    expect(first.body.next).toEqual(expect.any(String));
    const second = await service.call('GET', `${url}&cursor=${String(first.body.next)}`, '/api/v1/cases', {
      key: service.keys.reader,
    });
    const ids = [...(first.body.cases as { caseId: string }[]), ...(second.body.cases as { caseId: string }[])].map(
      (c) => c.caseId,
    );
    expect(ids.sort()).toEqual([1, 2, 3].map((n) => `svc-list-${run}-${n}`));
    expect(second.body.next).toBeUndefined();
    const other = await service.call('GET', `/api/v1/cases?employer=${employer}`, '/api/v1/cases', {
      key: service.keys.other,
    });
    expect(other.body.cases).toEqual([]);

    // The next deadline before a date: of the first two (later) deadlines none, the third's does.
    const deadlines = Object.fromEntries(
      [...(first.body.cases as CaseListEntry[]), ...(second.body.cases as CaseListEntry[])].map((c) => [
        c.caseId,
        c.nextDeadline,
      ]),
    );
    const [early, later] = [deadlines[`svc-list-${run}-3`]!, deadlines[`svc-list-${run}-1`]!];
    expect(early < later).toBe(true);
    const before = async (date: string) =>
      (
        (
          await service.call('GET', `/api/v1/cases?employer=${employer}&deadlineBefore=${date}`, '/api/v1/cases', {
            key: service.keys.reader,
          })
        ).body.cases as CaseListEntry[]
      ).map((c) => c.caseId);
    expect(await before(later)).toEqual([`svc-list-${run}-3`]);
    expect(await before(early)).toEqual([]);
    expect((await before(addDays(later, 1))).sort()).toEqual([1, 2, 3].map((n) => `svc-list-${run}-${n}`));
    const badDate = await service.call('GET', `/api/v1/cases?deadlineBefore=morgen`, '/api/v1/cases', {
      key: service.keys.reader,
    });
    expect(badDate.status).toBe(400);
    const badCursor = await service.call('GET', `${url}&cursor=nope`, '/api/v1/cases', { key: service.keys.reader });
    expect(badCursor.status).toBe(400);
  });
});
