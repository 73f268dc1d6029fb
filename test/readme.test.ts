// The README is the newcomer's manual: every command of the CLI is mentioned in it. The full
// configuration table is in docs/operations.md: every variable the code reads has a row there.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { deliverWebhookBatch } from '../activities/webhooks.js';
import { ENV_VARIABLES } from '../runtime/config.js';
import { runCli } from './setup/run-cli.js';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
const operations = readFileSync(new URL('../docs/operations.md', import.meta.url), 'utf8');
const webhooks = readFileSync(new URL('../docs/webhooks.md', import.meta.url), 'utf8');

describe('README', () => {
  it('documents every configuration variable in the table of docs/operations.md', () => {
    const undocumented = ENV_VARIABLES.filter((name) => !operations.includes(`| \`${name}\` |`));
    expect(undocumented).toEqual([]);
  });

  it('mentions every command of the CLI', async () => {
    const { stdout } = await runCli(['--help']);
    const commands = [...stdout.matchAll(/^ {2}(\S+) {2,}/gm)].map((m) => m[1]!);
    expect(commands).toEqual(expect.arrayContaining(['case', 'dev', 'worker', 'calendar', 'simulate', 'audit']));
    expect(commands.filter((c) => !readme.includes(`poortwachter ${c}`))).toEqual([]);
  });

  it('has a webhook receiver (docs/webhooks.md) that takes what the worker sends, and refuses a forged or replayed one', async () => {
    const example = /```js\n(import \{ createHmac[\s\S]*?)```/.exec(webhooks)?.[1];
    expect(example, 'the receiver example in docs/webhooks.md').toBeDefined();
    const file = join(mkdtempSync(join(tmpdir(), 'receiver-')), 'receiver.mjs');
    writeFileSync(file, example!);
    const port = await freePort();
    const secret = `whsec_${Buffer.alloc(32, 9).toString('base64')}`;
    const child = spawn(process.execPath, [file], {
      env: { ...process.env, PORT: String(port), WEBHOOK_SECRET: secret },
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    try {
      const url = `http://127.0.0.1:${port}/`;
      await waitForPort(port);
      const endpoint = { id: 'readme', url, secret, disableAfterHours: 72 };
      const event = {
        id: 'msg_readme_1',
        type: 'case.opened' as const,
        timestamp: new Date().toISOString(),
        data: { caseId: 'K-1', employerId: 'wg-1' },
      };
      const registry = { disabled: async () => ({}), disable: async () => undefined };
      const ctx = { progress: undefined, heartbeat: () => {} };
      const batch = { caseId: 'K-1', employerId: 'wg-1', events: [event] };
      expect(await deliverWebhookBatch(batch, [endpoint], registry, ctx)).toEqual({
        delivered: ['readme'],
        disabled: [],
      });
      // The same id again is taken and not handled twice.
      await deliverWebhookBatch(batch, [endpoint], registry, ctx);
      const forged = { ...endpoint, secret: `whsec_${Buffer.alloc(32, 8).toString('base64')}` };
      await expect(deliverWebhookBatch(batch, [forged], registry, ctx)).rejects.toThrow(/HTTP 401/);
      const old = { ...ctx, now: () => Date.now() - 10 * 60_000 };
      await expect(deliverWebhookBatch(batch, [endpoint], registry, old)).rejects.toThrow(/HTTP 401/);
      expect(out).toBe('case.opened K-1\n');
    } finally {
      child.kill();
    }
  });
});

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function waitForPort(port: number): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const open = await fetch(`http://127.0.0.1:${port}/`, { method: 'HEAD' }).then(
      () => true,
      () => false,
    );
    if (open) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`the README's receiver did not listen on ${port}`);
}
