// `poortwachter case open|record|show|list|import`: the case commands, thin on top of client/cases.ts.
import { userInfo } from 'node:os';
import { parseArgs } from 'node:util';
import {
  CaseError,
  DuplicateCaseError,
  EventNotAllowedError,
  InvalidEventError,
  InvalidInputError,
  UnknownCaseError,
  getCase,
  listCases,
  openCase,
  recordEvent,
  type CaseClientOptions,
  type CaseListFilter,
} from '../client/cases.js';
import { CASE_EVENT_TYPES } from '../workflows/case-model.js';
import type { CaseView } from '../workflows/case-api.js';
import { withClient } from './connect.js';
import { CliError, EXIT_FAILURE, EXIT_OK, EXIT_USAGE, readJsonInput, type Io } from './io.js';
import { formatCalendar } from './calendar.js';
import { formatTable } from './table.js';

const USAGE = `Usage:
  poortwachter case open --file case.json            (or the JSON on standard input)
  poortwachter case record <case-id> <event> [--flag value ...] [--file event.json] [--actor who]
  poortwachter case show <case-id> [--json]
  poortwachter case list [--casemanager e-mail] [--employer id] [--status open|hersteld|closed] [--overdue] [--json]
  poortwachter case import --file cases.json         (a JSON list of cases to open)

Events: ${CASE_EVENT_TYPES.join(', ')}
Event flags are the event's fields in kebab-case, e.g.
  poortwachter case record K-1 task-completed --task probleemanalyse --date 2026-02-10
  poortwachter case record K-1 task-postponed --task plan-van-aanpak --new-date 2026-03-20 --reason "..."
  poortwachter case record K-1 employment-ended --date 2026-06-30 --eigenrisicodrager no
`;

/** Case errors as exit codes: the input itself is wrong (2), or the case refuses it (1). */
function toCliError(err: unknown): unknown {
  if (err instanceof InvalidInputError || err instanceof InvalidEventError)
    return new CliError(err.message, EXIT_USAGE);
  if (err instanceof DuplicateCaseError || err instanceof UnknownCaseError || err instanceof EventNotAllowedError) {
    return new CliError(err.message, EXIT_FAILURE);
  }
  return err;
}

async function withCases<T>(work: (cases: CaseClientOptions) => Promise<T>): Promise<T> {
  return withClient(async (client, config) => {
    try {
      return await work({ client, taskQueue: config.taskQueue });
    } catch (err) {
      throw toCliError(err);
    }
  });
}

type OptionSpec = NonNullable<NonNullable<Parameters<typeof parseArgs>[0]>['options']>;

function parse(args: string[], options: OptionSpec, positionals: number) {
  let parsed;
  try {
    parsed = parseArgs({ args, options, strict: true, allowPositionals: true });
  } catch (err) {
    throw new CliError(`${(err as Error).message}\n\n${USAGE}`);
  }
  if (parsed.positionals.length !== positionals) {
    throw new CliError(`expected ${positionals} argument(s), got ${parsed.positionals.length}\n\n${USAGE}`);
  }
  return parsed;
}

function defaultActor(): string {
  if (process.env.POORTWACHTER_ACTOR) return process.env.POORTWACHTER_ACTOR;
  try {
    return userInfo().username;
  } catch {
    return 'cli';
  }
}

// --- record: flags to event fields ---------------------------------------------------------------

const NUMBER_FIELDS = new Set(['weeks', 'workPercentage']);
const BOOLEAN_FIELDS = new Set(['eigenrisicodrager']);

function camel(flag: string): string {
  return flag.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

/** Turns `--new-date 2026-03-01 --weeks 12` into `{ newDate: '2026-03-01', weeks: 12 }`. */
export function eventFromFlags(type: string, flags: string[]): Record<string, unknown> {
  const event: Record<string, unknown> = { type };
  for (let i = 0; i < flags.length; i++) {
    const flag = flags[i]!;
    if (!flag.startsWith('--') || flag.length < 3) throw new CliError(`unexpected argument "${flag}"\n\n${USAGE}`);
    const [name, inline] = flag.slice(2).split(/=(.*)/s, 2) as [string, string | undefined];
    const value = inline ?? flags[++i];
    if (value === undefined) throw new CliError(`--${name} needs a value`);
    const field = camel(name);
    if (field === 'documentUri' || field === 'documentSha256') {
      const document = (event.document ??= {}) as Record<string, string>;
      document[field === 'documentUri' ? 'uri' : 'sha256'] = value;
    } else if (NUMBER_FIELDS.has(field)) {
      const n = Number(value);
      if (!Number.isFinite(n)) throw new CliError(`--${name} must be a number, not "${value}"`);
      event[field] = n;
    } else if (BOOLEAN_FIELDS.has(field)) {
      if (!['yes', 'no', 'true', 'false'].includes(value))
        throw new CliError(`--${name} must be yes or no, not "${value}"`);
      event[field] = value === 'yes' || value === 'true';
    } else {
      event[field] = value;
    }
  }
  return event;
}

async function recordCommand(args: string[], io: Io): Promise<number> {
  const [caseId, type, ...rest] = args;
  if (!caseId || !type) throw new CliError(`case record needs a case id and an event type\n\n${USAGE}`);
  let event: Record<string, unknown>;
  const fileAt = rest.indexOf('--file');
  if (fileAt >= 0) {
    if (rest.length !== 2) throw new CliError('case record: use either --file or event flags, not both');
    const fromFile = await readJsonInput(rest[fileAt + 1], io);
    if (typeof fromFile !== 'object' || fromFile === null || Array.isArray(fromFile)) {
      throw new CliError(`${rest[fileAt + 1]} must hold one JSON object (the event)`);
    }
    event = { type, ...fromFile };
  } else {
    event = eventFromFlags(type, rest);
  }
  event.actor ??= defaultActor();
  const accepted = await withCases((cases) => recordEvent(cases, caseId, event));
  io.stdout.write(`recorded ${type} on case ${caseId} at ${accepted.entry.at} (by ${accepted.entry.actor})\n`);
  return EXIT_OK;
}

// --- open and import -----------------------------------------------------------------------------

async function openCommand(args: string[], io: Io): Promise<number> {
  const { values } = parse(args, { file: { type: 'string' }, json: { type: 'boolean' } }, 0);
  const input = await readJsonInput(values.file as string | undefined, io);
  const opened = await withCases((cases) => openCase(cases, input));
  io.stdout.write(
    values.json ? `${JSON.stringify(opened)}\n` : `opened case ${opened.caseId} (workflow ${opened.workflowId})\n`,
  );
  return EXIT_OK;
}

async function importCommand(args: string[], io: Io): Promise<number> {
  const { values } = parse(args, { file: { type: 'string' }, json: { type: 'boolean' } }, 0);
  const input = await readJsonInput(values.file as string | undefined, io);
  if (!Array.isArray(input)) throw new CliError('the import file must hold a JSON list of cases: [ {...}, {...} ]');
  const opened: string[] = [];
  const refused: { index: number; caseId?: string; reason: string }[] = [];
  const progress = (done: number) => {
    const width = 30;
    const filled = Math.round((done / Math.max(input.length, 1)) * width);
    io.stderr.write(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${input.length}`);
  };
  await withCases(async (cases) => {
    for (const [index, record] of input.entries()) {
      try {
        opened.push((await openCase(cases, record)).caseId);
      } catch (err) {
        if (!(err instanceof CaseError)) throw err;
        const caseId = (record as { caseId?: unknown })?.caseId;
        refused.push({
          index,
          ...(typeof caseId === 'string' && { caseId }),
          reason: err.message.replace(/\n/g, '; '),
        });
      }
      progress(index + 1);
    }
  });
  io.stderr.write('\n');
  if (values.json) {
    io.stdout.write(`${JSON.stringify({ opened, refused })}\n`);
  } else {
    io.stdout.write(`opened ${opened.length} of ${input.length} cases; refused ${refused.length}\n`);
    for (const r of refused) io.stdout.write(`  #${r.index}${r.caseId ? ` (${r.caseId})` : ''}: ${r.reason}\n`);
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
  return [...header, '', formatCalendar(c, view.asOf), 'Timeline:', timeline, ''].join('\n');
}

async function showCommand(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(args, { json: { type: 'boolean' } }, 1);
  const view = await withCases((cases) => getCase(cases, positionals[0]!));
  io.stdout.write(values.json ? `${JSON.stringify(view, null, 2)}\n` : formatCase(view));
  return EXIT_OK;
}

async function listCommand(args: string[], io: Io): Promise<number> {
  const { values } = parse(
    args,
    {
      casemanager: { type: 'string' },
      employer: { type: 'string' },
      status: { type: 'string' },
      overdue: { type: 'boolean' },
      json: { type: 'boolean' },
    },
    0,
  );
  const status = values.status as string | undefined;
  if (status !== undefined && !['open', 'hersteld', 'closed'].includes(status)) {
    throw new CliError(`--status must be open, hersteld or closed, not "${status}"`);
  }
  const filter: CaseListFilter = {
    ...(values.casemanager !== undefined && { casemanagerEmail: values.casemanager as string }),
    ...(values.employer !== undefined && { employerId: values.employer as string }),
    ...(status !== undefined && { status: status as CaseListFilter['status'] & string }),
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

const SUBCOMMANDS: Record<string, (args: string[], io: Io) => Promise<number>> = {
  open: openCommand,
  record: recordCommand,
  show: showCommand,
  list: listCommand,
  import: importCommand,
};

export async function caseCommand(args: string[], io: Io): Promise<number> {
  const [sub, ...rest] = args;
  if (!sub || sub === '--help' || sub === '-h') {
    io.stdout.write(USAGE);
    return sub ? EXIT_OK : EXIT_USAGE;
  }
  const run = SUBCOMMANDS[sub];
  if (!run) throw new CliError(`unknown case command "${sub}"\n\n${USAGE}`);
  return run(rest, io);
}
