// The other ways through the door: a system with an access token of the identity provider (OAuth2
// client credentials, checked against the provider's JWKS), the Temporal Web UI's codec endpoint for
// auditors and beheerders (with the session cookie, or a person's access token passed along), and a
// rate limit per caller rather than per address. The provider is the real local one (oidc-provider).
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Payload, PayloadCodec } from '@temporalio/common';
import type { FastifyInstance } from 'fastify';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getCase, openCase } from '../client/cases.js';
import { openAccessLog, type AccessLog } from '../service/access-log.js';
import { ApiKeys, createKey } from '../service/api-keys.js';
import { buildService } from '../service/app.js';
import { DEFAULT_CLAIM_MAPPING, type Role } from '../service/identity.js';
import { generateSessionKey, newCsrfToken, SESSION_COOKIE, SessionSealer } from '../service/session.js';
import { readDevUsers, startIdentityProvider, type RunningIdentityProvider } from '../tools/dev/identity-provider.js';
import { Browser } from './setup/browser.js';
import { sampleCase } from './setup/case-world.js';
import { eventually, startDevWorld, type DevWorld } from './setup/dev-world.js';
import { answerChecker, type OpenApiDocument } from './setup/openapi.js';
import { loginSettings, serviceClient } from './setup/login.js';
import { freePort } from '../tools/free-port.js';

const UI = 'http://localhost:8233';
const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;
const b64 = (bytes: Uint8Array | undefined) => Buffer.from(bytes ?? new Uint8Array()).toString('base64');

/** The access log's complete lines so far (the last may still be being written). */
function accessLines(file: string): Record<string, unknown>[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .flatMap((line) => {
      try {
        return [JSON.parse(line) as Record<string, unknown>];
      } catch {
        return [];
      }
    });
}

describe('access tokens, the codec for the Web UI, and rate limits per caller', () => {
  const run = Date.now().toString(36);
  const EMPLOYER = `wg-token-${run}`;
  // The dev users, and one whose only group gives no role here.
  const users = [
    ...readDevUsers(),
    { sub: 'dev-nobody', password: 'nobody-dev', name: 'Niemand', email: 'niemand@arbo.example', groups: ['andere'] },
  ];
  let world: DevWorld;
  let idp: RunningIdentityProvider;
  let otherIdp: RunningIdentityProvider;
  let app: FastifyInstance;
  let base: string;
  let accessLog: AccessLog;
  let apiKey: string;
  const dir = mkdtempSync(join(tmpdir(), 'pw-tokens-'));
  const accessFile = join(dir, 'access.jsonl');
  const sealer = new SessionSealer(generateSessionKey());
  const A = `token-a-${run}`;
  const B = `token-b-${run}`;

  async function clientToken(provider: RunningIdentityProvider, clientId: string, scope: string): Promise<string> {
    const res = await fetch(`${provider.issuer}/token`, {
      method: 'POST',
      headers: { authorization: basic(clientId, 'erp-secret'), 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', scope, resource: base }).toString(),
    });
    const body = (await res.json()) as { access_token?: string };
    expect(res.status, JSON.stringify(body)).toBe(200);
    return body.access_token!;
  }

  /** A person logs in at the provider as the Web UI's own login would, and gets tokens for this service. */
  async function personTokens(email: string, password: string): Promise<{ access: string; id: string }> {
    const browser = new Browser();
    const verifier = randomBytes(32).toString('base64url');
    const redirect = `${base}/ui-callback`;
    const form = await browser.follow(
      `${idp.issuer}/auth?${new URLSearchParams({
        client_id: 'temporal-ui',
        response_type: 'code',
        redirect_uri: redirect,
        scope: 'openid profile email',
        resource: base,
        state: 'state-1',
        code_challenge: createHash('sha256').update(verifier).digest('base64url'),
        code_challenge_method: 'S256',
      })}`,
    );
    const action = /<form method="post" action="([^"]+)"/.exec(await form.res.text())![1]!;
    const done = await browser.follow(new URL(action, form.url).href, { method: 'POST', form: { email, password } });
    const code = new URL(done.url).searchParams.get('code');
    expect(code, done.url).toBeTruthy();
    const res = await fetch(`${idp.issuer}/token`, {
      method: 'POST',
      headers: {
        authorization: basic('temporal-ui', 'ui-secret'),
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        code: code!,
        redirect_uri: redirect,
        code_verifier: verifier,
        resource: base,
      }).toString(),
    });
    const body = (await res.json()) as { access_token?: string; id_token?: string };
    expect(res.status, JSON.stringify(body)).toBe(200);
    return { access: body.access_token!, id: body.id_token! };
  }

  /** A login session as the callback seals it, for a dev user (the login itself is login.test.ts's). */
  async function sessionOf(email: string): Promise<{ cookie: string; csrf: string }> {
    const user = users.find((u) => u.email === email)!;
    const identity = {
      via: 'session' as const,
      id: user.sub,
      name: user.name,
      email: user.email,
      roles: user.groups.map((g) => g.replace('poortwachter-', '') as Role),
      scopes: [],
    };
    const csrf = newCsrfToken();
    return { cookie: `${SESSION_COOKIE}=${await sealer.sealSession({ identity, csrf })}`, csrf };
  }

  beforeAll(async () => {
    world = await startDevWorld(`tokens-${process.pid}`, { start: '2026-03-02' });
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    const clients = [
      serviceClient(base),
      { clientId: 'temporal-ui', clientSecret: 'ui-secret', redirectUris: [`${base}/ui-callback`] },
      {
        clientId: 'erp',
        clientSecret: 'erp-secret',
        grantTypes: ['client_credentials' as const],
        tokenClaims: { employer_ids: [EMPLOYER] },
      },
    ];
    idp = await startIdentityProvider({ port: 0, users, resource: base, clients });
    otherIdp = await startIdentityProvider({ port: 0, users, resource: base, clients });
    accessLog = openAccessLog(accessFile);
    const keysFile = join(dir, 'api-keys.json');
    apiKey = (
      await createKey(keysFile, { name: 'beheer-systeem', scopes: ['cases:read', 'cases:write', 'audit:export'] })
    ).key;
    app = await buildService({
      cases: world.cases,
      keys: new ApiKeys(keysFile),
      accessLog,
      version: 'test',
      webUiOrigin: UI,
      login: loginSettings(idp.issuer, base, sealer),
      tokens: { issuer: idp.issuer, audience: base, claims: DEFAULT_CLAIM_MAPPING },
    });
    await app.listen({ host: '127.0.0.1', port });
    const employer = { id: EMPLOYER, name: 'Bakkerij De Korenschoof', escalationEmail: 'hr@korenschoof.example' };
    await openCase(world.cases, sampleCase(A, '2026-02-23', { employer }));
    await openCase(
      world.cases,
      sampleCase(B, '2026-02-23', {
        employer: { id: `wg-other-${run}`, name: 'Ander BV', escalationEmail: 'hr@ander.example' },
      }),
    );
  }, 60_000);

  afterAll(async () => {
    await app?.close();
    await accessLog?.close();
    await idp?.close();
    await otherIdp?.close();
    await world?.close();
  });

  const api = (path: string, bearer: string, init: { method?: string; json?: unknown } = {}) =>
    fetch(`${base}${path}`, {
      method: init.method ?? 'GET',
      headers: {
        authorization: `Bearer ${bearer}`,
        ...(init.json !== undefined && { 'content-type': 'application/json' }),
      },
      ...(init.json !== undefined && { body: JSON.stringify(init.json) }),
    });

  it("a system's client-credentials token reads and records within its employers; the timeline names the client", async () => {
    const token = await clientToken(idp, 'erp', 'cases:read events:write');
    expect(decodeJwt(token)).toMatchObject({ aud: base, client_id: 'erp', employer_ids: [EMPLOYER] });

    expect((await api(`/api/v1/cases/${A}`, token)).status).toBe(200);
    expect((await api(`/api/v1/cases/${B}`, token)).status).toBe(404);
    const note = await api(`/api/v1/cases/${A}/events`, token, {
      method: 'POST',
      json: { type: 'note', text: 'uit het verzuimsysteem' },
    });
    expect(note.status).toBe(200);
    const view = await getCase(world.cases, A, { asOf: world.today() });
    expect(view.timeline.filter((e) => e.kind === 'event').map((e) => e.actor)).toEqual(['oauth:erp']);
    await eventually(
      async () => accessLines(accessFile),
      (lines) =>
        lines.some((l) => l.who === 'erp' && l.via === 'token' && l.action === 'event.record' && l.caseId === A),
      "the system's event in the access log",
    );

    // Its scopes are what the provider granted: no cases:write, so no new cases.
    const open = await api('/api/v1/cases', token, {
      method: 'POST',
      json: sampleCase(`token-c-${run}`, '2026-02-23'),
    });
    expect(open.status).toBe(403);
    expect(((await open.json()) as { detail: string }).detail).toBe(
      'this token may not case.open (it needs the scope cases:write)',
    );
  });

  it("a token is refused when it is another provider's, not for this service, or altered", async () => {
    const good = await clientToken(idp, 'erp', 'cases:read');
    const [head, body, signature] = good.split('.');
    const altered = `${head}.${body}.${signature!.slice(0, -4)}${signature!.endsWith('AAAA') ? 'BBBB' : 'AAAA'}`;
    const foreign = await clientToken(otherIdp, 'erp', 'cases:read');
    // The ID token of a login is signed by the same provider, but for the Web UI, not this service.
    const { id: idToken } = await personTokens('audit@arbo.example', 'auditor-dev');
    for (const token of [altered, foreign, idToken]) {
      const res = await api(`/api/v1/cases/${A}`, token);
      expect(res.status).toBe(401);
      expect(await res.json()).toMatchObject({
        type: 'urn:poortwachter:problem:unauthorized',
        detail: 'the access token is not valid',
      });
    }
  });

  it('an ID token is not an access token, even where the audience would match; a person without a role gets nothing', async () => {
    // A service whose audience is the Web UI's client id, as the reviewer set up: the ID token has the
    // right issuer, signature and audience, and is still refused for its type (RFC 9068).
    const { id: idToken, access } = await personTokens('audit@arbo.example', 'auditor-dev');
    const sameAudience = await buildService({
      cases: world.cases,
      keys: new ApiKeys(join(dir, 'api-keys.json')),
      accessLog,
      version: 'test',
      tokens: { issuer: idp.issuer, audience: 'temporal-ui', claims: DEFAULT_CLAIM_MAPPING },
    });
    try {
      const read = await sameAudience.inject({
        url: `/api/v1/cases/${A}`,
        headers: { authorization: `Bearer ${idToken}` },
      });
      expect(read.statusCode).toBe(401);
      expect(decodeJwt(access).aud).toBe(base); // the access token is for this service, not the UI
    } finally {
      await sameAudience.close();
    }

    const nobody = await personTokens('niemand@arbo.example', 'nobody-dev');
    expect(decodeJwt(nobody.access)).toMatchObject({ sub: 'dev-nobody', client_id: 'temporal-ui', groups: ['andere'] });
    expect((await api(`/api/v1/cases/${A}`, nobody.access)).status).toBe(403);
    expect((await api('/api/v1/cases', nobody.access)).status).toBe(403);
  });

  it("answers 503, not 401, when the provider's keys cannot be read", async () => {
    const offline = await buildService({
      cases: world.cases,
      keys: new ApiKeys(join(dir, 'api-keys.json')),
      accessLog,
      version: 'test',
      tokens: { issuer: `http://127.0.0.1:${await freePort()}`, audience: base, claims: DEFAULT_CLAIM_MAPPING },
    });
    try {
      const token = await clientToken(idp, 'erp', 'cases:read');
      const read = await offline.inject({ url: `/api/v1/cases/${A}`, headers: { authorization: `Bearer ${token}` } });
      expect(read.statusCode).toBe(503);
      expect(read.json()).toMatchObject({ type: 'urn:poortwachter:problem:unavailable' });
    } finally {
      await offline.close();
    }
  });

  describe("the Temporal Web UI's codec", () => {
    let encrypted: Payload[];
    const plain: Payload = {
      metadata: { encoding: new TextEncoder().encode('json/plain') },
      data: new TextEncoder().encode('{"note":"gesprek gevoerd"}'),
    };
    let check: ReturnType<typeof answerChecker>;
    beforeAll(async () => {
      const codec = world.cases.client.options.loadedDataConverter.payloadCodecs[0] as PayloadCodec;
      encrypted = await codec.encode([plain]);
      check = answerChecker((await (await fetch(`${base}/api/openapi.json`)).json()) as OpenApiDocument);
    });
    const body = (payloads: Payload[]) => ({
      payloads: payloads.map((p) => ({
        metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, b64(v ?? undefined)])),
        data: b64(p.data ?? undefined),
      })),
    });
    /** A call as the Web UI's page makes it; every answer is checked against the OpenAPI document. */
    async function codecCall(
      operation: 'decode' | 'encode',
      headers: Record<string, string>,
      payloads: Payload[] = encrypted,
      origin = UI,
    ) {
      const res = await fetch(`${base}/codec/${operation}`, {
        method: 'POST',
        headers: { origin, 'content-type': 'application/json', 'x-namespace': 'default', ...headers },
        body: JSON.stringify(body(payloads)),
      });
      const answer = await res.json();
      check('POST', `/codec/${operation}`, res.status, res.headers.get('content-type') ?? '', answer);
      return { status: res.status, headers: res.headers, json: async () => answer };
    }

    it('answers the preflight of the Web UI only', async () => {
      const preflight = (origin: string) =>
        fetch(`${base}/codec/decode`, {
          method: 'OPTIONS',
          headers: {
            origin,
            'access-control-request-method': 'POST',
            'access-control-request-headers': 'content-type,x-namespace',
          },
        });
      const ui = await preflight(UI);
      expect(ui.status).toBe(204);
      expect(ui.headers.get('access-control-allow-origin')).toBe(UI);
      expect(ui.headers.get('access-control-allow-credentials')).toBe('true');
      expect(ui.headers.get('access-control-allow-headers')).toContain('X-Namespace');
      const other = await preflight('https://evil.example');
      expect(other.status).toBe(403);
      expect(other.headers.get('access-control-allow-origin')).toBeNull();
    });

    it('decrypts for a logged-in auditor or beheerder (no session token needed), for no other role or system', async () => {
      const decodedBy = async (email: string) => {
        const { cookie } = await sessionOf(email);
        return codecCall('decode', { cookie });
      };
      for (const email of ['audit@arbo.example', 'beheer@arbo.example']) {
        const res = await decodedBy(email);
        expect(res.status, email).toBe(200);
        expect(res.headers.get('access-control-allow-origin')).toBe(UI);
        expect(await res.json()).toEqual(body([plain]));
      }
      for (const email of ['anna@arbo.example', 'tom@arbo.example', 'arts@arbo.example', 'hr@korenschoof.example']) {
        const res = await decodedBy(email);
        expect(res.status, email).toBe(403);
        expect(JSON.stringify(await res.json())).not.toContain('gesprek');
      }
      const byKey = await codecCall('decode', { authorization: `Bearer ${apiKey}` });
      expect(byKey.status).toBe(403);
      expect(((await byKey.json()) as { detail: string }).detail).toBe(
        'this key may not payload.decode: only a person in a role that may, never a system',
      );
      const bySystemToken = await codecCall('decode', {
        authorization: `Bearer ${await clientToken(idp, 'erp', 'cases:read audit:export')}`,
      });
      expect(bySystemToken.status).toBe(403);
      expect((await codecCall('decode', {})).status).toBe(401);
      // Who calls is settled before the body is read: 5 MiB without credentials is a 401, not a 413.
      const big = await fetch(`${base}/codec/decode`, {
        method: 'POST',
        headers: { origin: UI, 'content-type': 'application/json' },
        body: JSON.stringify({ payloads: [{ data: 'A'.repeat(5 * 1024 * 1024) }] }),
      });
      expect(big.status).toBe(401);
    });

    it("refuses another site's page even with an auditor's cookie; encrypts for a beheerder only", async () => {
      const { cookie } = await sessionOf('audit@arbo.example');
      const evil = await codecCall('decode', { cookie }, encrypted, 'https://evil.example');
      expect(evil.status).toBe(403);
      expect(evil.headers.get('access-control-allow-origin')).toBeNull();

      expect((await codecCall('encode', { cookie }, [plain])).status).toBe(403);
      const beheer = await codecCall('encode', { cookie: (await sessionOf('beheer@arbo.example')).cookie }, [plain]);
      expect(beheer.status).toBe(200);
      const { payloads } = (await beheer.json()) as { payloads: { metadata: Record<string, string> }[] };
      expect(Buffer.from(payloads[0]!.metadata.encoding!, 'base64').toString()).toBe('binary/encrypted');
    });

    it("decrypts with a person's access token as a Web UI with login passes it along, in their role", async () => {
      const auditor = await personTokens('audit@arbo.example', 'auditor-dev');
      expect(decodeJwt(auditor.access)).toMatchObject({ aud: base, groups: ['poortwachter-auditor'] });
      const res = await codecCall('decode', { authorization: `Bearer ${auditor.access}` });
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual(body([plain]));
      // The same token reads cases as the person, in their role (an auditor: never a change).
      expect((await api(`/api/v1/cases/${B}`, auditor.access)).status).toBe(200);
      const change = await api(`/api/v1/cases/${A}/events`, auditor.access, {
        method: 'POST',
        json: { type: 'note', text: 'x' },
      });
      expect(change.status).toBe(403);

      const casemanager = await personTokens('anna@arbo.example', 'anna-dev');
      expect((await codecCall('decode', { authorization: `Bearer ${casemanager.access}` })).status).toBe(403);
    });

    it('every use of the codec is in the access log, refusals too', async () => {
      expect((await codecCall('decode', { cookie: (await sessionOf('audit@arbo.example')).cookie })).status).toBe(200);
      expect((await codecCall('decode', { cookie: (await sessionOf('anna@arbo.example')).cookie })).status).toBe(403);
      const { access } = await personTokens('beheer@arbo.example', 'beheerder-dev');
      expect((await codecCall('decode', { authorization: `Bearer ${access}` })).status).toBe(200);
      const wanted = [
        { who: 'audit@arbo.example', via: 'session', action: 'payload.decode', status: 200 },
        { who: 'anna@arbo.example', via: 'session', action: 'payload.decode', outcome: 'refused' },
        { who: 'beheer@arbo.example', via: 'token', action: 'payload.decode', status: 200 },
      ];
      // The log is written as the answers go out: read it until the three lines are there.
      await eventually(
        async () => accessLines(accessFile),
        (lines) => wanted.every((w) => lines.some((l) => Object.entries(w).every(([k, v]) => l[k] === v))),
        'the three codec calls in the access log',
      );
    });
  });

  it('the rate limit is per caller: the sessions of one person share a budget, another person has their own', async () => {
    const limited = await buildService({
      cases: world.cases,
      keys: new ApiKeys(join(dir, 'api-keys.json')),
      accessLog,
      version: 'test',
      rateLimitPerMinute: 3,
      login: loginSettings(idp.issuer, base, sealer),
    });
    try {
      const read = async (cookie: string) =>
        (await limited.inject({ method: 'GET', url: `/api/v1/cases/${A}`, headers: { cookie } })).statusCode;
      const [first, second] = [await sessionOf('beheer@arbo.example'), await sessionOf('beheer@arbo.example')];
      expect(first.cookie).not.toBe(second.cookie);
      expect([await read(first.cookie), await read(second.cookie), await read(first.cookie)]).toEqual([200, 200, 200]);
      const over = await limited.inject({
        method: 'GET',
        url: `/api/v1/cases/${A}`,
        headers: { cookie: second.cookie },
      });
      expect(over.statusCode).toBe(429);
      expect(over.json()).toMatchObject({ type: 'urn:poortwachter:problem:too-many-requests' });
      // From the same address, another person still has their budget.
      expect(await read((await sessionOf('audit@arbo.example')).cookie)).toBe(200);
    } finally {
      await limited.close();
    }
  });
});
