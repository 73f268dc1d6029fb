// A casemanager acts in a real browser, on the real dev stack (`poortwachter dev`: the Temporal dev
// server, the worker, the mail inbox, the service, the local OpenID provider): a case opened through
// the API; its first reminder arrives in the inbox; the link in that e-mail goes through the login to
// the task's form, and the task is recorded; the next task is recorded from the case page, with its
// document, by keyboard, after a mistake said in Dutch next to its field; the timeline, the task list
// and the API show the records. Another casemanager's case is "niet gevonden"; a teamleider hands a
// case to another casemanager (that the next reminder then goes to the new one is
// test/cases/reassignment.test.ts, on a server whose clock can be moved); an auditor sees no forms. axe-core checks every page against WCAG 2.1 AA. The dates are the real ones of the dev stack:
// the case starts three days ago, so its ziekmelding (due on day 7) is reminded at once and its
// probleemanalyse is open, whatever the day.
import { mkdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { expect, test, type Page } from '@playwright/test';
import { startDev, type Dev } from '../setup/dev-process.js';
import { freePort } from '../../tools/free-port.js';
import { accessibilityViolations } from './axe.js';

const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Amsterdam' }).format(new Date());
const daysAgo = (n: number) => {
  const d = new Date(`${today}T12:00:00Z`);
  d.setUTCDate(d.getUTCDate() - n);
  return d.toISOString().slice(0, 10);
};
const dutch = (iso: string) => iso.split('-').reverse().join('-');

/** Screenshots for docs/ when POORTWACHTER_SCREENSHOTS=1 (the README shows them). */
async function screenshot(page: Page, name: string) {
  if (process.env.POORTWACHTER_SCREENSHOTS !== '1') return;
  const dir = new URL('../../docs/screenshots/', import.meta.url).pathname;
  mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: join(dir, `${name}.png`), fullPage: true });
}

/** The first e-mail in the dev inbox whose subject starts so, once it has arrived (30 s at most). */
async function mailTo(inbox: string, subject: string): Promise<{ subject: string; text: string }> {
  for (const until = Date.now() + 30_000; ;) {
    const mails = (await (await fetch(`${inbox}/api/email`)).json()) as { subject: string; text: string }[];
    const mail = mails.find((m) => m.subject.startsWith(subject));
    if (mail) return mail;
    if (Date.now() > until)
      throw new Error(`no e-mail "${subject}…" in the inbox: ${mails.map((m) => m.subject).join('; ')}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

async function expectAccessible(page: Page, what: string) {
  expect(await accessibilityViolations(page), `WCAG 2.1 AA violations on ${what}`).toEqual([]);
}

async function logIn(page: Page, email: string, password: string) {
  await expect(page.getByRole('heading', { name: 'Inloggen' })).toBeVisible();
  await expectAccessible(page, 'the login page');
  await page.getByLabel('E-mailadres').fill(email);
  await page.getByLabel('Wachtwoord').fill(password);
  await page.getByRole('button', { name: 'Inloggen' }).click();
}

test.describe('a casemanager records a task in the browser', () => {
  let dev: Dev;
  let dataDir: string;
  let base: string;
  let apiKey: string;
  let inbox: string;
  const run = Date.now().toString(36);
  const A = `web-a-${run}`;
  const B = `web-b-${run}`;

  const C = `web-c-${run}`;
  const openCase = async (caseId: string, casemanager: { name: string; email: string; team?: string }) => {
    const res = await fetch(`${base}/api/v1/cases`, {
      method: 'POST',
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        caseId,
        employer: { id: 'wg-001', name: 'Bakkerij De Korenschoof', escalationEmail: 'hr@korenschoof.example' },
        employee: { id: 'wn-8f3a', displayName: 'J. de Vries' },
        casemanager,
        bedrijfsarts: { name: 'Dr. B. Arts', email: 'arts@arbo.example' },
        firstSickDay: daysAgo(3),
        // The first reminder goes out at once, whatever the hour the test runs (the dev stack runs on
        // the wall clock; a case waits for office hours by default).
        anyHour: true,
      }),
    });
    expect(res.status, await res.text()).toBe(201);
  };

  test.beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'pw-browser-'));
    const port = await freePort();
    const mailWeb = await freePort();
    base = `http://localhost:${port}`;
    inbox = `http://127.0.0.1:${mailWeb}`;
    dev = await startDev({
      POORTWACHTER_DATA_DIR: dataDir,
      TEMPORAL_PORT: String(await freePort()),
      TEMPORAL_UI_PORT: String(await freePort()),
      MAIL_SMTP_PORT: String(await freePort()),
      MAIL_WEB_PORT: String(mailWeb),
      POORTWACHTER_PUBLIC_URL: `http://localhost:${port}`,
      POORTWACHTER_HTTP_PORT: String(port),
      TEMPORAL_TASK_QUEUE: `browser-${run}`,
      POORTWACHTER_KEYS: '',
      POORTWACHTER_KEYS_FILE: '',
    });
    apiKey = readFileSync(join(dataDir, 'dev-api-key'), 'utf8').trim();
    await openCase(A, { name: 'Anna de Casemanager', email: 'anna@arbo.example' });
    await openCase(B, { name: 'Bram', email: 'bram@arbo.example' });
    await openCase(C, { name: 'Anna de Casemanager', email: 'anna@arbo.example', team: 'team-noord' });
  });

  test.afterAll(async () => {
    if (dev) {
      dev.child.kill('SIGINT');
      await dev.exited;
    }
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  test('from the e-mail through the login to the task, recorded; then the next task from the case page', async ({
    page,
  }) => {
    // The case's first reminder (the ziekmelding, due on day 7, is reminded at once) is in the dev
    // mail inbox: the link in the real e-mail is the way in.
    const reminder = await mailTo(inbox, `[${A}] Ziekmelding`);
    const link = /http:\/\/\S+\/vastleggen\/task-completed\?taak=ziekmelding/.exec(reminder.text)?.[0];
    expect(link, reminder.text).toBe(`${base}/zaken/${A}/vastleggen/task-completed?taak=ziekmelding`);
    expect(reminder.text).not.toContain('npx poortwachter');

    await page.goto(link!);
    await logIn(page, 'anna@arbo.example', 'anna-dev');
    await expect(page).toHaveURL(link!);
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('Taak gedaan');
    await expect(page.getByLabel('Taak')).toHaveValue('ziekmelding');
    await page.getByLabel('Gedaan op').fill(today);
    await page.getByLabel(/Document \(adres\)/).fill('https://dossier.arbo.example/ziekmelding.pdf');
    await page.getByLabel(/Vingerafdruk/).fill('fedcba9876543210'.repeat(4));
    await page.getByRole('button', { name: 'Opslaan' }).click();

    await expect(page).toHaveURL(`${base}/zaken/${A}#tijdlijn`);
    await expect(page.getByRole('heading', { level: 1 })).toHaveText(`Zaak ${A}`);
    const ziekmelding = page
      .getByRole('row', { name: /^Ziekmelding bij arbodienst of bedrijfsarts/ })
      .getByRole('cell');
    await expect(ziekmelding.nth(1)).toHaveText('gedaan');
    await expect(page.getByRole('heading', { level: 1 })).toHaveText(`Zaak ${A}`);
    // The task list, before: the probleemanalyse is there, from the case's summary (which the list
    // finds through visibility, a moment after the case wrote it: reloaded until it shows).
    const probleemanalyseOfA = page
      .getByRole('row')
      .filter({ has: page.getByRole('rowheader', { name: 'Probleemanalyse door de bedrijfsarts' }) })
      .filter({ has: page.getByRole('link', { name: A, exact: true }) });
    await expect(async () => {
      await page.goto(`${base}/taken`);
      await expect(probleemanalyseOfA).toHaveCount(1, { timeout: 1000 });
    }).toPass();
    await page.goto(`${base}/zaken/${A}`);
    await expect(page.locator('html')).toHaveAttribute('lang', 'nl');
    const row = page.getByRole('row', { name: /^Probleemanalyse door de bedrijfsarts/ });
    await expect(row.getByRole('cell').nth(1)).toHaveText('open');
    await expectAccessible(page, 'the case page');
    await screenshot(page, 'zaak');

    // With the keyboard: the task's link, Enter.
    await row.getByRole('link', { name: /Vastleggen/ }).focus();
    await page.keyboard.press('Enter');
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('Taak gedaan');
    await expect(page.getByLabel('Taak')).toHaveValue('probleemanalyse');
    await expectAccessible(page, 'the form');

    await page.getByLabel('Gedaan op').fill(today);
    await page.getByLabel(/Document \(adres\)/).fill('https://dossier.arbo.example/probleemanalyse.pdf');
    await page.getByLabel(/Vingerafdruk/).fill('niet-goed');
    await page.getByRole('button', { name: 'Opslaan' }).click();
    await expect(page.getByRole('alert')).toContainText('Het formulier is niet opgeslagen.');
    await expect(page.getByText('Vul de SHA-256 van het document in: 64 tekens, alleen 0-9 en a-f.')).toBeVisible();
    await expect(page.getByLabel(/Vingerafdruk/)).toHaveAttribute('aria-invalid', 'true');
    await expect(page.getByLabel(/Document \(adres\)/)).toHaveValue('https://dossier.arbo.example/probleemanalyse.pdf');
    await expectAccessible(page, 'the form with an error');
    await screenshot(page, 'vastleggen-fout');

    await page.getByLabel(/Vingerafdruk/).fill('0123456789abcdef'.repeat(4));
    await page.getByLabel(/Vingerafdruk/).press('Enter');
    await expect(page).toHaveURL(`${base}/zaken/${A}#tijdlijn`);
    // Its cells: due date, status, done on, owner, legal basis.
    const cells = page.getByRole('row', { name: /^Probleemanalyse door de bedrijfsarts/ }).getByRole('cell');
    await expect(cells.nth(1)).toHaveText('gedaan');
    await expect(cells.nth(2)).toHaveText(dutch(today));
    const entry = page
      .getByRole('row')
      .filter({ hasText: 'Taak gedaan' })
      .filter({ hasText: 'Probleemanalyse door de bedrijfsarts' });
    await expect(entry).toContainText('login:anna@arbo.example (casemanager)');
    await expect(entry.getByRole('link', { name: 'document' })).toHaveAttribute(
      'href',
      'https://dossier.arbo.example/probleemanalyse.pdf',
    );
    await screenshot(page, 'zaak-na-vastleggen');

    // The API shows the same record.
    const view = (await (
      await fetch(`${base}/api/v1/cases/${A}`, { headers: { authorization: `Bearer ${apiKey}` } })
    ).json()) as { timeline: { event?: { type: string; task?: string; actor?: string; document?: unknown } }[] };
    const done = view.timeline.filter((e) => e.event?.type === 'task-completed').map((e) => e.event);
    expect(done).toMatchObject([
      {
        task: 'ziekmelding',
        actor: 'login:anna@arbo.example (casemanager)',
        document: { uri: 'https://dossier.arbo.example/ziekmelding.pdf', sha256: 'fedcba9876543210'.repeat(4) },
      },
      { task: 'probleemanalyse', actor: 'login:anna@arbo.example (casemanager)' },
    ]);

    // Her task list: the case's open tasks, the probleemanalyse no longer among them.
    await page.getByRole('link', { name: 'Mijn taken' }).click();
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('Mijn taken');
    await expect(async () => {
      await page.reload();
      await expect(probleemanalyseOfA).toHaveCount(0, { timeout: 1000 });
    }).toPass();
    const taskRowsOfA = page.getByRole('row').filter({ has: page.getByRole('link', { name: A, exact: true }) });
    await expect(
      taskRowsOfA.filter({ has: page.getByRole('rowheader', { name: 'Plan van aanpak opstellen' }) }),
    ).toHaveCount(1);
    await expect(page.getByRole('link', { name: B, exact: true })).toHaveCount(0);
    await expectAccessible(page, 'the task list');
    await screenshot(page, 'taken');

    // Zaken: her cases of this employer, found with the search form.
    await page.getByRole('link', { name: 'Zaken', exact: true }).click();
    await page.getByLabel('Werkgever (id)').fill('wg-001');
    await page.getByRole('button', { name: 'Zoeken' }).click();
    await expect(page.getByRole('link', { name: A, exact: true })).toBeVisible();
    await expectAccessible(page, 'the case list');

    // Someone else's case does not exist for her.
    await page.goto(`${base}/zaken/${B}`);
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('Niet gevonden');
    await expectAccessible(page, 'the not-found page');
  });

  test("a teamleider hands a team's case to another casemanager", async ({ page }) => {
    await page.goto(`${base}/zaken/${C}`);
    await logIn(page, 'tom@arbo.example', 'tom-dev');
    await page.getByRole('link', { name: 'Andere casemanager' }).click();
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('Andere casemanager');
    await expectAccessible(page, 'the reassignment form');
    await page.getByLabel('Naam').fill('Bram de Boer');
    await page.getByLabel('E-mailadres').fill('bram@arbo.example');
    await page.getByLabel(/^Team/).fill('team-noord');
    await page.getByLabel('Vanaf').fill(today);
    await page.getByRole('button', { name: 'Opslaan' }).click();
    await expect(page).toHaveURL(`${base}/zaken/${C}#tijdlijn`);
    await expect(page.getByText('Bram de Boer · team-noord')).toBeVisible();
    await expect(page.getByRole('row').filter({ hasText: 'Andere casemanager' })).toContainText(
      'login:tom@arbo.example (teamleider)',
    );
  });

  test('an auditor sees the case and no forms', async ({ page }) => {
    await page.goto(`${base}/zaken/${B}`);
    await logIn(page, 'audit@arbo.example', 'auditor-dev');
    await expect(page.getByRole('heading', { level: 1 })).toHaveText(`Zaak ${B}`);
    await expect(page.getByText('U kunt deze zaak alleen inzien.')).toBeVisible();
    await expect(page.getByRole('link', { name: /Vastleggen/ })).toHaveCount(0);
    await expectAccessible(page, "the auditor's case page");
  });
});
