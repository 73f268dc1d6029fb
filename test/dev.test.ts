// `poortwachter dev` as a newcomer runs it: the real command, the real dev server with its SQLite
// file, the mail inbox, the worker; stopped with Ctrl-C (SIGINT) and started again.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { afterAll, describe, expect, it } from 'vitest';
import { getCase } from '../client/cases.js';
import { encryptingDataConverter, parseKeyring } from '../runtime/codec.js';
import { sampleCase } from './setup/case-world.js';
import { startDev } from './setup/dev-process.js';
import { freePort } from '../tools/free-port.js';

describe('poortwachter dev', () => {
  const cleanups: (() => Promise<unknown>)[] = [];
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  it('brings up server, inbox, HTTP service and worker, stops cleanly on Ctrl-C, and keeps cases and keys across a restart', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'poortwachter-dev-'));
    cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
    const env = {
      POORTWACHTER_DATA_DIR: dataDir,
      TEMPORAL_PORT: String(await freePort()),
      TEMPORAL_UI_PORT: String(await freePort()),
      MAIL_SMTP_PORT: String(await freePort()),
      MAIL_WEB_PORT: String(await freePort()),
      POORTWACHTER_HTTP_PORT: String(await freePort()),
      TEMPORAL_TASK_QUEUE: 'dev-test',
      // No keys configured: `dev` must create its own local key on first start.
      POORTWACHTER_KEYS: '',
      POORTWACHTER_KEYS_FILE: '',
    };
    const address = `127.0.0.1:${env.TEMPORAL_PORT}`;

    const first = await startDev(env);
    cleanups.push(async () => first.child.kill('SIGKILL'));
    expect(first.output()).toContain(`Temporal Web UI   http://localhost:${env.TEMPORAL_UI_PORT}`);
    expect(first.output()).toContain(`Mail inbox        http://localhost:${env.MAIL_WEB_PORT}`);
    expect((await fetch(`http://127.0.0.1:${env.TEMPORAL_UI_PORT}/`)).status).toBe(200);
    expect((await fetch(`http://127.0.0.1:${env.MAIL_WEB_PORT}/api/email`)).status).toBe(200);
    const serverPid = Number(readFileSync(join(dataDir, 'temporal-server.pid'), 'utf8'));

    const keyFile = join(dataDir, 'keys.json');
    expect(first.output()).toContain(`Encryption keys   ${keyFile} (created now)`);
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    const dataConverter = encryptingDataConverter(parseKeyring(readFileSync(keyFile, 'utf8'), keyFile));
    const keyBefore = readFileSync(keyFile, 'utf8');

    // The HTTP service runs too, with a dev API key made on first start: a case is opened through it.
    const api = `http://localhost:${env.POORTWACHTER_HTTP_PORT}/api/v1`;
    expect(first.output()).toContain(`HTTP API          ${api}`);
    const apiKeyFile = join(dataDir, 'dev-api-key');
    expect(statSync(apiKeyFile).mode & 0o777).toBe(0o600);
    const apiKey = readFileSync(apiKeyFile, 'utf8').trim();
    const caseId = `dev-test-${Date.now()}`;
    const today = new Date().toISOString().slice(0, 10);
    const opened = await fetch(`${api}/cases`, {
      method: 'POST',
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify(sampleCase(caseId, today)),
    });
    expect(opened.status).toBe(201);
    expect(opened.headers.get('location')).toBe(`/api/v1/cases/${caseId}`);

    // People log in at the local OpenID provider: the service sends them to its login form.
    const base = `http://localhost:${env.POORTWACHTER_HTTP_PORT}`;
    expect(first.output()).toContain(`Log in            ${base}/auth/login`);
    const login = await fetch(`${base}/auth/login`, { redirect: 'manual' });
    expect(login.status).toBe(303);
    const authorize = await fetch(login.headers.get('location')!, { redirect: 'manual' });
    expect(authorize.status).toBe(303);
    const cookie = authorize.headers
      .getSetCookie()
      .map((c) => c.split(';')[0])
      .join('; ');
    const form = await fetch(new URL(authorize.headers.get('location')!, authorize.url), { headers: { cookie } });
    expect(form.status).toBe(200);
    expect(await form.text()).toContain('<form method="post" action="/interaction/');
    expect(statSync(join(dataDir, 'session-key')).mode & 0o777).toBe(0o600);

    // The Web UI asks the service to decrypt (for a logged-in beheerder or auditor).
    const settings = await fetch(`http://127.0.0.1:${env.TEMPORAL_UI_PORT}/api/v1/settings`);
    expect(((await settings.json()) as { Codec: { Endpoint: string } }).Codec.Endpoint).toBe(`${base}/codec`);
    const preflight = await fetch(`${base}/codec/decode`, {
      method: 'OPTIONS',
      headers: { origin: `http://localhost:${env.TEMPORAL_UI_PORT}`, 'access-control-request-method': 'POST' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe(`http://localhost:${env.TEMPORAL_UI_PORT}`);
    // A system may come with an access token of the local provider instead of a key: client dev-system.
    const tokenLine = /Access tokens +(\S+) +\(client dev-system, secret in (\S+)\)/.exec(first.output());
    expect(tokenLine, first.output()).not.toBeNull();
    expect(statSync(tokenLine![2]!).mode & 0o777).toBe(0o600);
    const secret = readFileSync(tokenLine![2]!, 'utf8').trim();
    const granted = await fetch(tokenLine![1]!, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`dev-system:${secret}`).toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: 'grant_type=client_credentials&scope=cases:read',
    });
    expect(granted.status).toBe(200);
    const { access_token } = (await granted.json()) as { access_token: string };
    const byToken = await fetch(`${api}/cases/${caseId}`, { headers: { authorization: `Bearer ${access_token}` } });
    expect(byToken.status).toBe(200);

    // Ctrl-C under `npm run dev` reaches node twice (terminal and npm): both must lead to a clean stop.
    first.child.kill('SIGINT');
    await new Promise((resolve) => setTimeout(resolve, 300)); // (two at once merge into one signal)
    first.child.kill('SIGINT');
    expect(await first.exited).toBe(0);
    expect(first.output()).toContain('dev stack stopped');
    expect(() => process.kill(serverPid, 0)).toThrow(); // no orphan server
    expect(existsSync(join(dataDir, 'temporal.sqlite'))).toBe(true);

    const second = await startDev(env);
    cleanups.push(async () => second.child.kill('SIGKILL'));
    expect(second.output()).toContain(`Encryption keys   ${keyFile}\n`);
    expect(readFileSync(keyFile, 'utf8')).toBe(keyBefore); // the same key, so old cases stay readable
    const again = await Connection.connect({ address });
    const view = await getCase(
      { client: new Client({ connection: again, dataConverter }), taskQueue: 'dev-test' },
      caseId,
    );
    await again.close();
    expect(view.status).toBe('open');
    expect(view.timeline[0]?.kind).toBe('opened');
    // The same dev API key after the restart.
    const read = await fetch(`${api}/cases/${caseId}`, { headers: { authorization: `Bearer ${apiKey}` } });
    expect(read.status).toBe(200);
    expect(((await read.json()) as { caseId: string }).caseId).toBe(caseId);

    second.child.kill('SIGINT');
    expect(await second.exited).toBe(0);
  }, 180_000);
});
