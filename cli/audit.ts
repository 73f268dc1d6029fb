// `poortwachter audit export|verify|report|keygen`: tamper-evident bundles of case histories, their
// verification (digests, signature, replay against the current workflow code) and an HTML report.
import { chmod, readFile, writeFile } from 'node:fs/promises';
import type { PayloadCodec } from '@temporalio/common';
import { pino } from 'pino';
import { exportBundle, generateSigningKeys, serializeBundle } from '../client/audit/bundle.js';
import { renderReport } from '../client/audit/report.js';
import { onTime } from '../client/audit/history.js';
import { BundleFormatError, verifyBundle, type VerifyReport } from '../client/audit/verify.js';
import { caseIdSchema, caseWorkflowId } from '../workflows/case-model.js';
import { casemanagerIds, searchKeysOf, type SearchKeys } from '../runtime/search-keys.js';
import { addDays, givenDateProblem } from '../workflows/calendar/index.js';
import { EncryptionCodec, KeyringError, loadKeyring } from '../runtime/codec.js';
import { ConfigError, loadConfig } from '../runtime/config.js';
import { installRuntime } from '../runtime/sdk-runtime.js';
import { withClient } from './connect.js';
import { CliError, EXIT_FAILURE, EXIT_OK, type Io } from './io.js';
import { PUBLIC_KEY_ENV, runCommand, SIGNING_KEY_ENV } from './program.js';

export { PUBLIC_KEY_ENV, SIGNING_KEY_ENV };

export interface AuditCommandOptions {
  /** Codecs of encrypted payloads, to read histories (verify, report). Export uses the client's. */
  payloadCodecs?: () => PayloadCodec[] | Promise<PayloadCodec[]>;
}

/**
 * The codecs of the configured payload keys: verify and report read the payloads of the histories,
 * those from before encryption as they are (no worker takes a payload without the keys any more, so
 * a history holds one only from that time).
 */
export function configuredPayloadCodecs(): PayloadCodec[] {
  try {
    return [new EncryptionCodec(loadKeyring(loadConfig()), 'pass')];
  } catch (err) {
    if (err instanceof ConfigError || err instanceof KeyringError) throw new CliError(err.message);
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
      return await exportBundle(client, workflowIds, {
        ...(signingKeyPem && { signingKeyPem }),
        decode: { payloadCodecs: codecs },
        onCase: (done, total) => {
          const width = 30;
          const filled = Math.round((done / Math.max(total, 1)) * width);
          io.stderr.write(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total}`);
        },
      });
    } catch (err) {
      const e = err as Error;
      if (e.name === 'WorkflowNotFoundError' || /not found/i.test(e.message))
        throw new CliError(`there is no such case: ${e.message}`, EXIT_FAILURE);
      if (/not an Ed25519|PEM|key/i.test(e.message) && signingKeyPem)
        throw new CliError(`the signing key cannot be used: ${e.message}`);
      throw err;
    }
  });
  io.stderr.write('\n');
  await writeFile(out, serializeBundle(bundle));
  const runs = bundle.manifest.cases.reduce((s, c) => s + c.runs.length, 0);
  io.stdout.write(
    `exported ${bundle.manifest.cases.length} case(s), ${runs} run(s) to ${out}; sha256 ${bundle.manifest.sha256}` +
      `${bundle.signature ? `; signed with key ${bundle.signature.fingerprint.slice(0, 16)}…` : '; not signed'}\n`,
  );
  return EXIT_OK;
}

type Codecs = () => PayloadCodec[] | Promise<PayloadCodec[]>;

async function verifyFile(path: string, publicKey: string | undefined, codecs: Codecs): Promise<VerifyReport> {
  const text = await readText(path, 'bundle');
  const trustedPublicKeyPem = await keyFrom(publicKey, 'public key');
  const payloadCodecs = await codecs();
  // The replay runs a worker: its life-cycle logs are not the auditor's business (LOG_LEVEL to see them).
  installRuntime(pino({ level: process.env.LOG_LEVEL ?? 'warn' }, pino.destination(2)));
  try {
    return await verifyBundle(text, {
      ...(trustedPublicKeyPem && { trustedPublicKeyPem }),
      payloadCodecs,
    });
  } catch (err) {
    if (err instanceof BundleFormatError) throw new CliError(err.message.replace('the bundle', path));
    throw err;
  }
}

const VERDICT: Record<VerifyReport['verdict'], string> = {
  proven: 'OK, signed by a trusted key',
  unproven: `INTEGRITY UNPROVEN: the checks hold, but without a trusted signer anyone could have made this bundle (pin the exporter's key: --public-key or $${PUBLIC_KEY_ENV})`,
  failed: 'FAILED',
};

/** Exit 0 only for a bundle whose integrity is proven; 1 for one unproven or failed. */
const exitFor = (report: VerifyReport) => (report.verdict === 'proven' ? EXIT_OK : EXIT_FAILURE);

export function formatVerifyReport(report: VerifyReport): string {
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
  for (const p of report.problems) lines.push(`  problem: ${p}`);
  for (const c of report.cases) {
    lines.push('');
    lines.push(
      `case ${c.caseId} (${c.workflowId}): ${c.intact ? 'intact' : 'NOT INTACT'}, ${c.replaysCleanly ? 'replays cleanly' : 'DOES NOT REPLAY CLEANLY'}, ${c.runs.length} run(s)`,
    );
    for (const p of c.problems) lines.push(`  problem: ${p}`);
    const d = c.derived;
    if (!d) continue;
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

export async function auditVerify(
  bundle: string,
  values: { publicKey?: string; json?: boolean },
  io: Io,
  codecs: Codecs,
): Promise<number> {
  const report = await verifyFile(bundle, values.publicKey, codecs);
  io.stdout.write(values.json ? `${JSON.stringify(report, null, 2)}\n` : formatVerifyReport(report));
  return exitFor(report);
}

export async function auditReport(
  bundle: string,
  values: { html?: string; publicKey?: string },
  io: Io,
  codecs: Codecs,
): Promise<number> {
  const { html } = values;
  if (!html) throw new CliError('--html is required: where to write the report');
  const report = await verifyFile(bundle, values.publicKey, codecs);
  await writeFile(html, renderReport(report));
  io.stdout.write(`wrote ${html}: ${report.cases.length} case(s); bundle ${VERDICT[report.verdict]}\n`);
  return exitFor(report);
}

export async function auditKeygen(values: { privateKey?: string; publicKey?: string }, io: Io): Promise<number> {
  const { privateKey: priv, publicKey: pub } = values;
  if (!priv || !pub) throw new CliError('--private-key and --public-key are required: the files to write');
  const { privateKeyPem, publicKeyPem } = generateSigningKeys();
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
    `wrote ${priv} (private, keep it secret; ${SIGNING_KEY_ENV}=${priv}) and ${pub} (give it to auditors; ${PUBLIC_KEY_ENV}=${pub})\n`,
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
