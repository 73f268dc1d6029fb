// `poortwachter case open|record|show|list|import`: the case commands, thin on top of client/cases.ts.
// Their arguments and options are in program.ts; an event's flags in event-flags.ts.
import { loadMedicalTerms, MedicalTermsError } from '../runtime/medical-terms-config.js';
import type { MedicalTermList } from '../workflows/medical-terms.js';
import { randomUUID } from 'node:crypto';
import { userInfo } from 'node:os';
import {
  DuplicateCaseError,
  EventNotAllowedError,
  InvalidEventError,
  InvalidInputError,
  UnknownCaseError,
  getCase,
  listCases,
  openCase,
  checkEvent,
  parseOpenCase,
  recordEvent,
  type CaseClientOptions,
  type CaseListFilter,
} from '../client/cases.js';
import {
  checkImportId,
  ImportError,
  ImportMismatchError,
  importEntry,
  startImport,
  waitForImport,
  type ImportStatus,
} from '../client/import.js';
import type { CaseView } from '../workflows/case-api.js';
import { configOrExit, withClient } from './connect.js';
import { CliError, EXIT_FAILURE, EXIT_OK, EXIT_USAGE, readJsonInput, type Io } from './io.js';
import { formatCalendar } from './calendar.js';
import { formatTable } from './table.js';

/** Case errors as exit codes: the input itself is wrong (2), or the case refuses it (1). */
function toCliError(err: unknown): unknown {
  if (err instanceof InvalidInputError || err instanceof InvalidEventError || err instanceof ImportMismatchError)
    return new CliError(err.message, EXIT_USAGE);
  if (err instanceof ImportError) return new CliError(err.message, EXIT_FAILURE);
  if (err instanceof DuplicateCaseError || err instanceof UnknownCaseError || err instanceof EventNotAllowedError) {
    return new CliError(err.message, EXIT_FAILURE);
  }
  return err;
}

/** The configured medical-terms screen; a mistake in its file is bad input (exit 2). */
function medicalTermsOrExit(file: string | undefined): MedicalTermList {
  try {
    return loadMedicalTerms(file);
  } catch (err) {
    if (err instanceof MedicalTermsError) throw new CliError(err.message, EXIT_USAGE);
    throw err;
  }
}

async function withCases<T>(work: (cases: CaseClientOptions) => Promise<T>): Promise<T> {
  return withClient(async (client, config) => {
    try {
      return await work({
        client,
        taskQueue: config.taskQueue,
        medicalTerms: medicalTermsOrExit(config.medicalTermsFile),
      });
    } catch (err) {
      throw toCliError(err);
    }
  });
}

/** Runs a check of the client library without a server: its refusal becomes the CLI's. */
function validateOffline(check: () => unknown): void {
  try {
    check();
  } catch (err) {
    throw toCliError(err);
  }
}

/**
 * Who acts through the CLI, as the timeline shows it: `cli:<name>`, the name from --actor,
 * $POORTWACHTER_ACTOR or the user's login. The prefix says the door: the CLI talks to Temporal
 * directly, so the name is the operator's word, not an identity the service checked.
 */
function cliActor(name?: string): string {
  let user = name ?? process.env.POORTWACHTER_ACTOR;
  if (!user) {
    try {
      user = userInfo().username;
    } catch {
      user = 'onbekend';
    }
  }
  return user.startsWith('cli:') ? user : `cli:${user}`;
}

// --- record --------------------------------------------------------------------------------------

/**
 * Records `event` (its type and the fields given as flags) on a case, or with `file` the event's
 * fields from that JSON file instead. The actor: --actor, else the event's, else the user.
 */
export async function caseRecord(
  caseId: string,
  event: Record<string, unknown>,
  options: { file?: string; actor?: string },
  io: Io,
): Promise<number> {
  if (options.file !== undefined) {
    if (Object.keys(event).length > 1) throw new CliError('use either --file or event flags, not both');
    const fromFile = await readJsonInput(options.file, io);
    if (typeof fromFile !== 'object' || fromFile === null || Array.isArray(fromFile)) {
      throw new CliError(`${options.file} must hold one JSON object (the event)`);
    }
    const { type } = fromFile as { type?: unknown };
    if (type !== undefined && type !== event.type) {
      throw new CliError(`${options.file} holds a ${String(type)} event, not the ${String(event.type)} named here`);
    }
    event = { ...fromFile, type: event.type };
  }
  event.actor = cliActor(options.actor ?? (typeof event.actor === 'string' ? event.actor : undefined));
  // Checked before connecting, so that a wrong field is named even when the server is out of reach.
  validateOffline(() => checkEvent(caseId, event, medicalTermsOrExit(configOrExit().medicalTermsFile)));
  const accepted = await withCases((cases) => recordEvent(cases, caseId, event));
  io.stdout.write(
    `recorded ${String(event.type)} on case ${caseId} at ${accepted.entry.at} (by ${accepted.entry.actor})\n`,
  );
  return EXIT_OK;
}

// --- open and import -----------------------------------------------------------------------------

export interface CaseInputOptions {
  file?: string;
  json?: boolean;
}

export async function caseOpen(values: CaseInputOptions, io: Io): Promise<number> {
  const input = await readJsonInput(values.file, io);
  validateOffline(() => parseOpenCase(input));
  const opened = await withCases((cases) => openCase(cases, input, { openedBy: cliActor() }));
  io.stdout.write(
    values.json ? `${JSON.stringify(opened)}\n` : `opened case ${opened.caseId} (workflow ${opened.workflowId})\n`,
  );
  return EXIT_OK;
}

export interface CaseImportOptions extends CaseInputOptions {
  id?: string;
}

/**
 * Imports a JSON list of cases through an import workflow (client/import.ts): the records are fed to
 * it, the progress bar follows its status, and the report is made from its outcome per record. With
 * `--id` of an import that exists, goes on with it (the same records) instead of starting over.
 */
export async function caseImport(values: CaseImportOptions, io: Io): Promise<number> {
  const input = await readJsonInput(values.file, io);
  if (!Array.isArray(input)) throw new CliError('the import file must hold a JSON list of cases: [ {...}, {...} ]');
  const importId = values.id ?? randomUUID();
  validateOffline(() => checkImportId(importId));
  const progress = (status: ImportStatus) => {
    const done = status.opened + status.refusedCount;
    const width = 30;
    const filled = Math.round((done / Math.max(input.length, 1)) * width);
    io.stderr.write(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${input.length}`);
  };
  io.stderr.write(
    `import ${importId}: ${input.length} records (interrupted? go on with --id ${importId} and the same file)\n`,
  );
  const result = await withCases(async (cases) => {
    await startImport(cases, input, { importId, source: 'cli', onProgress: progress });
    return waitForImport(cases, importId, { onProgress: progress, intervalMs: 250 });
  });
  io.stderr.write('\n');
  const reasons = new Map(result.refused.map((r) => [r.index, r.reason]));
  const opened: string[] = [];
  const refused: { index: number; caseId?: string; reason: string }[] = [];
  for (const [index, record] of input.entries()) {
    const caseId = (record as { caseId?: unknown } | null)?.caseId;
    const outcome = result.outcomes[index];
    if (outcome === 'o') {
      opened.push(caseId as string);
      continue;
    }
    // The import keeps the first 1,000 reasons; the others are found again where they can be.
    const local = importEntry(record);
    const reason =
      reasons.get(index) ??
      ('refused' in local ? local.refused : undefined) ??
      (outcome === 'd' ? `case ${String(caseId)} already exists; it is not opened twice` : 'refused');
    refused.push({ index, ...(typeof caseId === 'string' && { caseId }), reason });
  }
  if (values.json) {
    io.stdout.write(`${JSON.stringify({ opened, refused })}\n`);
  } else {
    io.stdout.write(`opened ${opened.length} of ${input.length} cases; refused ${refused.length}\n`);
    // Counted from 1, as a person counts the records of a file (the JSON output keeps the index).
    for (const r of refused) {
      io.stdout.write(`  record ${r.index + 1}${r.caseId ? ` (${r.caseId})` : ''}: ${r.reason}\n`);
    }
  }
  return refused.length === 0 ? EXIT_OK : EXIT_FAILURE;
}

// --- show and list -------------------------------------------------------------------------------

export function formatCase(view: CaseView): string {
  const c = view.calendar;
  const header = [
    `Case ${view.caseId}: ${view.status}${view.closedReason ? ` (${view.closedReason})` : ''}`,
    `  employee ${view.employee.displayName} (${view.employee.id}), employer ${view.employer.name} (${view.employer.id})`,
    `  casemanager ${view.casemanager.name} <${view.casemanager.email}>`,
  ];
  const timeline = formatTable([
    ['at (UTC)', 'what', 'task', 'due', 'by', 'to'],
    ...view.timeline.map((t) => [
      t.at.slice(0, 16).replace('T', ' '),
      t.kind === 'event' ? (t.event?.type ?? 'event') : t.kind,
      t.task ?? '',
      t.due ?? '',
      t.actor,
      t.recipients?.join(', ') ?? '',
    ]),
  ]);
  const omitted = view.timelineOmitted
    ? [`(${view.timelineOmitted} earlier entries are in the case's history: poortwachter audit export ${view.caseId})`]
    : [];
  return [...header, '', formatCalendar(c, view.asOf), 'Timeline:', ...omitted, timeline, ''].join('\n');
}

export async function caseShow(caseId: string, values: { json?: boolean }, io: Io): Promise<number> {
  const view = await withCases((cases) => getCase(cases, caseId));
  io.stdout.write(values.json ? `${JSON.stringify(view, null, 2)}\n` : formatCase(view));
  return EXIT_OK;
}

export interface CaseListOptions {
  casemanager?: string;
  employer?: string;
  status?: 'open' | 'hersteld' | 'closed';
  overdue?: boolean;
  json?: boolean;
}

export async function caseList(values: CaseListOptions, io: Io): Promise<number> {
  // The list looks a casemanager up by their address (its hash): a name would silently find nothing.
  if (values.casemanager !== undefined && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(values.casemanager)) {
    throw new CliError(
      `--casemanager must be the casemanager's e-mail address, not "${values.casemanager}"`,
      EXIT_USAGE,
    );
  }
  const filter: CaseListFilter = {
    ...(values.casemanager !== undefined && { casemanagerEmail: values.casemanager }),
    ...(values.employer !== undefined && { employerId: values.employer }),
    ...(values.status !== undefined && { status: values.status }),
    ...(values.overdue === true && { overdue: true }),
  };
  const cases = await withCases((c) => listCases(c, filter));
  if (values.json) {
    io.stdout.write(`${JSON.stringify(cases)}\n`);
  } else if (cases.length === 0) {
    io.stdout.write('no cases match\n');
  } else {
    io.stdout.write(
      `${formatTable([
        ['case', 'status', 'employer', 'next deadline', 'overdue'],
        ...cases.map((c) => [c.caseId, c.status, c.employerId ?? '', c.nextDeadline ?? '', String(c.overdueTasks)]),
      ])}\n`,
    );
  }
  return EXIT_OK;
}
