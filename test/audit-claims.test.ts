// What the manifest says of a case is compared with what the histories say: a bundle whose claims
// were changed, with every digest recomputed and signed again with the exporter's own (trusted) key,
// still fails, naming the case and the field. The signature proves who wrote the claims, not that
// they are true.
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  buildBundle,
  canonical,
  casesDigest,
  generateSigningKeys,
  serializeBundle,
  sha256,
  signManifest,
  wholeDigest,
  type AuditBundle,
} from '../client/audit/bundle.js';
import { verifyBundle } from '../client/audit/verify.js';
import { committedRun, parseBundleText } from './setup/audit-bundle.js';
import { createAuditCommand } from '../cli/audit.js';

const run = committedRun;

const LOONSANCTIE = 'case-guard-loonsanctie';
/** Two runs: the first ended in ContinuedAsNew, the second continues it. */
const CONTINUED = 'case-guard-continued-by-server';

describe('the manifest claims, against the histories', () => {
  const exporter = generateSigningKeys();
  let original: AuditBundle;

  /**
   * The bundle with `change` made to it, then made whole again as the exporter would: case digests,
   * the digest over all cases, the manifest's digest, and a new signature with the trusted key.
   */
  function forged(change: (b: AuditBundle) => void): string {
    const b = parseBundleText(serializeBundle(original));
    change(b);
    for (const c of b.manifest.cases) c.sha256 = casesDigest(c.runs);
    b.manifest.sha256 = wholeDigest(b.manifest.cases);
    b.manifestSha256 = sha256(canonical(b.manifest));
    b.signature = signManifest(b.manifest, exporter.privateKeyPem);
    return serializeBundle(b);
  }
  const caseOf = (b: AuditBundle, workflowId: string) => b.manifest.cases.find((c) => c.workflowId === workflowId)!;
  const check = (text: string) => verifyBundle(text, { trustedPublicKeyPem: exporter.publicKeyPem, replay: false });

  beforeAll(async () => {
    original = await buildBundle(
      [
        { workflowId: LOONSANCTIE, runs: [run('loonsanctie.json')] },
        { workflowId: CONTINUED, runs: [run('continued-by-server-1.json'), run('continued-by-server-2.json')] },
      ],
      { workflowCodeSha256: 'c'.repeat(64), signingKeyPem: exporter.privateKeyPem },
    );
  });

  it('the bundle as exported is proven: the control for every forgery below', async () => {
    const report = await check(serializeBundle(original));
    expect(report.problems).toEqual([]);
    expect(report.cases.flatMap((c) => c.problems)).toEqual([]);
    expect(report.verdict).toBe('proven');
  });

  it("fails a changed count of a run's events, naming the case and the field", async () => {
    const report = await check(forged((b) => (caseOf(b, LOONSANCTIE).runs[0]!.events += 1)));
    expect(report.signature).toMatchObject({ state: 'valid', trusted: true });
    expect(report.verdict).toBe('failed');
    const c = report.cases.find((x) => x.workflowId === LOONSANCTIE)!;
    expect(c.problems).toEqual([
      expect.stringMatching(
        /^history 1 of 1 of case guard-loonsanctie \(case-guard-loonsanctie, run [0-9a-f-]+\) has 283 events, but the manifest says 284 \(runs\[0\]\.events\)$/,
      ),
    ]);
  });

  it('fails a changed rule set, and refuses a manifest without one', async () => {
    const report = await check(forged((b) => (caseOf(b, LOONSANCTIE).ruleset = 'wvp-2025')));
    expect(report.verdict).toBe('failed');
    expect(report.cases.find((x) => x.workflowId === LOONSANCTIE)!.problems).toEqual([
      'case guard-loonsanctie: the manifest says rule set wvp-2025 (ruleset), but its history follows wvp-2026',
    ]);
    // Without the claim there is nothing to compare: not a bundle this verifier reads.
    await expect(check(forged((b) => delete (caseOf(b, LOONSANCTIE) as { ruleset?: string }).ruleset))).rejects.toThrow(
      /manifest\.cases\[0\]\.ruleset is not text/,
    );
  });

  it('fails runs listed in another order than their continue-as-new chain', async () => {
    const report = await check(forged((b) => caseOf(b, CONTINUED).runs.reverse()));
    expect(report.verdict).toBe('failed');
    const [first, second] = original.manifest.cases[1]!.runs.map((r) => r.runId);
    const c = report.cases.find((x) => x.workflowId === CONTINUED)!;
    expect(c.problems).toEqual([
      `history 1 of 2 of case guard-continued-by-server (${CONTINUED}, run ${second}) continues run ${first}, but the manifest lists no run before it (runs)`,
      `history 2 of 2 of case guard-continued-by-server (${CONTINUED}, run ${first}) continues no run, but the manifest lists run ${second} before it (runs)`,
    ]);
  });

  it('fails a case whose first or last run was left out', async () => {
    const [first, second] = original.manifest.cases[1]!.runs.map((r) => r.runId);
    const withoutRun = (runId: string) =>
      forged((b) => {
        const c = caseOf(b, CONTINUED);
        c.runs = c.runs.filter((r) => r.runId !== runId);
        b.histories = b.histories.filter((h) => h.runId !== runId);
      });
    const earlier = await check(withoutRun(first!));
    expect(earlier.verdict).toBe('failed');
    expect(earlier.cases.find((x) => x.workflowId === CONTINUED)!.problems).toEqual([
      `history 1 of 1 of case guard-continued-by-server (${CONTINUED}, run ${second}) continues run ${first}, which is not in the bundle: the case's earlier runs are missing (runs)`,
    ]);
    const later = await check(withoutRun(second!));
    expect(later.verdict).toBe('failed');
    expect(later.cases.find((x) => x.workflowId === CONTINUED)!.problems).toEqual([
      `history 1 of 1 of case guard-continued-by-server (${CONTINUED}, run ${first}) continued as new into run ${second}, which is not in the bundle: the case's later runs are missing (runs)`,
    ]);
  });

  it('fails a case listed twice (it would be counted and shown twice)', async () => {
    const report = await check(forged((b) => b.manifest.cases.push({ ...caseOf(b, LOONSANCTIE) })));
    expect(report.verdict).toBe('failed');
    expect(report.problems).toEqual([`${LOONSANCTIE} is listed 2 times in the manifest (cases)`]);
  });

  it('CLI: verify exits 1 on a re-signed forgery and prints the case and the field', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'poortwachter-audit-claims-'));
    const file = join(dir, 'forged.json');
    const pinned = join(dir, 'exporter.pub.pem');
    await writeFile(
      file,
      forged((b) => (caseOf(b, LOONSANCTIE).runs[0]!.events = 7)),
    );
    await writeFile(pinned, exporter.publicKeyPem);
    const io = { stdin: new PassThrough(), stdout: new PassThrough(), stderr: new PassThrough() };
    let stdout = '';
    io.stdout.on('data', (d) => (stdout += d));
    const code = await createAuditCommand({ payloadCodecs: () => [] })(['verify', file, '--public-key', pinned], io);
    expect(code).toBe(1);
    expect(stdout).toMatch(/^bundle: FAILED;/);
    expect(stdout).toContain('signature: valid (key');
    expect(stdout).toMatch(
      /case guard-loonsanctie \(case-guard-loonsanctie\): NOT INTACT.*\n {2}problem: history 1 of 1 of case guard-loonsanctie .* has 283 events, but the manifest says 7 \(runs\[0\]\.events\)/,
    );
  });
});
