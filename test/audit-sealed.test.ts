// Bundles sealed for one auditor (`audit export --for`): an external auditor checks the integrity
// with no key at all, and reads and replays the cases with their own private key, never with the
// installation's payload keys. The files that hold personal data are for their owner only (0600).
import { spawn } from 'node:child_process';
import { createPrivateKey } from 'node:crypto';
import { mkdtemp, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCase, recordEvent } from '../client/cases.js';
import {
  canonical,
  casesDigest,
  sha256,
  historyLine,
  serializeBundle,
  signManifest,
  wholeDigest,
  type AuditBundle,
} from '../client/audit/bundle.js';
import { verifyBundle } from '../client/audit/verify.js';
import { parseBundleText } from './setup/audit-bundle.js';
import {
  AUDITOR_KEY_ENV,
  auditExport,
  auditKeygen,
  auditReport,
  auditVerify,
  configuredPayloadCodecs,
} from '../cli/audit.js';
import { addDays } from '../workflows/calendar/index.js';
import { sampleCase, startCaseWorld, type CaseWorld } from './setup/case-world.js';
import { timeSkippingAddress } from './setup/temporal.js';

const bin = fileURLToPath(new URL('../bin/poortwachter.js', import.meta.url));

/** The streams of one command run in this process, and what it wrote to them. */
function capture() {
  const io = { stdin: new PassThrough(), stdout: new PassThrough(), stderr: new PassThrough() };
  const out = { io, stdout: '', stderr: '' };
  io.stdout.on('data', (d) => (out.stdout += d));
  io.stderr.on('data', (d) => (out.stderr += d));
  return out;
}

/** For a sealed bundle the installation's payload keys are never needed: asking for them fails the test. */
const noPayloadKeys = (): never => {
  throw new Error('the payload keys were asked for');
};

const mode = async (path: string) => (await stat(path)).mode & 0o777;

/** The case's personal data, none of which may be readable in a sealed bundle. */
const NOTE = 'Gesprek gevoerd met J. de Vries over de terugkeer';
const PERSONAL = ['J. de Vries', 'anna@arbo.example', 'auditee@arbo.example', 'Korenschoof', NOTE];

describe('bundles sealed for an auditor', () => {
  let world: CaseWorld;
  const saved = { ...process.env };
  let dir: string;
  const file = (name: string) => join(dir, name);
  // First sick day Monday 2 March 2026; two cases, so that a sealed history can be moved between them.
  const D = '2026-03-02';
  const stamp = Date.now().toString(36);
  const A = `sealed-a-${stamp}`;
  const B = `sealed-b-${stamp}`;
  let sealedText: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'poortwachter-audit-sealed-'));
    world = await startCaseWorld();
    process.env.TEMPORAL_ADDRESS = await timeSkippingAddress();
    await world.startAt(D, 9);
    await openCase(world.cases, sampleCase(A, D));
    await openCase(world.cases, sampleCase(B, D));
    await world.travelTo(addDays(D, 3));
    await recordEvent(world.cases, A, {
      type: 'task-completed',
      task: 'ziekmelding',
      date: addDays(D, 2),
      actor: 'auditee@arbo.example',
    });
    await recordEvent(world.cases, A, { type: 'note', text: NOTE, actor: 'auditee@arbo.example' });

    // The exporter signs with its Ed25519 key; the auditor makes an X25519 pair and hands over the public half.
    for (const args of [
      { privateKey: file('exporter.pem'), publicKey: file('exporter.pub.pem') },
      { privateKey: file('auditor.pem'), publicKey: file('auditor.pub.pem'), auditor: true },
      { privateKey: file('other-auditor.pem'), publicKey: file('other-auditor.pub.pem'), auditor: true },
    ]) {
      expect(await auditKeygen(args, capture().io)).toBe(0);
    }
    const exported = capture();
    const code = await auditExport(
      [A, B],
      { out: file('sealed.json'), for: file('auditor.pub.pem'), signingKey: file('exporter.pem') },
      exported.io,
    );
    expect(code).toBe(0);
    expect(exported.stdout).toMatch(
      /^exported 2 case\(s\), 2 run\(s\) to .*; sealed for auditor key [0-9a-f]{16}…; signed/,
    );
    sealedText = await readFile(file('sealed.json'), 'utf8');
  });
  afterAll(async () => {
    process.env = { ...saved };
    await world?.close();
  });

  it('keygen --auditor writes an X25519 pair, the private key for its owner only', async () => {
    expect(createPrivateKey(await readFile(file('auditor.pem'), 'utf8')).asymmetricKeyType).toBe('x25519');
    expect(await mode(file('auditor.pem'))).toBe(0o600);
  });

  it('export --for: nothing of the cases readable in the file, written for its owner only', async () => {
    expect(await mode(file('sealed.json'))).toBe(0o600);
    for (const text of PERSONAL) expect(sealedText).not.toContain(text);
    const bundle = parseBundleText(sealedText);
    expect(bundle.manifest.format).toBe('poortwachter-sealed-audit-bundle/2');
    expect(bundle.histories.map((h) => Object.keys(h).sort())).toEqual([
      ['runId', 'sealed', 'workflowId'],
      ['runId', 'sealed', 'workflowId'],
    ]);
  });

  it('verify with no key at all: digests and signature checked, the content reported as not read', async () => {
    const run = capture();
    const code = await auditVerify(file('sealed.json'), { publicKey: file('exporter.pub.pem') }, run.io, noPayloadKeys);
    expect(code).toBe(1);
    const lines = run.stdout.split('\n');
    expect(lines[0]).toMatch(/^bundle: INTACT, CONTENT NOT CHECKED: the digests and the trusted signature hold/);
    expect(lines[1]).toMatch(/^signature: valid \(key [0-9a-f]{16}…, trusted\)$/);
    expect(run.stdout).toMatch(
      /\ncontent: sealed for auditor key [0-9a-f]{16}…; NOT read or replayed \(give its private key: --auditor-key/,
    );
    expect(run.stdout).toContain(`case ${A} (case-${A}): intact, content not read, 1 run(s)`);
    expect(run.stdout).not.toContain('poortwachter dev');

    // A changed byte is found without any key.
    const tampered = file('tampered-sealed.json');
    await writeFile(
      tampered,
      sealedText.replace(/"sealed":"(.)/, (_m, c: string) => `"sealed":"${c === 'A' ? 'B' : 'A'}`),
    );
    const broken = capture();
    expect(await auditVerify(tampered, {}, broken.io, noPayloadKeys)).toBe(1);
    expect(broken.stdout).toMatch(/^bundle: FAILED/);
    expect(broken.stdout).toMatch(/problem: history 1 of 1 of case sealed-a-.* does not match its SHA-256 digest/);
  });

  it("verify and report with the auditor's private key alone: read, replayed, proven; the report for its owner only", async () => {
    const run = capture();
    const flags = { publicKey: file('exporter.pub.pem'), auditorKey: file('auditor.pem') };
    expect(await auditVerify(file('sealed.json'), flags, run.io, noPayloadKeys)).toBe(0);
    expect(run.stdout).toMatch(/^bundle: OK, signed by a trusted key;/);
    expect(run.stdout).toMatch(/\ncontent: sealed for auditor key [0-9a-f]{16}…, opened with it\n/);
    expect(run.stdout).toContain(`case ${A} (case-${A}): intact, replays cleanly, 1 run(s)`);
    expect(run.stdout).toContain(`case ${B} (case-${B}): intact, replays cleanly, 1 run(s)`);
    expect(run.stdout).toMatch(/ note\s+by auditee@arbo\.example/);

    // An older report at the same place, readable by all, is replaced by one only its owner reads.
    const html = file('report.html');
    await writeFile(html, 'an older report', { mode: 0o644 });
    const report = capture();
    expect(await auditReport(file('sealed.json'), { ...flags, html }, report.io, noPayloadKeys)).toBe(0);
    expect(await mode(html)).toBe(0o600);
    const text = await readFile(html, 'utf8');
    expect(text).toContain(NOTE);
    expect(text).toContain('verzegeld voor auditorsleutel');
  });

  it('a wrong key gives a clear error and exit 2, never content', async () => {
    const other = capture();
    await expect(
      auditVerify(file('sealed.json'), { auditorKey: file('other-auditor.pem') }, other.io, noPayloadKeys),
    ).rejects.toMatchObject({
      exitCode: 2,
      message: expect.stringMatching(
        /^the auditor key .*other-auditor\.pem does not open this bundle: it is sealed for auditor key [0-9a-f]{16}…, this is key [0-9a-f]{16}…$/,
      ),
    });
    expect(other.stdout).toBe('');
    await expect(
      auditVerify(file('sealed.json'), { auditorKey: file('exporter.pem') }, capture().io, noPayloadKeys),
    ).rejects.toMatchObject({
      exitCode: 2,
      message: expect.stringMatching(/is an ed25519 key; an auditor's key is X25519$/),
    });
    // The exporter seals for a public X25519 key only: not for a signing key, never with the auditor's private key.
    await expect(
      auditExport([A], { out: file('x.json'), for: file('exporter.pub.pem') }, capture().io),
    ).rejects.toMatchObject({ exitCode: 2, message: expect.stringMatching(/^--for: .* is an ed25519 key/) });
    await expect(
      auditExport([A], { out: file('x.json'), for: file('auditor.pem') }, capture().io),
    ).rejects.toMatchObject({ exitCode: 2, message: expect.stringMatching(/^--for: .* is a private key/) });
  });

  it('a sealed history moved to another case, or from another bundle, does not open, even re-signed with the trusted key', async () => {
    const auditorPrivateKeyPem = await readFile(file('auditor.pem'), 'utf8');
    const exporterPrivateKeyPem = await readFile(file('exporter.pem'), 'utf8');
    const trustedPublicKeyPem = await readFile(file('exporter.pub.pem'), 'utf8');
    /** The bundle with its digests recomputed and signed again with the exporter's own key. */
    const reSigned = (b: AuditBundle) => {
      for (const c of b.manifest.cases) {
        for (const r of c.runs) r.sha256 = sha256(historyLine(b.histories.find((h) => h.runId === r.runId)!));
        c.sha256 = casesDigest(c.runs);
      }
      b.manifest.sha256 = wholeDigest(b.manifest.cases);
      b.manifestSha256 = sha256(canonical(b.manifest));
      b.signature = signManifest(b.manifest, exporterPrivateKeyPem);
      return serializeBundle(b);
    };
    const check = async (text: string) =>
      verifyBundle(text, { auditorPrivateKeyPem, trustedPublicKeyPem, replay: false });

    const swapped = parseBundleText(sealedText);
    const [a, b] = swapped.histories;
    [a!.sealed, b!.sealed] = [b!.sealed, a!.sealed];
    const moved = await check(reSigned(swapped));
    expect(moved.signature).toMatchObject({ state: 'valid', trusted: true });
    expect(moved.verdict).toBe('failed');
    expect(moved.cases.map((c) => c.problems)).toEqual([
      [
        expect.stringMatching(
          /^history 1 of 1 of case sealed-a-.* is sealed, but it does not open: it was changed, or sealed for another case, run or bundle$/,
        ),
      ],
      [expect.stringMatching(/^history 1 of 1 of case sealed-b-.* is sealed, but it does not open/)],
    ]);

    // The same case's history from a second export: sealed with another ephemeral key.
    expect(await auditExport([A], { out: file('second.json'), for: file('auditor.pub.pem') }, capture().io)).toBe(0);
    const second = parseBundleText(await readFile(file('second.json'), 'utf8'));
    const spliced = parseBundleText(sealedText);
    spliced.histories[0]!.sealed = second.histories[0]!.sealed;
    const foreign = await check(reSigned(spliced));
    expect(foreign.verdict).toBe('failed');
    expect(foreign.cases[0]!.problems).toEqual([expect.stringMatching(/is sealed, but it does not open/)]);
    // A made-up ephemeral key that agrees on no secret with any key (a low-order point): failed, in words.
    const lowOrder = parseBundleText(sealedText);
    lowOrder.manifest.sealed!.ephemeralPublicKey = Buffer.alloc(32).toString('base64');
    const unusable = await check(reSigned(lowOrder));
    expect(unusable.verdict).toBe('failed');
    expect(unusable.problems).toEqual([
      'the bundle does not open: its ephemeral key agrees on no secret (a low-order point) (sealed.ephemeralPublicKey)',
    ]);
    // The control: the bundle as exported opens.
    expect((await check(sealedText)).verdict).toBe('proven');
  });

  it('a bundle that is not sealed: its integrity checked with no payload keys, and no pointer to `poortwachter dev`', async () => {
    expect(await auditExport([A], { out: file('plain.json'), signingKey: file('exporter.pem') }, capture().io)).toBe(0);
    expect(await mode(file('plain.json'))).toBe(0o600);
    // An auditor's machine: no keys configured, no dev key file, no cluster.
    const env = { ...process.env };
    delete process.env.POORTWACHTER_KEYS;
    delete process.env.POORTWACHTER_KEYS_FILE;
    delete process.env.TEMPORAL_ADDRESS;
    process.env.POORTWACHTER_DATA_DIR = await mkdtemp(join(tmpdir(), 'poortwachter-no-keys-'));
    try {
      const run = capture();
      const code = await auditVerify(
        file('plain.json'),
        { publicKey: file('exporter.pub.pem') },
        run.io,
        configuredPayloadCodecs,
      );
      expect(code).toBe(1);
      expect(run.stdout).toMatch(/^bundle: INTACT, CONTENT NOT CHECKED/);
      expect(run.stdout).toContain(
        "content: the payloads are encrypted with the installation's keys, which are not configured here; NOT read or replayed",
      );
      expect(run.stdout).not.toContain('poortwachter dev');
    } finally {
      process.env = env;
    }
  });

  it('the command run as a process: its stdout starts with its own first line, the SDK says nothing below a warning; it ends', async () => {
    // Where an auditor runs it: no payload keys, no dev key file, no cluster; the auditor's key by its variable.
    const env = {
      PATH: process.env.PATH!,
      HOME: dir,
      POORTWACHTER_DATA_DIR: await mkdtemp(join(tmpdir(), 'poortwachter-auditor-')),
    };
    const args = ['audit', 'verify', file('sealed.json'), '--public-key', file('exporter.pub.pem')];
    const read = await runBinary(args, { ...env, [AUDITOR_KEY_ENV]: file('auditor.pem') });
    expect(read.stdout).toMatch(/^bundle: OK, signed by a trusted key; exported /);
    expect(read.code).toBe(0);
    // Warnings and errors at most, as pino lines (level 40 and up) on standard error.
    for (const line of read.stderr.split('\n').filter(Boolean)) expect(line).toMatch(/^\{"level":[456]0,/);
    expect(read.stdout + read.stderr).not.toContain('Worker state changed');

    // Without the key nothing is replayed, and the process still ends (no SDK runtime left behind).
    const unread = await runBinary(args, env);
    expect(unread.stdout).toMatch(/^bundle: INTACT, CONTENT NOT CHECKED/);
    expect(unread).toMatchObject({ code: 1, stderr: '' });
  }, 120_000);
});

/** Runs bin/poortwachter.js as its own process with exactly this environment. */
function runBinary(
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    // Killed after 45 s (it takes a few): a command that does not end fails the test instead of outliving it.
    // SIGKILL: the SDK's Runtime takes SIGTERM for itself, to stop workers, and a process without one stays.
    const child = spawn(process.execPath, [bin, ...args], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 45_000,
      killSignal: 'SIGKILL',
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}
