// `poortwachter audit export|verify|report|keygen`: tamper-evident bundles of case histories, their
// verification (digests, signature, replay against the current workflow code) and an HTML report.
import { chmod, readFile, writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import type { PayloadCodec } from '@temporalio/common';
import { exportBundle, generateSigningKeys, serializeBundle } from '../client/audit/bundle.js';
import { renderReport } from '../client/audit/report.js';
import { onTime } from '../client/audit/history.js';
import { BundleFormatError, verifyBundle, type VerifyReport } from '../client/audit/verify.js';
import { casemanagerKey, caseIdSchema, caseWorkflowId } from '../workflows/case-model.js';
import { isValidIsoDate } from '../workflows/calendar/index.js';
import { withClient } from './connect.js';
import { CliError, EXIT_FAILURE, EXIT_OK, EXIT_USAGE, type Io } from './io.js';

export const SIGNING_KEY_ENV = 'POORTWACHTER_AUDIT_SIGNING_KEY';
export const PUBLIC_KEY_ENV = 'POORTWACHTER_AUDIT_PUBLIC_KEY';

const USAGE = `Usage:
  poortwachter audit export <case-id> [<case-id> ...] --out bundle.json [--signing-key key.pem]
  poortwachter audit export --all [--casemanager e-mail] [--employer id] [--closed-from YYYY-MM-DD]
                             [--closed-to YYYY-MM-DD] --out bundle.json [--signing-key key.pem]
  poortwachter audit verify bundle.json [--public-key public.pem] [--json]
  poortwachter audit report bundle.json --html report.html [--public-key public.pem]
  poortwachter audit keygen --private-key audit-signing-key.pem --public-key audit-public-key.pem

The signing key (Ed25519, PEM) is taken from --signing-key or $${SIGNING_KEY_ENV} (a file path);
the public key verify trusts from --public-key or $${PUBLIC_KEY_ENV}. Without a trusted public key a
signature is only checked against the key inside the bundle, which proves nothing about who signed.
Exit codes: 0 everything holds, 1 a check failed, 2 bad input.
`;

export interface AuditCommandOptions {
  /** Codecs of encrypted payloads, to read histories (verify, report). Export uses the client's. */
  payloadCodecs?: () => PayloadCodec[] | Promise<PayloadCodec[]>;
}

type OptionSpec = NonNullable<NonNullable<Parameters<typeof parseArgs>[0]>['options']>;

function parse(args: string[], options: OptionSpec) {
  try {
    return parseArgs({ args, options, strict: true, allowPositionals: true });
  } catch (err) {
    throw new CliError(`${(err as Error).message}\n\n${USAGE}`);
  }
}

async function readText(path: string, what: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    throw new CliError(`cannot read ${what} ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
}

async function keyFrom(flag: unknown, env: string, what: string): Promise<string | undefined> {
  const path = (flag as string | undefined) ?? process.env[env];
  if (!path) return undefined;
  const pem = await readText(path, what);
  if (!pem.includes('-----BEGIN')) throw new CliError(`${what} ${path} is not a PEM file`);
  return pem;
}

const quote = (value: string) => `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

/** The visibility query of `export --all`. Closed: the case's last run ended (not continued as new). */
export function exportQuery(filter: {
  casemanager?: string;
  employer?: string;
  closedFrom?: string;
  closedTo?: string;
}): string {
  const clauses = [`WorkflowType = 'caseWorkflow'`];
  if (filter.casemanager) clauses.push(`CasemanagerId = ${quote(casemanagerKey(filter.casemanager))}`);
  if (filter.employer) clauses.push(`EmployerId = ${quote(filter.employer)}`);
  if (filter.closedFrom || filter.closedTo) {
    clauses.push(`ExecutionStatus != 'Running'`, `ExecutionStatus != 'ContinuedAsNew'`);
    if (filter.closedFrom) clauses.push(`CloseTime >= ${quote(`${filter.closedFrom}T00:00:00Z`)}`);
    if (filter.closedTo) clauses.push(`CloseTime < ${quote(`${nextDay(filter.closedTo)}T00:00:00Z`)}`);
  }
  return clauses.join(' AND ');
}

function nextDay(date: string): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
}

async function exportCommand(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(args, {
    out: { type: 'string' },
    all: { type: 'boolean' },
    casemanager: { type: 'string' },
    employer: { type: 'string' },
    'closed-from': { type: 'string' },
    'closed-to': { type: 'string' },
    'signing-key': { type: 'string' },
  });
  const out = values.out as string | undefined;
  if (!out) throw new CliError(`--out is required: where to write the bundle\n\n${USAGE}`);
  const all = values.all === true;
  if (all && positionals.length) throw new CliError('give case ids or --all, not both');
  if (!all && positionals.length === 0) throw new CliError(`name at least one case id, or --all\n\n${USAGE}`);
  if (!all && (values.casemanager || values.employer || values['closed-from'] || values['closed-to']))
    throw new CliError('--casemanager, --employer, --closed-from and --closed-to filter --all');
  for (const id of positionals) if (!caseIdSchema.safeParse(id).success) throw new CliError(`"${id}" is not a case id`);
  for (const flag of ['closed-from', 'closed-to'] as const) {
    const v = values[flag] as string | undefined;
    if (v !== undefined && !isValidIsoDate(v)) throw new CliError(`--${flag} must be a date YYYY-MM-DD, got "${v}"`);
  }
  const signingKeyPem = await keyFrom(values['signing-key'], SIGNING_KEY_ENV, 'signing key');

  const bundle = await withClient(async (client) => {
    let workflowIds: string[];
    if (all) {
      const query = exportQuery({
        casemanager: values.casemanager as string | undefined,
        employer: values.employer as string | undefined,
        closedFrom: values['closed-from'] as string | undefined,
        closedTo: values['closed-to'] as string | undefined,
      });
      const ids = new Set<string>();
      for await (const execution of client.workflow.list({ query })) ids.add(execution.workflowId);
      workflowIds = [...ids].sort();
      io.stderr.write(`${workflowIds.length} case(s) match\n`);
    } else {
      workflowIds = positionals.map(caseWorkflowId);
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

async function verifyFile(path: string, publicKeyFlag: unknown, options: AuditCommandOptions): Promise<VerifyReport> {
  const text = await readText(path, 'bundle');
  const trustedPublicKeyPem = await keyFrom(publicKeyFlag, PUBLIC_KEY_ENV, 'public key');
  const payloadCodecs = options.payloadCodecs ? await options.payloadCodecs() : undefined;
  try {
    return await verifyBundle(text, {
      ...(trustedPublicKeyPem && { trustedPublicKeyPem }),
      ...(payloadCodecs && { payloadCodecs }),
    });
  } catch (err) {
    if (err instanceof BundleFormatError) throw new CliError(err.message.replace('the bundle', path));
    throw err;
  }
}

export function formatVerifyReport(report: VerifyReport): string {
  const lines: string[] = [];
  const s = report.signature;
  lines.push(
    `bundle: ${report.ok ? 'OK' : 'FAILED'}; exported ${report.manifest.exportedAt} by ${report.manifest.project?.name} ${report.manifest.project?.version}`,
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
        `  ${o.id.padEnd(30)} ${o.due}  ${(o.doneOn ?? '-').padEnd(10)}  ${String(o.daysLate || '').padStart(4)}  ${String(o.reminders.length).padStart(9)}  ${String(o.escalations.length).padStart(11)}` +
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

async function verifyCommand(args: string[], io: Io, options: AuditCommandOptions): Promise<number> {
  const { values, positionals } = parse(args, { 'public-key': { type: 'string' }, json: { type: 'boolean' } });
  if (positionals.length !== 1) throw new CliError(`name one bundle file\n\n${USAGE}`);
  const report = await verifyFile(positionals[0]!, values['public-key'], options);
  io.stdout.write(values.json ? `${JSON.stringify(report, null, 2)}\n` : formatVerifyReport(report));
  return report.ok ? EXIT_OK : EXIT_FAILURE;
}

async function reportCommand(args: string[], io: Io, options: AuditCommandOptions): Promise<number> {
  const { values, positionals } = parse(args, { html: { type: 'string' }, 'public-key': { type: 'string' } });
  if (positionals.length !== 1) throw new CliError(`name one bundle file\n\n${USAGE}`);
  const html = values.html as string | undefined;
  if (!html) throw new CliError(`--html is required: where to write the report\n\n${USAGE}`);
  const report = await verifyFile(positionals[0]!, values['public-key'], options);
  await writeFile(html, renderReport(report));
  io.stdout.write(
    `wrote ${html}: ${report.cases.length} case(s); bundle ${report.ok ? 'OK' : 'FAILED verification'}\n`,
  );
  return report.ok ? EXIT_OK : EXIT_FAILURE;
}

async function keygenCommand(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(args, { 'private-key': { type: 'string' }, 'public-key': { type: 'string' } });
  if (positionals.length) throw new CliError(`keygen takes no arguments\n\n${USAGE}`);
  const priv = values['private-key'] as string | undefined;
  const pub = values['public-key'] as string | undefined;
  if (!priv || !pub) throw new CliError(`--private-key and --public-key name the files to write\n\n${USAGE}`);
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

export function createAuditCommand(options: AuditCommandOptions = {}) {
  return async function auditCommand(args: string[], io: Io): Promise<number> {
    const [sub, ...rest] = args;
    switch (sub) {
      case 'export':
        return exportCommand(rest, io);
      case 'verify':
        return verifyCommand(rest, io, options);
      case 'report':
        return reportCommand(rest, io, options);
      case 'keygen':
        return keygenCommand(rest, io);
      case undefined:
      case '--help':
      case '-h':
      case 'help':
        io.stdout.write(USAGE);
        return sub ? EXIT_OK : EXIT_USAGE;
      default:
        io.stderr.write(`poortwachter audit: unknown sub-command "${sub}"\n\n${USAGE}`);
        return EXIT_USAGE;
    }
  };
}

/** `poortwachter audit …` without payload codecs (unencrypted histories). */
export const auditCommand = createAuditCommand();
