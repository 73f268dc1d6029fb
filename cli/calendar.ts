// `poortwachter calendar`: the statutory deadlines of one case, from case facts in JSON.
import {
  amsterdamDate,
  CalendarInputError,
  computeCalendar,
  givenDateProblem,
  parseCaseFacts,
  type CalendarResult,
  type CaseFacts,
} from '../workflows/calendar/index.js';
import { initialFacts, openCaseSchema } from '../workflows/case-model.js';
import { STATUS_NAMES } from '../workflows/calendar/owner-names.js';
import { CliError, EXIT_OK, readJsonInput, type Io } from './io.js';
import { runCommand } from './program.js';
import { formatTable } from './table.js';

const STATUS_NL = STATUS_NAMES.nl;

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

export interface CalendarOptions {
  file?: string;
  asOf?: string;
  json?: boolean;
}

export async function runCalendar(options: CalendarOptions, io: Io): Promise<number> {
  // Judged on today (Amsterdam) unless asked otherwise: a task two months late is late, not open.
  const asOf = options.asOf ?? amsterdamDate(Date.now());
  const problem = givenDateProblem(asOf);
  if (problem) throw new CliError(`--as-of: ${problem}`);
  let result: CalendarResult;
  try {
    const input = await readJsonInput(options.file, io);
    result = computeCalendar(factsOf(input), { asOf });
  } catch (err) {
    if (err instanceof CalendarInputError) {
      throw new CliError(`invalid case facts\n${err.issues.map((i) => `  ${i.path}: ${i.message}`).join('\n')}`);
    }
    throw err;
  }
  io.stdout.write(options.json ? `${JSON.stringify(result, null, 2)}\n` : formatCalendar(result, asOf));
  return EXIT_OK;
}

/**
 * The case facts of the input: a facts document, or the document that opens a case (`case open`
 * takes), whose facts are its first sick day and what it says happened before.
 */
function factsOf(input: unknown): CaseFacts {
  const doc = input as Record<string, unknown> | null;
  if (doc && typeof doc === 'object' && 'caseId' in doc && 'employer' in doc) {
    const parsed = openCaseSchema.safeParse(doc);
    if (!parsed.success) {
      const issues = parsed.error.issues.map((i) => `  ${i.path.join('.') || '(input)'}: ${i.message}`);
      throw new CliError(`invalid case\n${issues.join('\n')}`);
    }
    return initialFacts(parsed.data);
  }
  const facts = parseCaseFacts(input);
  // A first sick day centuries ahead would run the calendar's arithmetic off its end: refused as given.
  const problem = givenDateProblem(facts.firstSickDay);
  if (problem) throw new CliError(`invalid case facts\n  firstSickDay: ${problem}`);
  return facts;
}

/** `poortwachter calendar <args>`: errors on standard error, resolves to the exit code. */
export function calendarCommand(args: string[], io: Io): Promise<number> {
  return runCommand(['calendar'], args, io);
}
