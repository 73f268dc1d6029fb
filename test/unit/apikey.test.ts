// API keys: `poortwachter apikey create|list|revoke` and the check the service makes. A key is shown
// once; the file holds its hash only, readable by its owner alone.
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { run } from '../../cli/program.js';
import { ApiKeys } from '../../service/api-keys.js';

const saved = process.env.POORTWACHTER_API_KEYS_FILE;
afterEach(() => {
  if (saved === undefined) delete process.env.POORTWACHTER_API_KEYS_FILE;
  else process.env.POORTWACHTER_API_KEYS_FILE = saved;
});

async function cli(args: string[]) {
  const io = { stdin: new PassThrough(), stdout: new PassThrough(), stderr: new PassThrough() };
  let stdout = '';
  let stderr = '';
  io.stdout.on('data', (d) => (stdout += d));
  io.stderr.on('data', (d) => (stderr += d));
  const code = await run(args, io);
  return { code, stdout, stderr };
}

describe('poortwachter apikey', () => {
  it('creates a key shown once, keeps only its hash (mode 0600), lists it, and revokes it', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'pw-keys-')), 'api-keys.json');
    process.env.POORTWACHTER_API_KEYS_FILE = file;
    const created = await cli([
      'apikey',
      'create',
      '--name',
      'verzuimsysteem',
      '--scope',
      'cases:read',
      'events:write',
      '--employer',
      'wg-001',
    ]);
    expect(created.code).toBe(0);
    const key = created.stdout.split('\n')[0]!;
    expect(key).toMatch(/^pwk_[a-z0-9]{8}_[A-Za-z0-9_-]{43}$/);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const text = readFileSync(file, 'utf8');
    expect(text).not.toContain(key.slice(14));
    const keys = new ApiKeys(file);
    expect(keys.check(key)).toMatchObject({
      name: 'verzuimsysteem',
      scopes: ['cases:read', 'events:write'],
      employers: ['wg-001'],
    });
    expect(keys.check(`${key.slice(0, -1)}${key.endsWith('A') ? 'B' : 'A'}`)).toHaveProperty('refused');

    const id = key.slice(4, 12);
    const listed = await cli(['apikey', 'list']);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toContain(id);
    expect(listed.stdout).toContain('verzuimsysteem');
    expect(listed.stdout).not.toContain(key);

    expect((await cli(['apikey', 'revoke', id])).code).toBe(0);
    expect(keys.check(key)).toEqual({ refused: expect.stringContaining('revoked') });
    const again = await cli(['apikey', 'revoke', id]);
    expect(again).toMatchObject({
      code: 2,
      stderr: expect.stringContaining(`poortwachter apikey revoke: key ${id} was revoked already`),
    });
  });

  it('refuses an unknown scope, a past expiry and a missing name, naming what is wrong', async () => {
    process.env.POORTWACHTER_API_KEYS_FILE = join(mkdtempSync(join(tmpdir(), 'pw-keys-')), 'api-keys.json');
    const scope = await cli(['apikey', 'create', '--name', 'x', '--scope', 'cases:delete']);
    expect(scope).toMatchObject({ code: 2, stderr: expect.stringContaining('--scope: unknown cases:delete') });
    const past = await cli(['apikey', 'create', '--name', 'x', '--scope', 'cases:read', '--expires', '2020-01-01']);
    expect(past).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('--expires: 2020-01-01 is not a date in the future'),
    });
    const nameless = await cli(['apikey', 'create', '--scope', 'cases:read']);
    expect(nameless.code).toBe(2);
    expect(nameless.stderr).toContain('--name');
  });
});
