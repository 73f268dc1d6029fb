// Bundles as JSON lines, read from the file as a stream: each case handed on as soon as it is
// checked, in the manifest's order; a damaged, missing, repeated or cut line named; the replay spread
// over threads with every divergence under its own run; and a bundle of format /1, written before
// JSON lines, still proven.
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PassThrough } from 'node:stream';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  buildBundle,
  canonical,
  casesDigest,
  generateSigningKeys,
  historyLine,
  serializeBundle,
  sha256,
  signManifest,
  wholeDigest,
  type AuditBundle,
} from '../client/audit/bundle.js';
import { verifyBundle, type CaseCheck } from '../client/audit/verify.js';
import { auditVerify } from '../cli/audit.js';
import { committedRun, parseBundleText } from './setup/audit-bundle.js';
import { workflowBundle } from './setup/temporal.js';

const v1Dir = fileURLToPath(new URL('./fixtures/audit-v1/', import.meta.url));

const run = committedRun;

const CASES = [
  { workflowId: 'case-guard-loonsanctie', runs: [run('loonsanctie.json')] },
  {
    workflowId: 'case-guard-continued-by-server',
    runs: [run('continued-by-server-1.json'), run('continued-by-server-2.json')],
  },
  { workflowId: 'case-guard-all-on-time', runs: [run('all-on-time.json')] },
  { workflowId: 'case-guard-samentellen', runs: [run('samentellen.json')] },
];

function capture() {
  const io = { stdin: new PassThrough(), stdout: new PassThrough(), stderr: new PassThrough() };
  const out = { io, stdout: '' };
  io.stdout.on('data', (d) => (out.stdout += d));
  return out;
}

describe('bundles as JSON lines, read as a stream', () => {
  const exporter = generateSigningKeys();
  let original: AuditBundle;
  let text: string;
  let dir: string;
  const file = (name: string) => join(dir, name);
  const verifyFile = (path: string, options: Parameters<typeof verifyBundle>[1] = {}) =>
    verifyBundle({ path }, { trustedPublicKeyPem: exporter.publicKeyPem, ...options });

  /** The bundle with its lines changed by `change`, written to a file. */
  async function withLines(name: string, change: (lines: string[]) => void): Promise<string> {
    const lines = text.trimEnd().split('\n');
    change(lines);
    await writeFile(file(name), `${lines.join('\n')}\n`);
    return file(name);
  }

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'poortwachter-stream-'));
    original = await buildBundle(CASES, { workflowCodeSha256: 'c'.repeat(64), signingKeyPem: exporter.privateKeyPem });
    text = serializeBundle(original);
    await writeFile(file('bundle.jsonl'), text);
  });

  it('is written as a header, a line per run, the manifest and its proof', () => {
    const lines = text.trimEnd().split('\n');
    expect(lines).toHaveLength(1 + 5 + 2);
    expect(JSON.parse(lines[0]!)).toEqual({ format: 'poortwachter-audit-bundle/2' });
    expect(lines.slice(1, 6).map((l) => (JSON.parse(l) as { runId: string }).runId)).toEqual(
      CASES.flatMap((c) => c.runs.map((r) => r.runId)),
    );
    // Each run's digest is over its whole line: ids and history as written.
    expect(original.manifest.cases.flatMap((c) => c.runs.map((r) => r.sha256))).toEqual(
      lines.slice(1, 6).map((l) => sha256(l)),
    );
    expect(Object.keys(JSON.parse(lines[7]!))).toEqual(['manifestSha256', 'signature']);
  });

  it('hands on each case as it is checked, in the manifest order, and keeps no timelines in the report', async () => {
    const seen: CaseCheck[] = [];
    const report = await verifyFile(file('bundle.jsonl'), {
      workflowBundle: await workflowBundle(),
      onCase: (check) => void seen.push({ ...check }),
    });
    expect(report.verdict).toBe('proven');
    expect(seen.map((c) => [c.workflowId, c.replaysCleanly, c.derived?.caseId])).toEqual(
      CASES.map((c) => [c.workflowId, true, c.workflowId.replace(/^case-/, '')]),
    );
    expect(report.cases.map((c) => c.derived)).toEqual([undefined, undefined, undefined, undefined]);
  });

  it('names a damaged, a missing and a repeated line, and checks every other case all the same', async () => {
    const damaged = await verifyFile(await withLines('damaged.jsonl', (l) => (l[3] = l[3]!.slice(0, 200))), {
      replay: false,
    });
    expect(damaged.verdict).toBe('failed');
    expect(damaged.problems).toEqual(['line 4 of the bundle is not JSON: it was changed or cut']);
    expect(damaged.cases.map((c) => c.intact)).toEqual([true, false, true, true]);
    expect(damaged.cases[1]!.problems).toEqual([
      expect.stringMatching(/^history 2 of 2 of case guard-continued-by-server .* is missing$/),
    ]);

    const missing = await verifyFile(await withLines('missing.jsonl', (l) => l.splice(4, 1)), { replay: false });
    expect(missing.problems).toEqual([]);
    expect(missing.cases[2]!.problems).toEqual([
      expect.stringMatching(/^history 1 of 1 of case guard-all-on-time .* is missing$/),
    ]);

    const twice = await verifyFile(await withLines('twice.jsonl', (l) => l.splice(2, 0, l[1]!)), { replay: false });
    expect(twice.verdict).toBe('failed');
    expect(twice.problems).toEqual([
      expect.stringMatching(/^history 1 of 1 of case guard-loonsanctie .* is in the bundle more than once$/),
    ]);
  });

  it('finds bytes changed where a line reader would not look: a carriage return, a byte that is not UTF-8, moved lines, a note in the signature, another public key', async () => {
    const proven = async (path: string) => (await verifyFile(path, { replay: false })).verdict;
    expect(await proven(file('bundle.jsonl'))).toBe('proven');
    expect(await proven(await withLines('crlf.jsonl', (l) => (l[2] = `${l[2]!}\r`)))).toBe('failed');
    const bytes = Buffer.from(text, 'utf8');
    const at = bytes.indexOf('"runId"', bytes.indexOf('\n') + 1) + 3;
    await writeFile(
      file('not-utf8.jsonl'),
      Buffer.concat([bytes.subarray(0, at), Buffer.from([0xff]), bytes.subarray(at + 1)]),
    );
    const notUtf8 = await verifyFile(file('not-utf8.jsonl'), { replay: false });
    expect(notUtf8.problems).toEqual(['line 2 of the bundle is not UTF-8 JSON as written: it was changed or cut']);
    const moved = await verifyFile(await withLines('moved.jsonl', (l) => l.splice(1, 2, l[2]!, l[1]!)), {
      replay: false,
    });
    expect(moved.verdict).toBe('failed');
    expect(moved.problems).toEqual([
      expect.stringMatching(/^line 3 holds history 1 of 1 of case guard-loonsanctie .* out of the manifest's order/),
    ]);
    const noted = await withLines('noted.jsonl', (l) => {
      const closing = JSON.parse(l.at(-1)!) as { signature: Record<string, string> };
      closing.signature.note = 'checked by the accountant';
      l[l.length - 1] = JSON.stringify(closing);
    });
    expect((await verifyFile(noted, { replay: false })).problems).toEqual([
      'the file is not in the canonical form it was written in: it was changed outside its values',
    ]);
    const otherKey = await withLines('other-key.jsonl', (l) => {
      const closing = JSON.parse(l.at(-1)!) as { signature: Record<string, string> };
      closing.signature.publicKey = generateSigningKeys().publicKeyPem;
      l[l.length - 1] = JSON.stringify(closing);
    });
    expect((await verifyFile(otherKey, { replay: false })).problems).toEqual([
      'signature: the public key written in the bundle is not the trusted key that signed it',
    ]);
  });

  it('refuses a file cut short, or not ending its last line, with exit 2 and no stack trace', async () => {
    const cut = file('cut.jsonl');
    await writeFile(cut, text.slice(0, Math.floor(text.length * 0.6)));
    await expect(verifyFile(cut)).rejects.toThrow(/is cut off: it does not end with a line break/);
    const headless = await withLines('headless.jsonl', (l) => l.splice(-2));
    await expect(verifyFile(headless, { replay: false })).rejects.toThrow(
      /is cut off or not an audit bundle: its next-to-last line holds no manifest$/,
    );
    const out = capture();
    await expect(auditVerify(cut, {}, out.io, () => [])).rejects.toMatchObject({
      exitCode: 2,
      message: expect.stringMatching(/cut\.jsonl is cut off/),
    });
    await expect(auditVerify(file('bundle.jsonl'), { threads: '0' }, out.io, () => [])).rejects.toMatchObject({
      exitCode: 2,
      message: '--threads: 0 is not a whole number from 1 to 64',
    });
  });

  it('replays on several threads, each divergence under its own run', async () => {
    // The all-on-time case's first reminder, recorded as another activity: its replay must diverge.
    const forged = parseBundleText(text);
    const target = forged.histories[3]!;
    const json = JSON.stringify(target.history).replace('"name":"notify"', '"name":"notifyLater"');
    expect(json).not.toBe(JSON.stringify(target.history));
    target.history = JSON.parse(json) as unknown;
    const entry = forged.manifest.cases[2]!;
    entry.runs[0]!.sha256 = sha256(historyLine(target));
    entry.sha256 = casesDigest(entry.runs);
    forged.manifest.sha256 = wholeDigest(forged.manifest.cases);
    forged.manifestSha256 = sha256(canonical(forged.manifest));
    forged.signature = signManifest(forged.manifest, exporter.privateKeyPem);
    await writeFile(file('diverging.jsonl'), serializeBundle(forged));
    const outcomes = async (threads: number) => {
      const report = await verifyFile(file('diverging.jsonl'), {
        workflowBundle: await workflowBundle(),
        replayThreads: threads,
      });
      return report.cases.map((c) => c.runs.map((r) => r.replay));
    };
    const expected = [['ok'], ['ok', 'ok'], ['diverged'], ['ok']];
    expect(await outcomes(1)).toEqual(expected);
    expect(await outcomes(3)).toEqual(expected);
  });

  it('still proves a bundle of format /1 (one JSON document), and finds a changed byte in it', async () => {
    const pinned = readFileSync(join(v1Dir, 'exporter.pub.pem'), 'utf8');
    const bundle = join(v1Dir, 'bundle.json');
    const report = await verifyBundle(
      { path: bundle },
      { trustedPublicKeyPem: pinned, workflowBundle: await workflowBundle() },
    );
    expect(report.manifest.format).toBe('poortwachter-audit-bundle/1');
    expect(report.verdict).toBe('proven');
    expect(report.cases.map((c) => [c.caseId, c.intact, c.replaysCleanly])).toEqual([
      ['guard-continued-by-server', true, true],
      ['guard-takeover-summary', true, true],
    ]);
    const v1 = await readFile(bundle, 'utf8');
    const at = v1.indexOf('"data": "', v1.indexOf('"histories"')) + 12;
    const changed = file('v1-changed.json');
    await writeFile(changed, v1.slice(0, at) + (v1[at] === 'A' ? 'B' : 'A') + v1.slice(at + 1));
    const broken = await verifyBundle({ path: changed }, { trustedPublicKeyPem: pinned, replay: false });
    expect(broken.verdict).toBe('failed');
    expect(broken.cases[0]!.problems).toEqual([
      expect.stringMatching(/does not match its SHA-256 digest: it was changed$/),
    ]);
  });
});
