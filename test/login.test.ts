// People at the door: each dev user logs in through the real local OpenID provider (authorization
// code with PKCE, the login form filled in as a browser would), and then every route is walked with
// every role: what each may see and do, a case outside one's scope answering 404, a change without the
// session's token refused, the actor on the timeline and the access log naming the person.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getCase, openCase } from '../client/cases.js';
import { openAccessLog, type AccessLog } from '../service/access-log.js';
import { ApiKeys } from '../service/api-keys.js';
import { buildService } from '../service/app.js';
import { readDevUsers, startIdentityProvider, type RunningIdentityProvider } from '../tools/dev/identity-provider.js';
import { sampleCase } from './setup/case-world.js';
import { startDevWorld, type DevWorld } from './setup/dev-world.js';
import { Browser } from './setup/browser.js';
import { answerChecker, type OpenApiDocument } from './setup/openapi.js';
import { loginSettings, serviceClient } from './setup/login.js';
import { freePort } from '../tools/free-port.js';

describe('people log in and act in their roles', () => {
  const run = Date.now().toString(36);
  // The dev users, the werkgever's employer made this run's own: the dev server is shared with other
  // test files, whose cases are Anna's and wg-001's too, so the lists filter on this employer.
  const EMPLOYER = `wg-login-${run}`;
  const users = readDevUsers().map((u) => (u.employer_ids ? { ...u, employer_ids: [EMPLOYER] } : u));
  let world: DevWorld;
  let idp: RunningIdentityProvider;
  let app: FastifyInstance;
  let base: string;
  let accessLog: AccessLog;
  const accessFile = join(mkdtempSync(join(tmpdir(), 'pw-login-')), 'access.jsonl');
  const browsers = new Map<string, Browser>();

  /** Case A: Anna's (team-noord), Dr. Arts, this run's employer. Case B: someone else's entirely. */
  const A = `login-a-${run}`;
  const B = `login-b-${run}`;

  async function logIn(email: string, password: string): Promise<Browser> {
    const browser = new Browser();
    const form = await browser.follow(`${base}/auth/login?returnTo=/api/v1/cases/${A}`);
    expect(form.res.status).toBe(200);
    const html = await form.res.text();
    expect(html).toContain('Inloggen');
    const action = /<form method="post" action="([^"]+)"/.exec(html)![1]!;
    const done = await browser.follow(new URL(action, form.url).href, { method: 'POST', form: { email, password } });
    // Back at the service, on the page asked for, with a session.
    expect(done.url).toBe(`${base}/api/v1/cases/${A}`);
    expect(browser.cookie(base, 'pw_session')).toBeDefined();
    return browser;
  }

  const as = (role: string) => browsers.get(role)!;
  async function csrf(role: string): Promise<string> {
    return ((await (await as(role).request(`${base}/auth/me`)).json()) as { csrfToken: string }).csrfToken;
  }
  async function call(role: string, method: string, path: string, json?: unknown, withToken = true) {
    const headers: Record<string, string> = method === 'GET' || !withToken ? {} : { 'x-csrf-token': await csrf(role) };
    const res = await as(role).request(`${base}${path}`, { method, headers, ...(json !== undefined && { json }) });
    const text = await res.text();
    const type = res.headers.get('content-type') ?? '';
    // JSON, or an audit bundle's JSON lines (kept as text).
    const isJson = text && !type.startsWith('application/x-ndjson');
    return { status: res.status, type, body: isJson ? JSON.parse(text) : text || undefined };
  }

  beforeAll(async () => {
    world = await startDevWorld(`login-${process.pid}`, { start: '2026-03-02' });
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    idp = await startIdentityProvider({
      port: 0,
      users,
      clients: [serviceClient(base)],
    });
    accessLog = openAccessLog(accessFile);
    const keysFile = join(mkdtempSync(join(tmpdir(), 'pw-login-keys-')), 'api-keys.json');
    app = await buildService({
      cases: world.cases,
      keys: new ApiKeys(keysFile),
      accessLog,
      version: 'test',
      login: loginSettings(idp.issuer, base),
    });
    await app.listen({ host: '127.0.0.1', port });

    const team = { name: 'Anna de Casemanager', email: 'anna@arbo.example', team: 'team-noord' };
    const employer = { id: EMPLOYER, name: 'Bakkerij De Korenschoof', escalationEmail: 'hr@korenschoof.example' };
    await openCase(world.cases, sampleCase(A, '2026-02-23', { casemanager: team, employer }));
    await openCase(
      world.cases,
      sampleCase(B, '2026-02-23', {
        employer: { id: `wg-other-${run}`, name: 'Ander BV', escalationEmail: 'hr@ander.example' },
        casemanager: { name: 'Bram', email: `bram-${run}@arbo.example` },
        bedrijfsarts: { name: 'Dr. Ander', email: `ander-${run}@arbo.example` },
      }),
    );
    for (const user of users)
      browsers.set(user.groups[0]!.replace('poortwachter-', ''), await logIn(user.email, user.password));
  }, 60_000);

  afterAll(async () => {
    await app?.close();
    await accessLog?.close();
    await idp?.close();
    await world?.close();
  });

  it('a wrong password is refused on the login page; a session says who is logged in', async () => {
    const browser = new Browser();
    const form = await browser.follow(`${base}/auth/login`);
    const action = /<form method="post" action="([^"]+)"/.exec(await form.res.text())![1]!;
    const refused = await browser.request(new URL(action, form.url).href, {
      method: 'POST',
      form: { email: 'anna@arbo.example', password: 'fout' },
    });
    expect(refused.status).toBe(401);
    expect(await refused.text()).toContain('Onbekend e-mailadres of onjuist wachtwoord.');
    expect(browser.cookie(base, 'pw_session')).toBeUndefined();
    expect((await browser.request(`${base}/api/v1/cases/${A}`)).status).toBe(401);

    const me = await call('casemanager', 'GET', '/auth/me');
    expect(me.body).toMatchObject({
      subject: 'dev-anna',
      email: 'anna@arbo.example',
      roles: ['casemanager'],
      team: 'team-noord',
    });
    expect((await call('werkgever', 'GET', '/auth/me')).body).toMatchObject({
      roles: ['werkgever'],
      employers: [EMPLOYER],
    });
  });

  it('the login routes are in the OpenAPI document, and /auth/me and /auth/logout answer as it says', async () => {
    const doc = (await (await fetch(`${base}/api/openapi.json`)).json()) as OpenApiDocument;
    expect(Object.keys(doc.paths).filter((p) => p.startsWith('/auth/'))).toEqual([
      '/auth/login',
      '/auth/callback',
      '/auth/me',
      '/auth/logout',
    ]);
    const check = answerChecker(doc);
    const me = await call('auditor', 'GET', '/auth/me');
    check('GET', '/auth/me', me.status, me.type, me.body);
    const anonymous = await fetch(`${base}/auth/me`);
    check('GET', '/auth/me', anonymous.status, anonymous.headers.get('content-type') ?? '', await anonymous.json());
    const logout = await as('auditor').request(`${base}/auth/logout`, { method: 'POST' });
    check('POST', '/auth/logout', logout.status, logout.headers.get('content-type') ?? '', await logout.json());
    expect(logout.status).toBe(403);
    const login = await fetch(`${base}/auth/login`, { redirect: 'manual' });
    expect(login.status).toBe(303);
    expect(Object.keys(doc.paths['/auth/login']!.get!.responses)).toContain('303');
  });

  it('after the login only a path of this service is a destination, never another site', async () => {
    const browser = new Browser();
    const form = await browser.follow(`${base}/auth/login?returnTo=//evil.example/steal`);
    const action = /<form method="post" action="([^"]+)"/.exec(await form.res.text())![1]!;
    const done = await browser.follow(new URL(action, form.url).href, {
      method: 'POST',
      form: { email: 'audit@arbo.example', password: 'auditor-dev' },
    });
    expect(done.url).toBe(`${base}/taken`); // `/`, which sends a person to their tasks
  });

  it('every role reads the cases in its scope; a case outside it does not exist for them', async () => {
    const read = async (role: string, id: string) => (await call(role, 'GET', `/api/v1/cases/${id}`)).status;
    const roles = ['casemanager', 'teamleider', 'bedrijfsarts', 'werkgever', 'auditor', 'beheerder'];
    expect(await Promise.all(roles.map((r) => read(r, A)))).toEqual([200, 200, 200, 200, 200, 200]);
    expect(await Promise.all(roles.map((r) => read(r, B)))).toEqual([404, 404, 404, 404, 200, 200]);
    const notFound = await call('casemanager', 'GET', `/api/v1/cases/${B}`);
    expect(notFound.type).toContain('application/problem+json');
    expect(notFound.body.detail).toBe(`there is no case ${B}`);
    // Calendars of given facts are for everyone logged in.
    const calendar = async (role: string) =>
      (await call(role, 'POST', '/api/v1/calendar', { firstSickDay: '2026-02-23' })).status;
    expect(await Promise.all(roles.map(calendar))).toEqual([200, 200, 200, 200, 200, 200]);
  });

  it("lists: a casemanager their own cases, a teamleider the team's, a bedrijfsarts theirs, a werkgever its employers', an auditor all", async () => {
    const ids = async (role: string, query = '') => {
      const answer = await call(role, 'GET', `/api/v1/cases?limit=200${query}`);
      return answer.status === 200 ? (answer.body.cases as { caseId: string }[]).map((c) => c.caseId) : answer.status;
    };
    // Visibility is eventually consistent: wait until the auditor sees both.
    for (let tries = 0; ; tries++) {
      const seen = [await ids('auditor', `&employer=${EMPLOYER}`), await ids('auditor', `&employer=wg-other-${run}`)];
      if (JSON.stringify(seen) === JSON.stringify([[A], [B]])) break;
      if (tries > 80) throw new Error(`cases ${A} and ${B} never reached the list: ${JSON.stringify(seen)}`);
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(await ids('casemanager', `&employer=${EMPLOYER}`)).toEqual([A]);
    expect(await ids('casemanager', `&employer=wg-other-${run}`)).toEqual([]);
    expect(await ids('casemanager', `&casemanager=bram-${run}@arbo.example`)).toEqual([]);
    expect(await ids('werkgever')).toEqual([A]);
    expect(await ids('werkgever', `&employer=wg-other-${run}`)).toEqual([]);
    expect(await ids('auditor', `&employer=wg-other-${run}`)).toEqual([B]);
    expect(await ids('beheerder', `&employer=wg-other-${run}`)).toEqual([B]);
    // Team and bedrijfsarts are searchable: a teamleider lists team-noord's cases, Dr. Arts theirs.
    expect(await ids('teamleider', `&employer=${EMPLOYER}`)).toEqual([A]);
    expect(await ids('teamleider', `&employer=wg-other-${run}`)).toEqual([]);
    expect(await ids('bedrijfsarts', `&employer=${EMPLOYER}`)).toEqual([A]);
    expect(await ids('bedrijfsarts', `&employer=wg-other-${run}`)).toEqual([]);
  });

  it('events: each role records what is theirs; the actor on the timeline is the person in their role', async () => {
    const record = async (role: string, id: string, event: Record<string, unknown>) =>
      (await call(role, 'POST', `/api/v1/cases/${id}/events`, event)).status;
    const note = { type: 'note', text: 'gesprek gevoerd' };
    expect(await record('casemanager', A, note)).toBe(200);
    expect(await record('teamleider', A, note)).toBe(200);
    expect(await record('beheerder', A, note)).toBe(200);
    expect(await record('bedrijfsarts', A, note)).toBe(403);
    expect(
      await record('bedrijfsarts', A, { type: 'task-completed', task: 'probleemanalyse', date: '2026-02-27' }),
    ).toBe(200);
    expect(await record('werkgever', A, { type: 'task-completed', task: 'ziekmelding', date: '2026-02-24' })).toBe(200);
    expect(await record('werkgever', A, { type: 'spoor1-uitzichtloos', date: '2026-02-27' })).toBe(403);
    expect(await record('werkgever', A, note)).toBe(200);
    expect(await record('auditor', A, note)).toBe(403);
    expect(await record('casemanager', B, note)).toBe(404);
    expect(await record('beheerder', B, note)).toBe(200);

    const forbidden = await call('bedrijfsarts', 'POST', `/api/v1/cases/${A}/events`, note);
    expect(forbidden.body).toMatchObject({ status: 403, detail: 'your role on this case may not record note' });

    const view = await getCase(world.cases, A, { asOf: world.today() });
    const actors = view.timeline.filter((e) => e.kind === 'event').map((e) => e.actor);
    expect(actors).toEqual([
      'login:anna@arbo.example (casemanager)',
      'login:tom@arbo.example (teamleider)',
      'login:beheer@arbo.example (beheerder)',
      'login:arts@arbo.example (bedrijfsarts)',
      'login:hr@korenschoof.example (werkgever)',
      'login:hr@korenschoof.example (werkgever)',
    ]);
  });

  it("a change without the session's token is refused: a request another site makes the browser send", async () => {
    const refused = await call('casemanager', 'POST', `/api/v1/cases/${A}/events`, { type: 'note', text: 'x' }, false);
    expect(refused).toMatchObject({ status: 403, body: { type: 'urn:poortwachter:problem:csrf-token' } });
    const wrong = await as('casemanager').request(`${base}/api/v1/cases/${A}/events`, {
      method: 'POST',
      headers: { 'x-csrf-token': 'é'.repeat(32) }, // as many characters as the token, more bytes
      json: { type: 'note', text: 'x' },
    });
    expect(wrong.status).toBe(403);
  });

  it('opening cases, exports and imports: only the roles that may, and the timeline says who opened', async () => {
    const open = async (role: string, caseId: string, extra: Record<string, unknown> = {}) =>
      (await call(role, 'POST', '/api/v1/cases', sampleCase(caseId, '2026-02-23', extra))).status;
    expect(await open('casemanager', `login-c-${run}`)).toBe(201);
    expect(
      await open('casemanager', `login-d-${run}`, { casemanager: { name: 'Bram', email: `bram-${run}@arbo.example` } }),
    ).toBe(403);
    for (const role of ['teamleider', 'bedrijfsarts', 'werkgever', 'auditor'])
      expect(await open(role, `login-${role}-${run}`), role).toBe(403);
    expect(await open('beheerder', `login-e-${run}`)).toBe(201);
    const opened = await getCase(world.cases, `login-c-${run}`, { asOf: world.today() });
    expect(opened.timeline[0]).toMatchObject({ kind: 'opened', actor: 'login:anna@arbo.example (casemanager)' });

    const bundle = async (role: string) => (await call(role, 'POST', '/api/v1/audit/bundles', { caseIds: [A] })).status;
    expect(await bundle('auditor')).toBe(200);
    expect(await bundle('beheerder')).toBe(200);
    for (const role of ['casemanager', 'teamleider', 'bedrijfsarts', 'werkgever'])
      expect(await bundle(role), role).toBe(403);

    const imported = async (role: string) =>
      (await call(role, 'POST', '/api/v1/imports', [sampleCase(`login-imp-${role}-${run}`, '2026-02-23')])).status;
    for (const role of ['casemanager', 'teamleider', 'bedrijfsarts', 'werkgever', 'auditor'])
      expect(await imported(role), role).toBe(403);
    const started = await call('beheerder', 'POST', '/api/v1/imports', [sampleCase(`login-imp-${run}`, '2026-02-23')]);
    expect(started.status).toBe(202);
    const progress = async (role: string) => (await call(role, 'GET', started.body.status as string)).status;
    expect(await progress('beheerder')).toBe(200);
    for (const role of ['casemanager', 'teamleider', 'bedrijfsarts', 'werkgever', 'auditor'])
      expect(await progress(role), role).toBe(403);
  });

  it('the access log names the person and their roles, refusals included; logging out ends the session', async () => {
    const browser = await logIn('arts@arbo.example', 'arts-dev');
    const token = ((await (await browser.request(`${base}/auth/me`)).json()) as { csrfToken: string }).csrfToken;
    expect((await browser.request(`${base}/auth/logout`, { method: 'POST' })).status).toBe(403);
    expect(
      (await browser.request(`${base}/auth/logout`, { method: 'POST', headers: { 'x-csrf-token': token } })).status,
    ).toBe(204);
    expect(browser.cookie(base, 'pw_session')).toBeUndefined();
    expect((await browser.request(`${base}/api/v1/cases/${A}`)).status).toBe(401);

    await accessLog.close();
    const lines = readFileSync(accessFile, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toContainEqual(
      expect.objectContaining({
        who: 'anna@arbo.example',
        via: 'session',
        roles: ['casemanager'],
        action: 'case.read',
        caseId: B,
        status: 404,
        outcome: 'refused',
      }),
    );
    expect(lines).toContainEqual(
      expect.objectContaining({
        who: 'audit@arbo.example',
        via: 'session',
        action: 'audit.export',
        caseId: A,
        status: 200,
      }),
    );
    accessLog = openAccessLog(accessFile);
  });
});
