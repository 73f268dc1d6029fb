// `poortwachter calendar`: the statutory deadlines of one case, from case facts in JSON.
import { parseArgs } from 'node:util';
import {
  CalendarInputError,
  computeCalendar,
  isoDateProblem,
  parseCaseFacts,
  type CalendarResult,
} from '../workflows/calendar/index.js';
import { CliError, EXIT_OK, EXIT_USAGE, readJsonInput, type Io } from './io.js';
import { formatTable } from './table.js';

const USAGE = `Usage: poortwachter calendar [--file case.json] [--as-of YYYY-MM-DD] [--json]

Reads the case facts as JSON from --file or standard input and prints every obligation of the
case with its due date and status. --as-of judges "overdue" against that date. --json prints one
JSON object instead of a table.
`;

const STATUS_NL: Record<string, string> = {
  open: 'open',
  done: 'gedaan',
  overdue: 'te laat',
  postponed: 'uitgesteld',
  'not-applicable': 'n.v.t.',
};

export function formatCalendar(result: CalendarResult, asOf?: string): string {
  const head = [
    `Regelset:          ${result.ruleset}`,
    `Eerste ziektedag:  ${result.firstSickDay}`,
    `Einde wachttijd:   ${result.waitingTimeEnds}`,
  ];
  if (result.earlierCases)
    head.push(`Eerdere gevallen:  ${result.earlierCases.join(', ')} (herval na 4 weken of meer: nieuw geval)`);
  if (result.closed?.reason === 'hersteld')
    head.push(
      `Hersteld:          laatste ziektedag ${result.closed.lastSickDay}, dossier sluit op ${result.closed.closesOn}`,
    );
  if (result.closed?.reason === 'uit-dienst')
    head.push(`Uit dienst:        ${result.closed.employmentEndedOn}, UWV neemt over`);
  if (asOf) head.push(`Peildatum:         ${asOf}`);

  const rows = [['id', 'taak', 'eigenaar', 'uiterlijk', 'status']];
  for (const m of result.milestones) {
    let status = STATUS_NL[m.status] ?? m.status;
    if (m.doneOn) status += ` ${m.doneOn}`;
    if (m.postponement) status += ` (was ${m.postponement.originalDue})`;
    if (m.from && m.status !== 'done') status += ` (vanaf ${m.from})`;
    rows.push([m.id, m.title, m.owner === 'none' ? '-' : m.owner, m.due, status]);
  }
  return `${head.join('\n')}\n\n${formatTable(rows)}\n`;
}

export async function calendarCommand(args: string[], io: Io): Promise<number> {
  let values: {
    file?: string | undefined;
    'as-of'?: string | undefined;
    json?: boolean | undefined;
    help?: boolean | undefined;
  };
  try {
    ({ values } = parseArgs({
      args,
      options: {
        file: { type: 'string', short: 'f' },
        'as-of': { type: 'string' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    io.stderr.write(`poortwachter calendar: ${(err as Error).message}\n\n${USAGE}`);
    return EXIT_USAGE;
  }
  if (values.help) {
    io.stdout.write(USAGE);
    return EXIT_OK;
  }
  const asOf = values['as-of'];
  if (asOf !== undefined) {
    const problem = isoDateProblem(asOf);
    if (problem) {
      io.stderr.write(`poortwachter calendar: --as-of: ${problem}\n`);
      return EXIT_USAGE;
    }
  }

  let result: CalendarResult;
  try {
    const input = await readJsonInput(values.file, io);
    result = computeCalendar(parseCaseFacts(input), asOf !== undefined ? { asOf } : {});
  } catch (err) {
    if (err instanceof CalendarInputError) {
      io.stderr.write(
        `poortwachter calendar: invalid case facts\n${err.issues.map((i) => `  ${i.path}: ${i.message}\n`).join('')}`,
      );
      return EXIT_USAGE;
    }
    if (err instanceof CliError) {
      io.stderr.write(`poortwachter calendar: ${err.message}\n`);
      return err.exitCode;
    }
    throw err;
  }

  io.stdout.write(values.json ? `${JSON.stringify(result, null, 2)}\n` : formatCalendar(result, asOf));
  return EXIT_OK;
}
