// The dev inbox: MailDev behind a guard, so that a page on another site cannot read or delete the
// caught mail (MailDev itself answers every origin with credentials); the inbox page and tools
// without an Origin use it as before.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMailCatcher, type MailCatcher } from '../tools/dev/mail-catcher.js';
import { freePort } from '../tools/free-port.js';

describe('the dev mail inbox', () => {
  let catcher: MailCatcher;
  let web: number;
  beforeAll(async () => {
    const smtp = await freePort();
    web = await freePort();
    catcher = await startMailCatcher({ dataDir: mkdtempSync(join(tmpdir(), 'inbox-')), smtpPort: smtp, webPort: web });
  });
  afterAll(async () => {
    await catcher?.stop();
  });

  it("refuses another site's page, and gives it no CORS answer", async () => {
    for (const method of ['GET', 'DELETE', 'OPTIONS']) {
      const answer = await fetch(`http://127.0.0.1:${web}/api/email`, {
        method,
        headers: { Origin: 'https://evil.example', 'Access-Control-Request-Method': 'DELETE' },
      });
      expect(answer.status, method).toBe(403);
      expect(answer.headers.get('access-control-allow-origin')).toBeNull();
    }
  });

  it('serves the inbox page and its API to itself', async () => {
    const page = await fetch(`http://localhost:${web}/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<html');
    const api = await fetch(`http://localhost:${web}/api/email`, { headers: { Origin: `http://localhost:${web}` } });
    expect(api.status).toBe(200);
    expect(await api.json()).toEqual([]);
    expect(api.headers.get('access-control-allow-origin')).toBeNull();
  });
});
