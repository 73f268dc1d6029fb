// `poortwachter audit export|verify|report|keygen`: tamper-evident bundles of case histories, their
// verification (digests, signature, replay against the current workflow code) and an HTML report;
// bundles sealed for one auditor (`export --for`), which they verify and read with their own key.
import { once } from 'node:events';
import { createReadStream, createWriteStream, fchmod } from 'node:fs';
import { chmod, mkdtemp, open, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { PayloadCodec } from '@temporalio/common';
import { generateSigningKeys, holdsEncryptedPayloads, writeBundle, type LineSink } from '../client/audit/bundle.js';
import { openBundle } from '../client/audit/bundle-reader.js';
import { renderReport } from '../client/audit/report.js';
import { onTime } from '../client/audit/history.js';
import { auditorPublicKey, generateAuditorKeys, SealKeyError } from '../client/audit/seal.js';
import {
  BundleFormatError,
  verifyBundle,
  type CaseCheck,
  type VerifyOptions,
  type VerifyReport,
} from '../client/audit/verify.js';
import { caseIdSchema, caseWorkflowId } from '../workflows/case-model.js';
import { casemanagerIds, searchKeysOf, type SearchKeys } from '../runtime/search-keys.js';
import { addDays, givenDateProblem } from '../workflows/calendar/index.js';
import { EncryptionCodec, KeyringError, keyringSource, loadKeyring } from '../runtime/codec.js';
import { ConfigError, loadConfig } from '../runtime/config.js';
import { withClient } from './connect.js';
import { CliError, EXIT_FAILURE, EXIT_OK, type Io } from './io.js';
import { AUDITOR_KEY_ENV, PUBLIC_KEY_ENV, runCommand, SIGNING_KEY_ENV } from './program.js';

export { AUDITOR_KEY_ENV, PUBLIC_KEY_ENV, SIGNING_KEY_ENV };

export interface AuditCommandOptions {
  /** Codecs of encrypted payloads, to read histories (verify, report). Export uses the client's. */
  payloadCodecs?: () => PayloadCodec[] | Promise<PayloadCodec[]>;
}

/**
 * No payload keys are configured at all. Verify and report then check what needs no key (digests,
 * signature) instead of sending an auditor to set up the installation's keys.
 */
export class NoPayloadKeysError extends CliError {}

/**
 * The codecs of the configured payload keys: verify and report read the payloads of the histories,
 * those from before encryption as they are (no worker takes a payload without the keys any more, so
 * a history holds one only from that time).
 */
export function configuredPayloadCodecs(): PayloadCodec[] {
  try {
    const config = loadConfig();
    if (!keyringSource(config)) throw new NoPayloadKeysError('no payload keys are configured');
    return [new EncryptionCodec(loadKeyring(config), 'pass')];
  } catch (err) {
    if (err instanceof ConfigError || err instanceof KeyringError) throw new CliError(err.message);
    throw err;
  }
}

/**
 * Writes a file only its owner reads (mode 0600), also when it exists: it is truncated and its mode
 * set before the new content goes in, so that content is never readable under an older, wider mode.
 */
export async function writePrivateFile(path: string, text: string, what: string): Promise<void> {
  try {
    const file = await open(path, 'w', 0o600);
    try {
      await file.chmod(0o600);
      await file.writeFile(text);
    } finally {
      await file.close();
    }
  } catch (err) {
    throw new CliError(`cannot write ${what} ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
}

/**
 * Writes a bundle line by line to `<out>.part` and renames it to `out` when it is complete, so that
 * an export that fails leaves no bundle that looks whole. Only its owner reads it (mode 0600, set
 * before the first line): besides the payloads, a history holds in the clear its case's id and when
 * each thing happened to it (a sick person's record), and a bundle that is not sealed opens with the
 * installation's keys.
 */
async function writeBundleFile<T>(out: string, write: (sink: LineSink) => Promise<T>): Promise<T> {
  const part = `${out}.part`;
  // A new file of our own (never one found there: a link, or another export's), private from its start.
  await rm(part, { force: true });
  const stream = createWriteStream(part, { flags: 'wx', mode: 0o600 });
  let failed: Error | undefined;
  stream.on('error', (err) => (failed ??= err));
  const sink: LineSink = {
    async write(line) {
      if (failed) throw failed;
      if (!stream.write(`${line}\n`)) await once(stream, 'drain');
    },
  };
  try {
    const [fd] = (await once(stream, 'open')) as [number];
    // The mode asked at creation, whatever the umask.
    await new Promise<void>((resolve, reject) => fchmod(fd, 0o600, (err) => (err ? reject(err) : resolve())));
    const result = await write(sink);
    stream.end();
    await once(stream, 'finish');
    if (failed) throw failed;
    await rename(part, out);
    return result;
  } catch (err) {
    stream.destroy();
    await rm(part, { force: true });
    const code = (err as NodeJS.ErrnoException).code;
    if (code && typeof code === 'string' && /^E[A-Z]+$/.test(code))
      throw new CliError(`cannot write the bundle ${out}: ${code}`);
    throw err;
  }
}

async function readText(path: string, what: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    throw new CliError(`cannot read ${what} ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
}

/** The PEM key in file `path` (from the option or its environment variable), if one is named. */
async function keyFrom(path: string | undefined, what: string): Promise<string | undefined> {
  if (!path) return undefined;
  const pem = await readText(path, what);
  if (!pem.includes('-----BEGIN')) throw new CliError(`${what} ${path} is not a PEM file`);
  return pem;
}

const quote = (value: string) => `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

/**
 * The visibility query of `export --all`. Closed: the case's last run ended (not continued as new).
 * A casemanager is found by every identifier their cases may carry (runtime/search-keys.ts).
 */
export function exportQuery(
  filter: {
    casemanager?: string;
    employer?: string;
    closedFrom?: string;
    closedTo?: string;
  },
  keys?: SearchKeys,
): string {
  const clauses = [`WorkflowType = 'caseWorkflow'`];
  if (filter.casemanager) {
    clauses.push(`CasemanagerId IN (${casemanagerIds(keys, filter.casemanager).map(quote).join(', ')})`);
  }
  if (filter.employer) clauses.push(`EmployerId = ${quote(filter.employer)}`);
  if (filter.closedFrom || filter.closedTo) {
    clauses.push(`ExecutionStatus != 'Running'`, `ExecutionStatus != 'ContinuedAsNew'`);
    if (filter.closedFrom) clauses.push(`CloseTime >= ${quote(`${filter.closedFrom}T00:00:00Z`)}`);
    if (filter.closedTo) clauses.push(`CloseTime < ${quote(`${addDays(filter.closedTo, 1)}T00:00:00Z`)}`);
  }
  return clauses.join(' AND ');
}

export interface ExportOptions {
  out?: string;
  all?: boolean;
  casemanager?: string;
  employer?: string;
  closedFrom?: string;
  closedTo?: string;
  signingKey?: string;
  /** An auditor's X25519 public key (PEM file): the bundle is sealed for it. */
  for?: string;
}

export async function auditExport(caseIds: string[], values: ExportOptions, io: Io): Promise<number> {
  const { out } = values;
  if (!out) throw new CliError('--out is required: where to write the bundle');
  const all = values.all === true;
  if (all && caseIds.length) throw new CliError('give case ids or --all, not both');
  if (!all && caseIds.length === 0) throw new CliError('name at least one case id, or --all');
  if (!all && (values.casemanager || values.employer || values.closedFrom || values.closedTo))
    throw new CliError('--casemanager, --employer, --closed-from and --closed-to filter --all');
  for (const id of caseIds) if (!caseIdSchema.safeParse(id).success) throw new CliError(`"${id}" is not a case id`);
  for (const [flag, v] of [
    ['closed-from', values.closedFrom],
    ['closed-to', values.closedTo],
  ] as const) {
    if (v !== undefined && givenDateProblem(v)) throw new CliError(`--${flag}: ${givenDateProblem(v)}`);
  }
  const signingKeyPem = await keyFrom(values.signingKey, 'signing key');
  const sealForPem = await keyFrom(values.for, "the auditor's public key (--for)");
  if (sealForPem) {
    try {
      auditorPublicKey(sealForPem);
    } catch (err) {
      if (err instanceof SealKeyError) throw new CliError(`--for: ${values.for} ${err.message}`);
      throw err;
    }
  }

  const bundle = await withClient(async (client) => {
    let workflowIds: string[];
    if (all) {
      const query = exportQuery(values, searchKeysOf(client.options.loadedDataConverter.payloadCodecs));
      const ids = new Set<string>();
      for await (const execution of client.workflow.list({ query })) ids.add(execution.workflowId);
      workflowIds = [...ids].sort();
      io.stderr.write(`${workflowIds.length} case(s) match\n`);
    } else {
      workflowIds = caseIds.map(caseWorkflowId);
    }
    const codecs = client.options.loadedDataConverter.payloadCodecs;
    try {
      // Written line by line as the histories come: any number of cases in bounded memory.
      return await writeBundleFile(out, (sink) =>
        writeBundle(client, workflowIds, sink, {
          ...(signingKeyPem && { signingKeyPem }),
          ...(sealForPem && { sealForPem }),
          decode: { payloadCodecs: codecs },
          onCase: (done, total) => {
            const width = 30;
            const filled = Math.round((done / Math.max(total, 1)) * width);
            io.stderr.write(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total}`);
          },
        }),
      );
    } catch (err) {
      const e = err as Error;
      // A payload this installation's keys do not open: a sealed bundle would not be readable.
      if (e instanceof KeyringError) throw new CliError(`cannot seal the bundle: ${e.message}`, EXIT_FAILURE);
      if (e.name === 'WorkflowNotFoundError' || /not found/i.test(e.message))
        throw new CliError(`there is no such case: ${e.message}`, EXIT_FAILURE);
      if (/not an Ed25519|PEM|key/i.test(e.message) && signingKeyPem)
        throw new CliError(`the signing key cannot be used: ${e.message}`);
      throw err;
    }
  });
  io.stderr.write('\n');
  const runs = bundle.manifest.cases.reduce((s, c) => s + c.runs.length, 0);
  const sealed = bundle.manifest.sealed;
  io.stdout.write(
    `exported ${bundle.manifest.cases.length} case(s), ${runs} run(s) to ${out}; sha256 ${bundle.manifest.sha256}` +
      `${sealed ? `; sealed for auditor key ${sealed.recipient.slice(0, 16)}…` : ''}` +
      `${bundle.signature ? `; signed with key ${bundle.signature.fingerprint.slice(0, 16)}…` : '; not signed'}\n`,
  );
  return EXIT_OK;
}

type Codecs = () => PayloadCodec[] | Promise<PayloadCodec[]>;

export interface VerifyFlags {
  /** The exporter's Ed25519 public key (PEM file) the signature must match. */
  publicKey?: string;
  /** The auditor's X25519 private key (PEM file) that opens a sealed bundle. */
  auditorKey?: string;
  /** Histories replayed at once (default: one per core, at most eight). */
  threads?: string;
}

/** --threads: a whole number from 1 to 64. */
function replayThreads(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1 || n > 64)
    throw new CliError(`--threads: ${value} is not a whole number from 1 to 64`);
  return n;
}

/** The SDK's log levels for the replay: LOG_LEVEL may ask for more detail or for less, never INFO. */
const SDK_LEVELS: readonly string[] = ['trace', 'debug', 'error', 'fatal', 'silent'];

async function verifyFile(
  path: string,
  flags: VerifyFlags,
  codecs: Codecs,
  onCase?: VerifyOptions['onCase'],
): Promise<VerifyReport> {
  const trustedPublicKeyPem = await keyFrom(flags.publicKey, 'public key');
  // The variable is read here too, so that it opens a bundle wherever the option is not declared.
  const auditorKeyPath = flags.auditorKey ?? process.env[AUDITOR_KEY_ENV];
  const auditorPrivateKeyPem = await keyFrom(auditorKeyPath, 'auditor key');
  const threads = replayThreads(flags.threads);
  const options: VerifyOptions = {
    ...(trustedPublicKeyPem && { trustedPublicKeyPem }),
    ...(onCase && { onCase }),
    ...(threads && { replayThreads: threads }),
  };
  const bundle = await openBundle({ path }, path).catch((err: unknown) => {
    if (err instanceof BundleFormatError) throw new CliError(err.message);
    const code = (err as NodeJS.ErrnoException).code;
    if (code) throw new CliError(`cannot read bundle ${path}: ${code}`);
    throw err;
  });
  if (bundle.manifest.sealed !== undefined) {
    // Its payloads are decrypted inside the seal: the installation's keys are neither needed nor asked for.
    if (auditorPrivateKeyPem) options.auditorPrivateKeyPem = auditorPrivateKeyPem;
  } else {
    // An auditor key has nothing to open here; the bundle is read with the payload keys, as always.
    try {
      options.payloadCodecs = await codecs();
    } catch (err) {
      if (!(err instanceof NoPayloadKeysError)) throw err;
      // Without keys, what needs none is still checked; encrypted content (as the first history's
      // is, in a bundle of an installation with keys) is reported as not read.
      for await (const record of bundle.records()) {
        if (holdsEncryptedPayloads(record.stored?.history)) options.readContent = false;
        break;
      }
    }
  }
  // The replay's workers log their life-cycle at INFO ("Worker state changed", 25 lines on standard
  // error, which a terminal shows before the result): not the auditor's business. The SDK logs
  // warnings and errors only, on standard error, unless LOG_LEVEL asks for debug or trace.
  const requested = process.env.LOG_LEVEL ?? '';
  options.replayLogLevel = SDK_LEVELS.includes(requested) ? requested : 'warn';
  try {
    return await verifyBundle({ path }, options);
  } catch (err) {
    if (err instanceof SealKeyError) throw new CliError(`the auditor key ${auditorKeyPath} ${err.message}`);
    if (err instanceof BundleFormatError) throw new CliError(err.message);
    throw err;
  }
}

const VERDICT: Record<VerifyReport['verdict'], string> = {
  proven: 'OK, signed by a trusted key',
  unproven: `INTEGRITY UNPROVEN: the checks hold, but without a trusted signer anyone could have made this bundle (pin the exporter's key: --public-key or $${PUBLIC_KEY_ENV})`,
  unread:
    'INTACT, CONTENT NOT CHECKED: the digests and the trusted signature hold, but the histories were not read, ' +
    'so nothing the bundle says of the cases was compared with them or replayed',
  failed: 'FAILED',
};

/** What the verifier could read of the histories, when they were not simply there to read. */
function contentLine(report: VerifyReport): string | undefined {
  const c = report.content;
  const key = (fingerprint: string) => `auditor key ${fingerprint.slice(0, 16)}…`;
  if (c.state === 'read') return c.sealedFor ? `content: sealed for ${key(c.sealedFor)}, opened with it` : undefined;
  if (c.state === 'sealed')
    return `content: sealed for ${key(c.sealedFor)}; NOT read or replayed (give its private key: --auditor-key or $${AUDITOR_KEY_ENV})`;
  return (
    "content: the payloads are encrypted with the installation's keys, which are not configured here; " +
    'NOT read or replayed (ask the exporter for a bundle sealed for you: audit export --for)'
  );
}

/** Exit 0 only for a bundle whose integrity is proven; 1 for one unproven or failed. */
const exitFor = (report: VerifyReport) => (report.verdict === 'proven' ? EXIT_OK : EXIT_FAILURE);

export function formatVerifyReport(report: VerifyReport): string {
  const read = report.content.state === 'read';
  return formatSummary(report) + report.cases.map((c) => formatCase(c, read)).join('');
}

/** The bundle's verdict, signature, workflow code and problems: what comes first. */
function formatSummary(report: VerifyReport): string {
  const lines: string[] = [];
  const s = report.signature;
  lines.push(
    `bundle: ${VERDICT[report.verdict]}; exported ${report.manifest.exportedAt} by ${report.manifest.project?.name} ${report.manifest.project?.version}`,
  );
  lines.push(
    `signature: ${s.state === 'valid' ? `valid (key ${s.fingerprint.slice(0, 16)}…${s.trusted ? ', trusted' : ', NOT pinned: pass --public-key'})` : s.state === 'unsigned' ? 'none' : `INVALID: ${s.reason}`}`,
  );
  lines.push(
    `workflow code: exported ${report.workflowCode.exported}${report.workflowCode.current ? `, current ${report.workflowCode.same ? 'the same' : report.workflowCode.current}` : ''}`,
  );
  const content = contentLine(report);
  if (content) lines.push(content);
  for (const p of report.problems) lines.push(`  problem: ${p}`);
  return `${lines.join('\n')}\n`;
}

/** One case: its checks and, when its histories were read, its timeline. */
function formatCase(c: CaseCheck, read: boolean): string {
  const lines: string[] = [''];
  lines.push(
    `case ${c.caseId} (${c.workflowId}): ${c.intact ? 'intact' : 'NOT INTACT'}, ${!read ? 'content not read' : c.replaysCleanly ? 'replays cleanly' : 'DOES NOT REPLAY CLEANLY'}, ${c.runs.length} run(s)`,
  );
  for (const p of c.problems) lines.push(`  problem: ${p}`);
  const d = c.derived;
  if (d) {
    lines.push(
      `  status ${d.status}${d.closedReason ? ` (${d.closedReason})` : ''}; first sick day ${d.firstSickDay}; waiting time ends ${d.calendar.waitingTimeEnds}; judged on ${d.asOf}`,
    );
    lines.push('  obligation                     due         done        late  reminders  escalations');
    for (const o of d.obligations) {
      if (o.status === 'not-applicable' && !o.doneOn) continue;
      lines.push(
        `  ${(o.round ? `${o.id} (${o.round})` : o.id).padEnd(30)} ${o.due}  ${(o.doneOn ?? '-').padEnd(10)}  ${String(o.daysLate || '').padStart(4)}  ${String(o.reminders.length).padStart(9)}  ${String(o.escalations.length).padStart(11)}` +
          (o.postponement ? `  (postponed from ${o.postponement.originalDue}: ${o.postponement.reason})` : ''),
      );
    }
    lines.push('  events:');
    for (const e of d.events) lines.push(`    ${e.at}  ${e.type.padEnd(28)} by ${e.actor}`);
    lines.push(
      `  on time (SIVI): ${onTime(d)
        .map((o) => `${o.label}: ${o.value}`)
        .join('; ')}`,
    );
  }
  return `${lines.join('\n')}\n`;
}

/**
 * Verifies a bundle and writes what it found: the verdict first, then every case. The cases are
 * written to a private temporary file as they are verified (a bundle of 50,000 cases does not fit
 * in memory with its timelines) and copied after the verdict, which is known only at the end.
 */
export async function auditVerify(
  bundle: string,
  values: VerifyFlags & { json?: boolean },
  io: Io,
  codecs: Codecs,
): Promise<number> {
  const dir = await mkdtemp(join(tmpdir(), 'poortwachter-verify-'));
  const spool = join(dir, 'cases');
  const out = createWriteStream(spool, { mode: 0o600 });
  const spoolError = new Promise<never>((_, reject) => out.once('error', reject));
  spoolError.catch(() => {});
  try {
    let first = true;
    const report = await verifyFile(bundle, values, codecs, async (check, content) => {
      const text = values.json
        ? `${first ? '' : ',\n'}${JSON.stringify(check, null, 2).replace(/^/gm, '    ')}`
        : formatCase(check, content.state === 'read');
      first = false;
      if (!out.write(text)) await Promise.race([once(out, 'drain'), spoolError]);
    });
    out.end();
    await Promise.race([once(out, 'finish'), spoolError]);
    if (values.json) {
      const { cases: _cases, ...summary } = report;
      const head = JSON.stringify(summary, null, 2).replace(/\n}$/, ',\n  "cases": [\n');
      io.stdout.write(head);
      await pipeline(createReadStream(spool), io.stdout, { end: false });
      io.stdout.write(`${first ? '' : '\n'}  ]\n}\n`);
    } else {
      io.stdout.write(formatSummary(report));
      await pipeline(createReadStream(spool), io.stdout, { end: false });
    }
    return exitFor(report);
  } finally {
    out.destroy();
    await rm(dir, { recursive: true, force: true });
  }
}

export async function auditReport(
  bundle: string,
  values: VerifyFlags & { html?: string },
  io: Io,
  codecs: Codecs,
): Promise<number> {
  const { html } = values;
  if (!html) throw new CliError('--html is required: where to write the report');
  const report = await verifyFile(bundle, values, codecs);
  // Names, e-mail addresses and notes: for its owner's eyes (and whom they give it to) only.
  await writePrivateFile(html, renderReport(report), 'the report');
  io.stdout.write(`wrote ${html}: ${report.cases.length} case(s); bundle ${VERDICT[report.verdict]}\n`);
  return exitFor(report);
}

export async function auditKeygen(
  values: { privateKey?: string; publicKey?: string; auditor?: boolean },
  io: Io,
): Promise<number> {
  const { privateKey: priv, publicKey: pub } = values;
  if (!priv || !pub) throw new CliError('--private-key and --public-key are required: the files to write');
  const { privateKeyPem, publicKeyPem } = values.auditor ? generateAuditorKeys() : generateSigningKeys();
  try {
    await writeFile(priv, privateKeyPem, { flag: 'wx', mode: 0o600 });
    await chmod(priv, 0o600);
    await writeFile(pub, publicKeyPem, { flag: 'wx' });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new CliError(
      code === 'EEXIST' ? `will not overwrite an existing key file (${(err as Error).message})` : String(err),
    );
  }
  io.stdout.write(
    values.auditor
      ? `wrote ${priv} (the auditor's private key, keep it secret: it opens the bundles sealed for it; --auditor-key or ${AUDITOR_KEY_ENV}=${priv}) and ${pub} (give it to the exporter: audit export --for ${pub})\n`
      : `wrote ${priv} (private, keep it secret; ${SIGNING_KEY_ENV}=${priv}) and ${pub} (give it to auditors; ${PUBLIC_KEY_ENV}=${pub})\n`,
  );
  return EXIT_OK;
}

/**
 * `poortwachter audit <args>`, reading payloads with `options.payloadCodecs` (by default the
 * configured keys); errors are thrown (usage errors as CliError), not written.
 */
export function createAuditCommand(options: AuditCommandOptions = {}) {
  return (args: string[], io: Io): Promise<number> =>
    runCommand(['audit'], args, io, {
      rethrow: true,
      ...(options.payloadCodecs && { auditPayloadCodecs: options.payloadCodecs }),
    });
}
