// Audit bundles: export, tamper evidence, signatures, replay verification, the timeline derived from
// the history, and the CLI (verify, report, keygen, export).
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PassThrough } from 'node:stream';
import { Client, Connection } from '@temporalio/client';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils.js';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { openCase, recordEvent } from '../client/cases.js';
import {
  buildBundle,
  casesDigest,
  wholeDigest,
  exportBundle,
  generateSigningKeys,
  serializeBundle,
  sha256,
  canonical,
  historyLine,
  workflowCodeIdentity,
  type AuditBundle,
} from '../client/audit/bundle.js';
import { onTime } from '../client/audit/history.js';
import { renderReport } from '../client/audit/report.js';
import { verifyBundle } from '../client/audit/verify.js';
import { createAuditCommand, exportQuery } from '../cli/audit.js';
import { addDays } from '../workflows/calendar/index.js';
import { caseWorkflowId } from '../workflows/case-model.js';
import type { CaseView } from '../workflows/case-api.js';
import { sampleCase, startCaseWorld, type CaseWorld } from './setup/case-world.js';
import { testDataConverter, workflowBundle } from './setup/temporal.js';
import { parseBundleText } from './setup/audit-bundle.js';
import { EncryptionCodec, parseKeyring } from '../runtime/codec.js';

const historiesDir = fileURLToPath(new URL('./histories/', import.meta.url));
/** The committed case histories; `name-1.json`, `name-2.json` are the runs of one case, in order. */
const runsByCase = new Map<string, string[]>();
for (const f of readdirSync(historiesDir)
  .filter((f) => f.endsWith('.json') && !f.startsWith('import-'))
  .sort()) {
  const name = f.replace(/(-\d+)?\.json$/, '');
  runsByCase.set(name, [...(runsByCase.get(name) ?? []), f]);
}
const committed = [...runsByCase].map(([name, files]) => ({
  workflowId: `case-guard-${name}`,
  runs: files.map((f) => {
    const history = historyFromJSON(JSON.parse(readFileSync(historiesDir + f, 'utf8')));
    // Each history under its own run id, as an export files it (verify checks it).
    const runId = history.events![0]!.workflowExecutionStartedEventAttributes!.originalExecutionRunId!;
    return { runId, history };
  }),
}));

/** A payload's data (base64) in a stored history. */
const PAYLOAD = '"data":"';

/** As the audit commands read: the test keys, and the committed histories (never encrypted) as they are. */
const codecs = () => [new EncryptionCodec(parseKeyring(inject('codecKeys'), 'test keys'), 'pass')];

async function runAudit(args: string[]) {
  const io = { stdin: new PassThrough(), stdout: new PassThrough(), stderr: new PassThrough() };
  let stdout = '';
  let stderr = '';
  io.stdout.on('data', (d) => (stdout += d));
  io.stderr.on('data', (d) => (stderr += d));
  const code = await createAuditCommand({ payloadCodecs: codecs })(args, io);
  return { code, stdout, stderr };
}

/** Changes one byte of `text`: the one right after the first occurrence of `near` after `from`. */
function changeByte(text: string, near: string, from = 0): string {
  const found = text.indexOf(near, from);
  if (found < 0) throw new Error(`no ${near}`);
  const at = found + near.length;
  const c = text[at]!;
  return text.slice(0, at) + (c === 'a' ? 'b' : 'a') + text.slice(at + 1);
}

describe('audit bundles of the committed histories', () => {
  let bundle: AuditBundle;
  let text: string;
  let dir: string;
  /** The exporter's key pair, its public half pinned by the auditor (a file, as --public-key takes it). */
  const exporter = generateSigningKeys();
  let pinned: string;
  let signedText: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'poortwachter-audit-'));
    const code = await workflowBundle();
    bundle = await buildBundle(committed, { workflowCodeSha256: await workflowCodeIdentity(code) });
    text = serializeBundle(bundle);
    signedText = serializeBundle(
      await buildBundle(committed, {
        workflowCodeSha256: await workflowCodeIdentity(code),
        signingKeyPem: exporter.privateKeyPem,
      }),
    );
    pinned = join(dir, 'exporter.pub.pem');
    await writeFile(pinned, exporter.publicKeyPem);
  });

  it('writes a manifest with digests of each history and of the whole', () => {
    const m = bundle.manifest;
    expect(m.format).toBe('poortwachter-audit-bundle/2');
    expect(m.project).toEqual({ name: 'poortwachter', version: expect.any(String) });
    expect(m.workflowCode.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(m.cases.map((c) => c.caseId)).toContain('guard-loonsanctie');
    for (const c of m.cases) {
      expect(c.workflowType).toBe('caseWorkflow');
      expect(c.ruleset).toBe('wvp-2026');
      const stored = bundle.histories.find((h) => h.runId === c.runs[0]!.runId)!;
      expect(c.runs[0]!.sha256).toBe(sha256(historyLine(stored)));
    }
    expect(bundle.manifestSha256).toBe(sha256(canonical(m)));
  });

  it('verifies a clean bundle: intact, every history replays, with the timeline derived from the history', async () => {
    const report = await verifyBundle(text, { workflowBundle: await workflowBundle() });
    expect(report.problems).toEqual([]);
    expect(report.ok).toBe(true);
    expect(report.cases.every((c) => c.intact && c.replaysCleanly)).toBe(true);
    expect(report.workflowCode.same).toBe(true);

    const late = report.cases.find((c) => c.caseId === 'guard-late-with-escalations')!.derived!;
    const pa = late.obligations.find((o) => o.id === 'probleemanalyse')!;
    expect(pa).toMatchObject({ due: '2024-02-18', doneOn: '2024-02-29', daysLate: 11 });
    expect(pa.reminders).toHaveLength(1);
    expect(pa.escalations).toHaveLength(1);
    // Reminded on the 5th working day before at 08:00 Amsterdam (07:00 UTC in winter), escalated
    // on the first working day after the due date.
    expect(pa.reminders[0]!.slice(0, 16)).toBe('2024-02-12T07:00');
    expect(pa.escalations[0]!.slice(0, 16)).toBe('2024-02-19T07:00');
    const pva = late.obligations.find((o) => o.id === 'plan-van-aanpak')!;
    expect(pva.postponement).toEqual({ reason: 'werknemer op vakantie', originalDue: '2024-03-14' });
    expect(late.events.map((e) => e.type)).toEqual([
      'task-completed',
      'task-completed',
      'task-postponed',
      'task-completed',
      'note',
      'recovered',
    ]);
    expect(late.events.every((e) => e.actor === 'casemanager@arbo.example')).toBe(true);
    expect(
      onTime(late)
        .slice(0, 2)
        .map((o) => o.value),
    ).toEqual(['te laat', 'te laat']);

    const onTimeCase = report.cases.find((c) => c.caseId === 'guard-all-on-time')!.derived!;
    expect(
      onTime(onTimeCase)
        .slice(0, 2)
        .map((o) => o.value),
    ).toEqual(['op tijd', 'op tijd']);
    expect(onTimeCase.notifications.filter((n) => n.kind === 'escalation')).toEqual([]);

    const sanction = report.cases.find((c) => c.caseId === 'guard-loonsanctie')!.derived!;
    expect(sanction.extensions).toEqual([{ kind: 'loonsanctie', weeks: 12 }]);
    expect(sanction.closedReason).toBe('einde wachttijd');
    expect(sanction.calendar.waitingTimeEnds).toBe(addDays('2024-01-08', 727 + 84));

    const samentellen = report.cases.find((c) => c.caseId === 'guard-samentellen')!.derived!;
    expect(samentellen.periods.slice(0, 2)).toEqual([
      { from: '2024-01-08', to: addDays('2024-01-08', 49) },
      { from: addDays('2024-01-08', 65), to: addDays('2024-01-08', 159) },
    ]);
  });

  it('the derived notifications are the ones the workflow recorded in its own timeline', async () => {
    const report = await verifyBundle(text, { replay: false });
    // The cases that ended (the continued one is recorded while it still runs).
    for (const c of report.cases) {
      const d = c.derived!;
      const h = committed.find((x) => x.workflowId === c.workflowId)!.runs.at(-1)!.history;
      const completed = h.events!.at(-1)!.workflowExecutionCompletedEventAttributes;
      if (!completed) continue;
      const view = JSON.parse(Buffer.from(completed.result!.payloads![0]!.data!).toString()) as CaseView;
      // Each message once: a message refused for one recipient has its entry and a delivery-failed one.
      const recorded = [...new Set(view.timeline.filter((t) => t.messageId).map((t) => t.messageId))];
      // A report to operations of a refused message is not on the case's timeline: the refusal is.
      const sent = d.notifications.filter((n) => n.kind !== 'delivery-failed');
      expect(
        sent.map((n) => n.messageId),
        c.caseId,
      ).toEqual(recorded);
      expect(d.events.map((e) => e.at)).toEqual(view.timeline.filter((t) => t.kind === 'event').map((t) => t.at));
    }
  });

  it('fails when one byte of a history changes, naming the history', async () => {
    const second = bundle.histories[1]!;
    const at = text.indexOf(`"runId":"${second.runId}"`);
    const tampered = changeByte(text, PAYLOAD, at);
    const report = await verifyBundle(tampered, { replay: false });
    expect(report.ok).toBe(false);
    const broken = report.cases.filter((c) => !c.intact);
    expect(broken.map((c) => c.workflowId)).toEqual([second.workflowId]);
    expect(broken[0]!.problems[0]).toContain(`run ${second.runId}`);
    expect(broken[0]!.problems[0]).toContain('does not match its SHA-256 digest');
  });

  it('fails when the manifest or only whitespace changes', async () => {
    const manifestTampered = text.replace(/"events":(\d)/, (_m, d: string) => `"events":${(Number(d) + 1) % 10}`);
    expect((await verifyBundle(manifestTampered, { replay: false })).problems).toContain(
      'the manifest does not match its digest (manifestSha256): the manifest was changed',
    );
    const spaced = text.replace('{"manifest":', '{ "manifest":');
    const report = await verifyBundle(spaced, { replay: false });
    expect(report.ok).toBe(false);
    expect(report.problems[0]).toContain('not in the canonical form');
  });

  it('signs the manifest: the trusted key verifies, another key or a re-digested change fails', async () => {
    const a = generateSigningKeys();
    const b = generateSigningKeys();
    const signed = serializeBundle(
      await buildBundle(committed.slice(0, 1), { workflowCodeSha256: 'x'.repeat(64), signingKeyPem: a.privateKeyPem }),
    );
    const good = await verifyBundle(signed, { trustedPublicKeyPem: a.publicKeyPem, replay: false });
    expect(good.ok).toBe(true);
    expect(good.signature).toMatchObject({ state: 'valid', trusted: true });
    const wrong = await verifyBundle(signed, { trustedPublicKeyPem: b.publicKeyPem, replay: false });
    expect(wrong.ok).toBe(false);
    expect(wrong.problems).toContain('signature: the manifest is not signed by the trusted public key');
    // Someone changes the export time and recomputes the digests: only the signature notices.
    const parsed = parseBundleText(signed);
    parsed.manifest.exportedAt = '2020-01-01T00:00:00.000Z';
    parsed.manifestSha256 = sha256(canonical(parsed.manifest));
    const forged = await verifyBundle(serializeBundle(parsed), { trustedPublicKeyPem: a.publicKeyPem, replay: false });
    expect(forged.ok).toBe(false);
    expect(forged.problems).toEqual(['signature: the manifest is not signed by the trusted public key']);
    // An unsigned bundle fails when a trusted key is required.
    const unsigned = await verifyBundle(text, { trustedPublicKeyPem: a.publicKeyPem, replay: false });
    expect(unsigned.problems).toContain('signature: the bundle is not signed, but a trusted public key was given');
  });

  it('CLI: verify exits 0 only on a clean bundle of a trusted signer, 1 on a tampered one, naming it; 2 on bad input', async () => {
    const file = join(dir, 'bundle.json');
    await writeFile(file, signedText);
    const ok = await runAudit(['verify', file, '--public-key', pinned]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/^bundle: OK, signed by a trusted key;/);
    expect(ok.stdout).toContain('case guard-loonsanctie (case-guard-loonsanctie): intact, replays cleanly');
    expect(ok.stdout).toMatch(/probleemanalyse\s+2024-02-18\s+2024-02-29\s+11/);

    // Without a pinned key, a bundle anyone could have made (unsigned, or signed by its own key) proves nothing.
    for (const unproven of [file, join(dir, 'unsigned.json')]) {
      await writeFile(join(dir, 'unsigned.json'), text);
      const result = await runAudit(['verify', unproven]);
      expect(result.code).toBe(1);
      expect(result.stdout).toMatch(/^bundle: INTEGRITY UNPROVEN: the checks hold, but without a trusted signer/);
    }

    const bad = join(dir, 'tampered.json');
    await writeFile(bad, changeByte(text, PAYLOAD, text.indexOf('"history"')));
    const failed = await runAudit(['verify', bad]);
    expect(failed.code).toBe(1);
    expect(failed.stdout).toContain(`history 1 of 1 of case ${bundle.manifest.cases[0]!.caseId}`);

    const notJson = join(dir, 'not.json');
    await writeFile(notJson, '{ nope');
    const usage = await runAudit(['verify', notJson]).catch((e: Error) => ({ code: 2, stderr: e.message, stdout: '' }));
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('is not valid JSON');
    await expect(runAudit(['verify', join(dir, 'missing.json')])).rejects.toThrow(/cannot read bundle/);

    // Malformed bundles: a clear message and exit 2, never a stack trace.
    const malformed = parseBundleText(text);
    (malformed.manifest.cases[0] as unknown as { runs: unknown }).runs = 'alle';
    const notList = join(dir, 'runs.json');
    await writeFile(notList, serializeBundle(malformed));
    await expect(runAudit(['verify', notList])).rejects.toThrow(/manifest\.cases\[0\]\.runs is not a list/);
    const deep = join(dir, 'deep.json');
    await writeFile(deep, `{"manifest": ${'['.repeat(100_000)}${']'.repeat(100_000)}}`);
    await expect(runAudit(['verify', deep])).rejects.toThrow(/nested 100001 levels deep/);
  });

  it('refuses a history filed under another case, with digests recomputed', async () => {
    // The history of the loonsanctie case, filed under the label of the samentellen case.
    const forged = parseBundleText(text);
    const from = forged.manifest.cases.find((c) => c.caseId === 'guard-loonsanctie')!;
    const to = forged.manifest.cases.find((c) => c.caseId === 'guard-samentellen')!;
    const history = forged.histories.find((h) => h.workflowId === from.workflowId)!;
    forged.histories = forged.histories.filter((h) => h.workflowId !== to.workflowId);
    const moved = { ...history, workflowId: to.workflowId };
    forged.histories.push(moved);
    to.runs = [{ ...from.runs[0]!, sha256: sha256(historyLine(moved)) }];
    to.sha256 = casesDigest(to.runs);
    forged.manifest.sha256 = wholeDigest(forged.manifest.cases);
    forged.manifestSha256 = sha256(canonical(forged.manifest));
    const report = await verifyBundle(serializeBundle(forged), { replay: false, payloadCodecs: codecs() });
    expect(report.verdict).toBe('failed');
    const check = report.cases.find((c) => c.caseId === 'guard-samentellen')!;
    expect(check.problems).toContain('the history is of case guard-loonsanctie, but labelled case guard-samentellen');
    // And a label whose workflow id is not the case's.
    const relabelled = parseBundleText(text);
    relabelled.manifest.cases[0]!.caseId = 'SEC-1';
    const r2 = await verifyBundle(serializeBundle(relabelled), { replay: false, payloadCodecs: codecs() });
    expect(r2.cases[0]!.problems[0]).toMatch(/^labelled case SEC-1, but its workflow id is case-guard-/);
  });

  it('CLI: report writes one self-contained HTML file with the SVG timeline and the on-time figures', async () => {
    const file = join(dir, 'bundle.json');
    await writeFile(file, signedText);
    const out = join(dir, 'report.html');
    const result = await runAudit(['report', file, '--html', out, '--public-key', pinned]);
    expect(result.code).toBe(0);
    const html = await readFile(out, 'utf8');
    expect(html).toContain('<svg class="timeline"');
    expect(html).toContain('Op tijd (SIVI verzuimrapportage)');
    expect(html).toContain('@media print');
    expect(html).toContain('werknemer op vakantie');
    // Nothing loaded from elsewhere: no scripts, stylesheets, images or fonts by URL.
    expect(html).not.toMatch(/<script|<link|src=|url\(|@import/);
    expect(html.replace(/xmlns="http:\/\/www\.w3\.org\/2000\/svg"/g, '')).not.toMatch(/https?:\/\//);
  });

  it('CLI: keygen writes a key pair that signs and verifies; refuses to overwrite', async () => {
    const priv = join(dir, 'k.pem');
    const pub = join(dir, 'k.pub.pem');
    expect((await runAudit(['keygen', '--private-key', priv, '--public-key', pub])).code).toBe(0);
    const signed = serializeBundle(
      await buildBundle(committed.slice(0, 1), {
        workflowCodeSha256: 'x'.repeat(64),
        signingKeyPem: await readFile(priv, 'utf8'),
      }),
    );
    const file = join(dir, 'signed.json');
    await writeFile(file, signed);
    const verified = await runAudit(['verify', file, '--public-key', pub]);
    expect(verified.stdout).toContain(', trusted)');
    await expect(runAudit(['keygen', '--private-key', priv, '--public-key', pub])).rejects.toThrow(/overwrite/);
  });

  it('renders a report that marks a broken bundle', async () => {
    const report = await verifyBundle(changeByte(text, PAYLOAD, text.indexOf('"history"')), {
      replay: false,
    });
    expect(renderReport(report)).toContain('NIET intact');
  });
});

describe('audit export from a server', () => {
  let world: CaseWorld;
  beforeAll(async () => {
    world = await startCaseWorld();
  });
  afterAll(async () => {
    await world?.close();
  });

  it('exports a case that ran, encrypted payloads and all, and the history tells what the case did', async () => {
    // First sick day Monday 2026-03-02, in the past of any machine that runs this: the case's clock
    // runs behind the server's, and the bundle's derived timeline must read the case's own clock.
    const D = '2026-03-02';
    await world.startAt(D, 9);
    const caseId = `audit-${Date.now()}`;
    await openCase(world.cases, sampleCase(caseId, D));
    await world.travelTo(addDays(D, 20));
    await recordEvent(world.cases, caseId, {
      type: 'task-completed',
      task: 'ziekmelding',
      date: addDays(D, 2),
      actor: 'auditee@arbo.example',
    });
    await world.travelTo(addDays(D, 30));
    await recordEvent(world.cases, caseId, { type: 'recovered', date: addDays(D, 30), actor: 'auditee@arbo.example' });
    const handle = world.cases.client.workflow.getHandle(caseWorkflowId(caseId));
    const result = (await world.env.client.workflow.getHandle(caseWorkflowId(caseId)).result()) as CaseView;

    const bundle = await exportBundle(world.cases.client, [caseWorkflowId(caseId)], {
      workflowCodeSha256: await workflowCodeIdentity(await workflowBundle()),
      decode: { payloadCodecs: codecs() },
    });
    expect(bundle.manifest.cases[0]).toMatchObject({ caseId, ruleset: result.ruleset });
    expect(bundle.manifest.cases[0]!.runs[0]!.runId).toBe((await handle.describe()).runId);

    const report = await verifyBundle(serializeBundle(bundle), {
      workflowBundle: await workflowBundle(),
      payloadCodecs: codecs(),
    });
    expect(report.ok).toBe(true);
    const d = report.cases[0]!.derived!;
    expect(d.status).toBe('closed');
    expect(d.events.map((e) => [e.type, e.actor])).toEqual([
      ['task-completed', 'auditee@arbo.example'],
      ['recovered', 'auditee@arbo.example'],
    ]);
    expect(d.notifications.map((n) => n.messageId)).toEqual(
      result.timeline.filter((t) => t.messageId).map((t) => t.messageId),
    );
    expect(d.obligations.find((o) => o.id === 'ziekmelding')?.doneOn).toBe(addDays(D, 2));
  });

  it('shows every evaluatie round as its own row: one held 76 days late, then the next one open', async () => {
    // Plan van aanpak made on Wednesday 5 August 2026: the first evaluatie is due six weeks later, on
    // Wednesday 16 September; it is held on Tuesday 1 December, 76 days late; the next is due six
    // weeks after that, on Tuesday 12 January 2027.
    const D = '2026-06-01';
    await world.startAt('2026-09-01', 9);
    const caseId = `audit-evaluatie-${Date.now()}`;
    await openCase(
      world.cases,
      sampleCase(caseId, D, {
        completed: { ziekmelding: '2026-06-02', probleemanalyse: '2026-07-06', 'plan-van-aanpak': '2026-08-05' },
      }),
    );
    await world.travelTo('2026-12-01', 10);
    await recordEvent(world.cases, caseId, {
      type: 'task-completed',
      task: 'evaluatie',
      date: '2026-12-01',
      document: { uri: 'https://dossier.arbo.example/evaluatie-1.pdf', sha256: 'b'.repeat(64) },
      actor: 'anna',
    });
    const bundle = await exportBundle(world.cases.client, [caseWorkflowId(caseId)], {
      workflowCodeSha256: await workflowCodeIdentity(await workflowBundle()),
      decode: { payloadCodecs: codecs() },
    });
    const report = await verifyBundle(serializeBundle(bundle), { replay: false, payloadCodecs: codecs() });
    const d = report.cases[0]!.derived!;
    const rounds = d.obligations.filter((o) => o.id === 'evaluatie');
    expect(rounds.map((o) => [o.round, o.due, o.doneOn, o.daysLate, o.status])).toEqual([
      [1, '2026-09-16', '2026-12-01', 76, 'done'],
      [2, '2027-01-12', undefined, 0, 'open'],
    ]);
    // Round 1's reminder and escalation are round 1's, not the open round's.
    expect(rounds[0]!.reminders.map((r) => r.slice(0, 10))).toEqual(['2026-09-09']);
    expect(rounds[0]!.escalations.map((r) => r.slice(0, 10))).toEqual(['2026-09-17']);
    expect(rounds[1]!.reminders).toEqual([]);
    expect(onTime(d).find((f) => f.id === 'evaluatie-1')).toMatchObject({ value: 'te laat', due: '2026-09-16' });
    // The same in the CLI's report and in the HTML.
    const file = join(await mkdtemp(join(tmpdir(), 'poortwachter-audit-')), 'evaluatie.json');
    await writeFile(file, serializeBundle(bundle));
    const printed = await runAudit(['verify', file]);
    expect(printed.stdout).toMatch(/evaluatie \(1\)\s+2026-09-16\s+2026-12-01\s+76/);
    expect(printed.stdout).toMatch(/evaluatie \(2\)\s+2027-01-12\s+-/);
    const html = renderReport(report);
    expect(html).toContain('<th>Evaluatie 1</th>');
    // In Dutch, and a document as its address, not as JSON.
    expect(html).toContain('<td>gedaan</td>');
    expect(html).not.toContain('<td>done</td>');
    expect(html).toContain('document: https://dossier.arbo.example/evaluatie-1.pdf (sha256 bbbbbbbbbbbb…)');
    expect(html).toMatch(
      /Evaluatie en bijstelling plan van aanpak 1<br><small>evaluatie<\/small><\/td><td>2026-09-16<\/td><td>2026-12-01<\/td><td class="num">76<\/td>/,
    );
    await recordEvent(world.cases, caseId, { type: 'case-closed', reason: 'einde test', actor: 'anna' });
  });
});

describe('audit export --all on the dev server', () => {
  const saved = { ...process.env };
  afterAll(() => {
    process.env = saved;
  });

  it('builds the visibility query from the filters', () => {
    expect(exportQuery({ employer: 'wg-1', closedFrom: '2026-01-01', closedTo: '2026-01-31' })).toBe(
      "WorkflowType = 'caseWorkflow' AND EmployerId = 'wg-1' AND ExecutionStatus != 'Running' AND " +
        "ExecutionStatus != 'ContinuedAsNew' AND CloseTime >= '2026-01-01T00:00:00Z' AND CloseTime < '2026-02-01T00:00:00Z'",
    );
  });

  it('exports every case of an employer, with a progress bar; refuses bad filters with exit 2', async () => {
    const connection = await Connection.connect({ address: inject('devServerAddress') });
    const client = new Client({ connection, dataConverter: testDataConverter() });
    const employer = `wg-audit-${Date.now().toString(36)}`;
    const taskQueue = `audit-nobody-${process.pid}`; // no worker: the cases are only started
    for (const id of ['A', 'B']) {
      const open = sampleCase(`${employer}-${id}`, '2026-01-05', {
        employer: { id: employer, name: 'X', escalationEmail: 'hr@x.example' },
      });
      await openCase({ client, taskQueue }, open);
    }
    process.env.TEMPORAL_ADDRESS = inject('devServerAddress');
    const out = join(await mkdtemp(join(tmpdir(), 'poortwachter-audit-all-')), 'all.json');
    let result = await runAudit(['export', '--all', '--employer', employer, '--out', out]);
    for (let i = 0; i < 40 && !result.stderr.startsWith('2 case'); i++) {
      await new Promise((r) => setTimeout(r, 250)); // visibility is eventually consistent
      result = await runAudit(['export', '--all', '--employer', employer, '--out', out]);
    }
    expect(result.code).toBe(0);
    expect(result.stderr).toContain('2/2');
    const bundle = parseBundleText(await readFile(out, 'utf8'));
    expect(bundle.manifest.cases.map((c) => c.caseId).sort()).toEqual([`${employer}-A`, `${employer}-B`]);
    await expect(runAudit(['export', '--all', '--closed-from', '2026-13-01', '--out', out])).rejects.toThrow(
      /--closed-from: 2026-13-01 does not exist/,
    );
    await connection.close();
  });
});
