// The pages for people, without a browser (the browser test is test/browser/): a click from outside
// goes through the login and lands on the page; the case page shows the obligations and the timeline
// in Amsterdam time; a form records an event with the same checks as the API, keeps what was entered
// and says in Dutch what is wrong; a case outside one's roles is "niet gevonden"; an auditor gets no
// forms. Cases start on Monday 2026-03-02 (before summer time: 09:00 Amsterdam is 08:00 UTC).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '@temporalio/client';
import { getCase, openCase } from '../client/cases.js';
import { openAccessLog, type AccessLog } from '../service/access-log.js';
import { ApiKeys } from '../service/api-keys.js';
import { buildService } from '../service/app.js';

import { generateSessionKey, SessionSealer } from '../service/session.js';
import { readDevUsers, startIdentityProvider, type RunningIdentityProvider } from '../tools/dev/identity-provider.js';
import { logInAt, type Browser } from './setup/browser.js';
import { sampleCase } from './setup/case-world.js';
import { eventually, startDevWorld, type DevWorld } from './setup/dev-world.js';
import { testDataConverter, workflowBundle } from './setup/temporal.js';
import { verifyBundle } from '../client/audit/verify.js';
import { loginSettings, serviceClient } from './setup/login.js';
import { freePort } from '../tools/free-port.js';

describe('the pages: a case, and recording on it', () => {
  const run = Date.now().toString(36);
  const A = `page-a-${run}`;
  const B = `page-b-${run}`;
  let world: DevWorld;
  let idp: RunningIdentityProvider;
  let app: FastifyInstance;
  let accessLog: AccessLog;
  let base: string;
  let anna: Browser;
  const EMPLOYER = `wg-page-${run}`;
  const sealer = new SessionSealer(generateSessionKey());

  const text = (html: string) => html.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ');
  const csrfOf = (html: string) => /name="_csrf" value="([^"]+)"/.exec(html)![1]!;

  beforeAll(async () => {
    world = await startDevWorld(`pages-${process.pid}`, { start: '2026-03-02' });
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    idp = await startIdentityProvider({
      port: 0,
      // The dev users, and an English-speaking casemanager.
      users: [
        ...readDevUsers(),
        {
          sub: 'dev-emma',
          password: 'emma-dev',
          name: 'Emma Smith',
          email: 'emma@arbo.example',
          groups: ['poortwachter-casemanager'],
          locale: 'en-GB',
        },
      ],
      clients: [serviceClient(base)],
    });
    accessLog = openAccessLog(join(mkdtempSync(join(tmpdir(), 'pw-pages-')), 'access.jsonl'));
    app = await buildService({
      cases: world.cases,
      keys: new ApiKeys(join(mkdtempSync(join(tmpdir(), 'pw-pages-keys-')), 'api-keys.json')),
      accessLog,
      version: 'test',
      today: () => world.today(),
      login: loginSettings(idp.issuer, base, sealer),
    });
    await app.listen({ host: '127.0.0.1', port });
    // Case A is of this run's employer (the dev server is shared: Anna has cases in other files too).
    await openCase(
      world.cases,
      sampleCase(A, '2026-02-23', {
        employer: { id: EMPLOYER, name: 'Bakkerij De Korenschoof', escalationEmail: 'hr@korenschoof.example' },
        casemanager: { name: 'Anna de Casemanager', email: 'anna@arbo.example', team: 'team-noord' },
      }),
    );
    await openCase(
      world.cases,
      sampleCase(B, '2026-02-23', { casemanager: { name: 'Bram', email: `bram-${run}@arbo.example` } }),
    );
  }, 60_000);

  afterAll(async () => {
    await app?.close();
    await accessLog?.close();
    await idp?.close();
    await world?.close();
  });

  it('a click from an e-mail goes through the login and lands on the case page', async () => {
    const { browser, landed } = await logInAt(base, `/zaken/${A}`, 'anna@arbo.example', 'anna-dev');
    anna = browser;
    expect(landed.url).toBe(`${base}/zaken/${A}`);
    expect(landed.res.status).toBe(200);
    const html = await landed.res.text();
    expect(html).toContain('<html lang="nl">');
    const page = text(html);
    expect(page).toContain(`Zaak ${A}`);
    expect(page).toContain('Eerste ziektedag 23-02-2026');
    // On Monday 2 March the ziekmelding (due Sunday 1 March, week 1) is a day late; the
    // probleemanalyse is due on 5 April (week 6).
    expect(page).toContain('Ziekmelding bij arbodienst of bedrijfsarts 01-03-2026 te laat · 1 dag te laat werkgever');
    expect(page).toContain('Probleemanalyse door de bedrijfsarts 05-04-2026 open bedrijfsarts');
    expect(html).toContain(`href="/zaken/${A}/vastleggen/task-completed?taak=probleemanalyse"`);
    expect(page).toContain('Zaak geopend');
    // The re-integratieverslag checklist, from the first day: every part missing.
    expect(page).toContain('Re-integratieverslag');
    expect(page).toContain('6 onderdelen ontbreken nog.');
    expect(page).toContain('Probleemanalyse door de bedrijfsarts ontbreekt (uiterlijk 05-04-2026)');
  });

  it('Mijn taken: her open tasks, overdue first with the days late, then within 10 working days, then later', async () => {
    // Visibility follows the case a moment later: wait until the task list shows it.
    const html = await eventually(
      async () => (await anna.request(`${base}/taken?werkgever=${EMPLOYER}`)).text(),
      (h) => h.includes(`href="/zaken/${A}"`),
      'case A in the task list',
    );
    const page = text(html);
    // On Monday 2 March: the ziekmelding (due 1 March) is a day late; 10 working days on is 16 March,
    // so the probleemanalyse (5 April) and the rest are later.
    expect(page).toMatch(
      new RegExp(
        `Te laat \\(1\\) .* ${A} J\\. de Vries Bakkerij De Korenschoof Ziekmelding bij arbodienst of bedrijfsarts 01-03-2026 1 dag te laat werkgever`,
      ),
    );
    expect(page).toContain('Binnen 10 werkdagen (0)');
    expect(page).toMatch(
      new RegExp(
        `Later \\(\\d+\\) .* ${A} J\\. de Vries Bakkerij De Korenschoof Probleemanalyse door de bedrijfsarts 05-04-2026 bedrijfsarts`,
      ),
    );
    expect(html).toContain(`href="/zaken/${A}/vastleggen/task-completed?taak=probleemanalyse"`);
    expect(html).not.toContain(`/zaken/${B}"`);
    // Only overdue; only one task.
    const late = text(await (await anna.request(`${base}/taken?werkgever=${EMPLOYER}&te-laat=ja`)).text());
    expect(late).toContain('Te laat (1)');
    expect(late).not.toContain('Later (');
    const one = text(await (await anna.request(`${base}/taken?werkgever=${EMPLOYER}&taak=probleemanalyse`)).text());
    expect(one).toContain('Te laat (0)');
    expect(one).toContain('Later (1)');

    // From the summaries alone: a service whose client refuses every query shows the same list.
    const noQueries = new Client({
      connection: world.cases.client.connection,
      dataConverter: testDataConverter(),
      interceptors: {
        workflow: [
          {
            async query() {
              throw new Error('the task list must not query a case');
            },
          },
        ],
      },
    });
    const strict = await buildService({
      cases: { client: noQueries, taskQueue: world.cases.taskQueue },
      keys: new ApiKeys(join(mkdtempSync(join(tmpdir(), 'pw-pages-keys-')), 'api-keys.json')),
      accessLog,
      version: 'test',
      today: () => world.today(),
      login: loginSettings(idp.issuer, base, sealer),
    });
    try {
      const cookie = `pw_session=${anna.cookie(base, 'pw_session')}`;
      const answer = await strict.inject({ url: `/taken?werkgever=${EMPLOYER}`, headers: { cookie } });
      expect(answer.statusCode).toBe(200);
      expect(text(answer.body)).toBe(page);
      // (and a page that does need a query fails as a page: Dutch words, no stack trace)
      const failed = await strict.inject({ url: `/zaken/${A}`, headers: { cookie } });
      expect(failed.statusCode).toBe(500);
      expect(failed.headers['content-type']).toContain('text/html');
      expect(failed.body).toContain('<h1>Er ging iets mis</h1>');
      expect(failed.body).not.toContain('must not query');
    } finally {
      await strict.close();
    }
  });

  it("a wrong address is a Dutch page, not the API's JSON", async () => {
    const tooLong = await anna.request(`${base}/zaken/${'x'.repeat(65)}`);
    expect(tooLong.status).toBe(400);
    expect(tooLong.headers.get('content-type')).toContain('text/html');
    expect(await tooLong.text()).toContain('<h1>Onjuist adres</h1>');
  });

  it('Zaken: find a case by its id, or list hers by employer and status, by next deadline', async () => {
    const byId = await anna.request(`${base}/zaken?id=${A}`);
    expect(byId.status).toBe(303);
    expect(byId.headers.get('location')).toBe(`/zaken/${A}`);
    const listed = text(
      await eventually(
        async () => (await anna.request(`${base}/zaken?werkgever=${EMPLOYER}&status=open`)).text(),
        (h) => h.includes(`href="/zaken/${A}"`),
        'case A in the case list',
      ),
    );
    expect(listed).toContain(`Zaken 1 tot en met 1 van 1`);
    expect(listed).toMatch(new RegExp(`${A} open ${EMPLOYER} \\d\\d-\\d\\d-2026 1`));
    const closed = text(await (await anna.request(`${base}/zaken?werkgever=${EMPLOYER}&status=closed`)).text());
    expect(closed).toContain('Geen zaken gevonden.');
    // Without a filter, only the search forms: no list of every case.
    expect(await (await anna.request(`${base}/zaken`)).text()).not.toContain('<tbody>');
  });

  it("a teamleider's list: the team's tasks, with the counts per casemanager", async () => {
    const { browser: tom } = await logInAt(base, `/taken?werkgever=${EMPLOYER}`, 'tom@arbo.example', 'tom-dev');
    // (the team's search attribute reaches visibility with the case: read until the case is there)
    const page = text(
      await eventually(
        async () => (await tom.request(`${base}/taken?werkgever=${EMPLOYER}`)).text(),
        (h) => h.includes(`href="/zaken/${A}"`),
        "case A in the teamleider's list",
      ),
    );
    expect(page).toContain('Per casemanager');
    expect(page).toMatch(/Anna de Casemanager anna@arbo\.example 1 0 \d+/);
    expect(page).toContain(A);
  });

  it('records a task done from the form; a wrong value is said in Dutch next to its field, the rest kept', async () => {
    const form = await anna.request(`${base}/zaken/${A}/vastleggen/task-completed?taak=probleemanalyse`);
    expect(form.status).toBe(200);
    const html = await form.text();
    expect(html).toContain('<option value="probleemanalyse" selected>');
    const csrf = csrfOf(html);

    const wrong = await anna.request(`${base}/zaken/${A}/vastleggen/task-completed`, {
      method: 'POST',
      form: {
        _csrf: csrf,
        task: 'probleemanalyse',
        date: '2026-03-02',
        'document.uri': 'https://dossier.arbo.example/pa.pdf',
        'document.sha256': 'niet-hex',
      },
    });
    expect(wrong.status).toBe(400);
    const refused = await wrong.text();
    expect(refused).toContain('Het formulier is niet opgeslagen.');
    expect(refused).toContain(
      '<p class="error" id="veld-document-sha256-fout">Vul de SHA-256 van het document in: 64 tekens, alleen 0-9 en a-f.</p>',
    );
    expect(refused).toContain('value="https://dossier.arbo.example/pa.pdf"'); // kept

    const sha256 = 'a'.repeat(64);
    const saved = await anna.request(`${base}/zaken/${A}/vastleggen/task-completed`, {
      method: 'POST',
      form: {
        _csrf: csrf,
        task: 'probleemanalyse',
        date: '2026-03-02',
        'document.uri': 'https://dossier.arbo.example/pa.pdf',
        'document.sha256': sha256,
      },
    });
    expect(saved.status).toBe(303);
    expect(saved.headers.get('location')).toBe(`/zaken/${A}#tijdlijn`);
    const after = text(await (await anna.request(`${base}/zaken/${A}`)).text());
    expect(after).toContain('Probleemanalyse door de bedrijfsarts 05-04-2026 gedaan 02-03-2026 bedrijfsarts');
    expect(after).toContain(
      'Probleemanalyse door de bedrijfsarts vastgelegd op 02-03-2026 https://dossier.arbo.example/pa.pdf',
    );
    expect(after).toContain('5 onderdelen ontbreken nog.');
    expect(after).toMatch(
      /\d\d-\d\d-2026 \d\d:\d\d Taak gedaan login:anna@arbo\.example \(casemanager\) Probleemanalyse door de bedrijfsarts · 02-03-2026 · document/,
    );
    const view = await getCase(world.cases, A, { asOf: world.today() });
    expect(view.timeline.find((e) => e.event?.type === 'task-completed')?.event).toMatchObject({
      type: 'task-completed',
      task: 'probleemanalyse',
      document: { uri: 'https://dossier.arbo.example/pa.pdf', sha256 },
    });
  });

  it("a note keeps its full text; the law's refusal is shown on the form; without the token nothing is saved", async () => {
    const csrf = csrfOf(await (await anna.request(`${base}/zaken/${A}/vastleggen/note`)).text());
    const text2000 = `Gesprek gevoerd over werkhervatting. ${'x'.repeat(1900)}`;
    const saved = await anna.request(`${base}/zaken/${A}/vastleggen/note`, {
      method: 'POST',
      form: { _csrf: csrf, text: text2000 },
    });
    expect(saved.status).toBe(303);
    expect(await (await anna.request(`${base}/zaken/${A}`)).text()).toContain(text2000);

    const future = await anna.request(`${base}/zaken/${A}/vastleggen/recovered`, {
      method: 'POST',
      form: { _csrf: csrf, date: '2027-01-01' },
    });
    expect(future.status).toBe(422);
    const refusal = await future.text();
    // The case's refusal, in Dutch, next to the date it is about.
    expect(refusal).toContain(
      '<p class="error" id="veld-date-fout">01-01-2027 ligt in de toekomst (vandaag is het 02-03-2026).</p>',
    );
    expect(refusal).toContain('<title>Fout: Hersteld');
    expect(refusal).toContain('value="2027-01-01"'); // kept

    const forged = await anna.request(`${base}/zaken/${A}/vastleggen/note`, {
      method: 'POST',
      form: { text: 'van een andere site' },
    });
    expect(forged.status).toBe(403);
    expect(
      (await getCase(world.cases, A)).timeline.some(
        (e) => e.event?.type === 'note' && e.event.text === 'van een andere site',
      ),
    ).toBe(false);
  });

  it("a bedrijfsarts is offered, and may record, only the bedrijfsarts' tasks", async () => {
    const { browser: arts } = await logInAt(base, `/zaken/${A}`, 'arts@arbo.example', 'arts-dev');
    const form = await (await arts.request(`${base}/zaken/${A}/vastleggen/task-completed`)).text();
    const taskSelect = /<select id="veld-task"[\s\S]*?<\/select>/.exec(form)![0];
    const offered = [...taskSelect.matchAll(/<option value="([a-z-]+)"/g)].map((m) => m[1]);
    // The bedrijfsarts' own tasks only (the probleemanalyse too while it is open).
    expect(offered).toContain('actueel-oordeel');
    expect(offered.every((t) => t === 'probleemanalyse' || t === 'actueel-oordeel')).toBe(true);
    const forged = await arts.request(`${base}/zaken/${A}/vastleggen/task-completed`, {
      method: 'POST',
      form: { _csrf: csrfOf(form), task: 'plan-van-aanpak', date: '2026-03-02' },
    });
    expect(forged.status).toBe(403);
    expect(await forged.text()).toContain('Uw rol mag deze taak niet vastleggen.');
    const view = await getCase(world.cases, A, { asOf: world.today() });
    expect(view.calendar.milestones.find((m) => m.id === 'plan-van-aanpak')?.status).not.toBe('done');
  });

  it('a link to a task that is done by now says so and chooses nothing; saving twice records once', async () => {
    const stale = await (
      await anna.request(`${base}/zaken/${A}/vastleggen/task-completed?taak=probleemanalyse`)
    ).text();
    expect(stale).toContain('Deze taak staat niet meer open');
    expect(stale).toContain('<option value="">— kies —</option>');
    expect(stale).not.toContain(' selected>');

    const form = await (await anna.request(`${base}/zaken/${A}/vastleggen/note`)).text();
    const once = /name="_eenmaal" value="([^"]+)"/.exec(form)![1]!;
    const submit = () =>
      anna.request(`${base}/zaken/${A}/vastleggen/note`, {
        method: 'POST',
        form: { _csrf: csrfOf(form), _eenmaal: once, text: `tweemaal verstuurd ${run}` },
      });
    expect((await submit()).status).toBe(303);
    expect((await submit()).status).toBe(303);
    const notes = (await getCase(world.cases, A, { asOf: world.today() })).timeline.filter(
      (e) => e.event?.type === 'note' && e.event.text === `tweemaal verstuurd ${run}`,
    );
    expect(notes).toHaveLength(1);
  });

  it('a teamleider reassigns a case: the new casemanager is on the case page, the old one no longer sees it', async () => {
    const C = `page-c-${run}`;
    await openCase(
      world.cases,
      sampleCase(C, '2026-02-23', {
        employer: { id: EMPLOYER, name: 'Bakkerij De Korenschoof', escalationEmail: 'hr@korenschoof.example' },
        casemanager: { name: 'Anna de Casemanager', email: 'anna@arbo.example', team: 'team-noord' },
      }),
    );
    expect((await anna.request(`${base}/zaken/${C}`)).status).toBe(200);
    const { browser: tom, landed } = await logInAt(base, `/zaken/${C}`, 'tom@arbo.example', 'tom-dev');
    const casePage = await landed.res.text();
    expect(casePage).toContain(`href="/zaken/${C}/vastleggen/casemanager-changed"`);
    const form = await (await tom.request(`${base}/zaken/${C}/vastleggen/casemanager-changed`)).text();
    const saved = await tom.request(`${base}/zaken/${C}/vastleggen/casemanager-changed`, {
      method: 'POST',
      form: {
        _csrf: csrfOf(form),
        name: 'Bram de Boer',
        email: 'bram@arbo.example',
        team: 'team-noord',
        from: '2026-03-02',
      },
    });
    expect(saved.status).toBe(303);
    const after = text(await (await tom.request(`${base}/zaken/${C}`)).text());
    expect(after).toContain('Casemanager Bram de Boer · team-noord');
    expect(after).toMatch(
      /Andere casemanager login:tom@arbo\.example \(teamleider\) Bram de Boer \(bram@arbo\.example\) · 02-03-2026/,
    );
    expect((await anna.request(`${base}/zaken/${C}`)).status).toBe(404);

    // Every event has a form: the end of employment (a yes-or-no, and a confirmation first).
    const page = await (await tom.request(`${base}/zaken/${C}`)).text();
    for (const type of [
      'spoor1-uitzichtloos',
      'spoor2-exception',
      'loonsanctie',
      'vrijwillige-verlenging',
      'employment-ended',
      'contact-changed',
      'stand-in',
    ])
      expect(page, type).toContain(`href="/zaken/${C}/vastleggen/${type}"`);
    const ended = await (await tom.request(`${base}/zaken/${C}/vastleggen/employment-ended`)).text();
    expect(ended).toContain('<option value="ja">ja</option><option value="nee">nee</option>');
    const end = (confirm: boolean) =>
      tom.request(`${base}/zaken/${C}/vastleggen/employment-ended`, {
        method: 'POST',
        form: {
          _csrf: csrfOf(ended),
          date: '2026-03-02',
          eigenrisicodrager: 'nee',
          ...(confirm && { bevestig: 'ja' }),
        },
      });
    expect((await end(false)).status).toBe(400);
    expect((await end(true)).status).toBe(303);
    const recorded = (await getCase(world.cases, C, { asOf: world.today() })).timeline.find(
      (e) => e.event?.type === 'employment-ended',
    );
    expect(recorded?.event).toMatchObject({ date: '2026-03-02', eigenrisicodrager: false });
  });

  it('closing a case asks for a confirmation first', async () => {
    const csrf = csrfOf(await (await anna.request(`${base}/zaken/${A}/vastleggen/case-closed`)).text());
    const unconfirmed = await anna.request(`${base}/zaken/${A}/vastleggen/case-closed`, {
      method: 'POST',
      form: { _csrf: csrf, reason: 'dossier overgedragen' },
    });
    expect(unconfirmed.status).toBe(400);
    expect(await unconfirmed.text()).toContain('Bevestig eerst dat u dit wilt.');
    expect((await getCase(world.cases, A)).status).toBe('open');
  });

  it("another casemanager's case is niet gevonden; an auditor sees the case and no forms", async () => {
    const other = await anna.request(`${base}/zaken/${B}`);
    expect(other.status).toBe(404);
    expect(await other.text()).toContain('Niet gevonden');
    const { browser: auditor, landed } = await logInAt(base, `/zaken/${B}`, 'audit@arbo.example', 'auditor-dev');
    expect(landed.res.status).toBe(200);
    const html = await landed.res.text();
    expect(html).not.toContain('/vastleggen/');
    expect(html).toContain('U kunt deze zaak alleen inzien.');
    expect((await auditor.request(`${base}/zaken/${B}/vastleggen/note`)).status).toBe(403);

    // Every case is the auditor's: their task list asks for an employer first.
    const tasks = await (await auditor.request(`${base}/taken`)).text();
    expect(tasks).toContain('Kies eerst een werkgever.');
    expect(tasks).not.toContain('<tbody>');
    expect(await (await auditor.request(`${base}/taken?werkgever=${EMPLOYER}`)).text()).toContain(`href="/zaken/${A}"`);

    // The auditor downloads the case's bundle, which `audit verify` accepts; a casemanager has no such button.
    expect(html).toContain('Auditbundel downloaden');
    const download = await auditor.request(`${base}/zaken/${B}/auditbundel`, {
      method: 'POST',
      form: { _csrf: csrfOf(html) },
    });
    expect(download.status).toBe(200);
    expect(download.headers.get('content-disposition')).toBe(`attachment; filename="auditbundel-${B}.jsonl"`);
    const report = await verifyBundle(await download.text(), {
      workflowBundle: await workflowBundle(),
      payloadCodecs: testDataConverter().payloadCodecs ?? [],
    });
    expect(report.problems).toEqual([]);
    expect(report.cases.map((c) => [c.caseId, c.intact])).toEqual([[B, true]]);
    expect(await (await anna.request(`${base}/zaken/${A}`)).text()).not.toContain('Auditbundel downloaden');
    const refused = await anna.request(`${base}/zaken/${A}/auditbundel`, {
      method: 'POST',
      form: { _csrf: csrfOf(await (await anna.request(`${base}/zaken/${A}`)).text()) },
    });
    expect(refused.status).toBe(404);
  });

  it('English for a person whose profile says so, whatever the browser asks', async () => {
    const { landed } = await logInAt(base, '/taken', 'emma@arbo.example', 'emma-dev');
    const html = await landed.res.text();
    expect(html).toContain('<html lang="en">');
    expect(text(html)).toContain('My tasks');
  });

  it('English for a browser that asks for it; logging out from the page says so', async () => {
    const english = await anna.request(`${base}/zaken/${A}`, { headers: { 'accept-language': 'en-GB,en;q=0.9' } });
    const html = await english.text();
    expect(html).toContain('<html lang="en">');
    expect(text(html)).toContain(`Case ${A}`);
    const logout = await anna.request(`${base}/auth/logout`, { method: 'POST', form: { _csrf: csrfOf(html) } });
    expect(logout.status).toBe(303);
    expect(logout.headers.get('location')).toBe('/uitgelogd');
    expect((await anna.request(`${base}/zaken/${A}`)).status).toBe(303);
  });
});
