// `poortwachter simulate`: what a case will do, by running the real workflow on a private
// time-skipping server (see tools/simulate.ts), printed as a timeline and a final state.
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { installRuntime } from '../runtime/sdk-runtime.js';
import { InvalidInputError } from '../client/cases.js';
import { EVENT_HOUR, OPEN_HOUR, parseScenario, simulate, type SimulationResult } from '../tools/simulate.js';
import { CliError, EXIT_OK, EXIT_USAGE, readJsonInput, type Io } from './io.js';
import { formatTable } from './table.js';

const USAGE = `Usage: poortwachter simulate [--file scenario.json] [--json]

Runs the real case workflow and activities on a private time-skipping Temporal test server, with a
local SMTP server that catches the e-mails, for a scenario read from --file or standard input:

  { "case": { ...the input that opens the case... },
    "openOn": "YYYY-MM-DD",           (optional: the day the case is opened; the first sick day by default)
    "events": [ { "on": "YYYY-MM-DD", "type": "task-completed", "task": "ziekmelding", "date": "YYYY-MM-DD" }, ... ],
    "until": "YYYY-MM-DD" }

The case opens at ${String(OPEN_HOUR).padStart(2, '0')}:00 and each event is recorded at ${String(EVENT_HOUR).padStart(2, '0')}:00 Amsterdam time on its "on" date
("actor" defaults to "simulation"). The case lives in the scenario's own dates, past or future:
weekdays, holidays and summer time are the real ones. Prints every reminder, escalation and request
with its time (ISO-8601 UTC) and recipients, the events the case refused, and the state at the end
of "until" (or when the case closed). --json prints one JSON object instead.
`;

function eventDetails(event: Record<string, unknown>): string {
  const fields = Object.entries(event)
    .filter(([key]) => !['type', 'actor', 'task'].includes(key))
    .map(([key, value]) => `${key}=${typeof value === 'object' ? JSON.stringify(value) : String(value)}`);
  return (
    [String(event.type), ...fields].join(' ') + (event.actor === 'simulation' ? '' : ` (by ${String(event.actor)})`)
  );
}

export function formatSimulation(result: SimulationResult): string {
  const { scenario, final } = result;
  const mailOf = new Map(result.emails.map((m) => [m.messageId, m]));
  const head = [
    `Simulation of case ${scenario.caseId} (rule set ${scenario.ruleset})`,
    `First sick day:  ${scenario.firstSickDay}`,
    ...(scenario.openOn !== scenario.firstSickDay ? [`Opened on:       ${scenario.openOn}`] : []),
    `Until:           ${scenario.until} (end of day)`,
    `Times are ISO-8601 UTC in the scenario's own dates; e-mails go out at 08:00 Amsterdam time.`,
  ];

  const rows: { at: string; cells: string[] }[] = result.timeline.map((e) => {
    let details = e.details ?? '';
    if (e.event) details = eventDetails(e.event);
    let recipients = e.recipients?.join(', ') ?? '';
    const mail = e.messageId ? mailOf.get(e.messageId) : undefined;
    if (mail) recipients = [mail.to.join(', '), ...(mail.cc.length ? [`cc ${mail.cc.join(', ')}`] : [])].join('; ');
    if (e.kind === 'deskundigenoordeel-request' || e.kind === 'takeover-summary') {
      recipients = [recipients, details].filter(Boolean).join(' | ');
      details = '';
    }
    return { at: e.at, cells: [e.at, e.kind, e.task ?? '', e.due ?? '', recipients || details] };
  });
  for (const r of result.refused) {
    rows.push({ at: r.at, cells: [r.at, 'REFUSED', '', '', `${r.type}: ${r.refused.replace(/\s*\n\s*/g, '; ')}`] });
  }
  // The timeline is in order already; refused events go in at their moment (stable sort).
  rows.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));

  const sent = result.timeline.filter((e) => e.messageId).length;
  const summary = [
    `E-mails: ${sent} sent by the case, ${result.emails.length} received by the SMTP server` +
      (result.refused.length ? `; ${result.refused.length} event(s) refused` : ''),
  ];

  const finalHead = [
    `Final state on ${final.asOf}: ${final.status}${final.closedReason ? ` (${final.closedReason})` : ''}`,
    `Waiting time ends: ${final.waitingTimeEnds}`,
  ];
  if (final.deskundigenoordeel) {
    const d = final.deskundigenoordeel;
    finalHead.push(
      `Deskundigenoordeel: requested ${d.requestedOn} (${d.because})${d.receivedOn ? `, received ${d.receivedOn}` : ''}`,
    );
  }
  const obligations = [['id', 'owner', 'due', 'status']];
  for (const o of final.obligations) {
    let status: string = o.status;
    if (o.doneOn) status += ` ${o.doneOn}`;
    if (o.originalDue) status += ` (was ${o.originalDue})`;
    if (o.notApplicableBecause) status += ` (${o.notApplicableBecause})`;
    obligations.push([o.id, o.owner === 'none' ? '-' : o.owner, o.due, status]);
  }

  return [
    head.join('\n'),
    formatTable([['time', 'kind', 'task', 'due', 'recipients / details'], ...rows.map((r) => r.cells)]),
    summary.join('\n'),
    `${finalHead.join('\n')}\n\n${formatTable(obligations)}`,
  ]
    .join('\n\n')
    .concat('\n');
}

export async function simulateCommand(args: string[], io: Io): Promise<number> {
  let values: { file?: string | undefined; json?: boolean | undefined; help?: boolean | undefined };
  try {
    ({ values } = parseArgs({
      args,
      options: {
        file: { type: 'string', short: 'f' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    io.stderr.write(`poortwachter simulate: ${(err as Error).message}\n\n${USAGE}`);
    return EXIT_USAGE;
  }
  if (values.help) {
    io.stdout.write(USAGE);
    return EXIT_OK;
  }

  let result: SimulationResult;
  try {
    const input = await readJsonInput(values.file, io);
    parseScenario(input); // a bad scenario is refused before anything starts
    // The SDK's own logs: errors only (LOG_LEVEL to see more), on standard error. The test server
    // makes the SDK warn about server capabilities that do not matter here.
    installRuntime(pino({ level: process.env.LOG_LEVEL ?? 'error' }, pino.destination(2)));
    result = await simulate(input, { log: (line) => io.stderr.write(`poortwachter simulate: ${line}\n`) });
  } catch (err) {
    if (err instanceof InvalidInputError) {
      io.stderr.write(
        `poortwachter simulate: invalid scenario\n${err.issues.map((i) => `  ${i.path}: ${i.message}\n`).join('')}`,
      );
      return EXIT_USAGE;
    }
    if (err instanceof CliError) {
      io.stderr.write(`poortwachter simulate: ${err.message}\n`);
      return err.exitCode;
    }
    throw err;
  }

  io.stdout.write(values.json ? `${JSON.stringify(result, null, 2)}\n` : formatSimulation(result));
  return EXIT_OK;
}
