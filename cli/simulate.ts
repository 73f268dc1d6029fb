// `poortwachter simulate`: what a case will do, by running the real workflow on a private
// time-skipping server (see tools/simulate.ts), printed as a timeline and a final state.
import { configOrExit } from './connect.js';
import { pino } from 'pino';
import type { Config } from '../runtime/config.js';
import { createLogger } from '../runtime/logger.js';
import { installRuntime } from '../runtime/sdk-runtime.js';
import { InvalidInputError } from '../client/cases.js';
import { parseScenario, simulate, type SimulationResult } from '../tools/simulate.js';
import { CliError, EXIT_OK, readJsonInput, type Io } from './io.js';
import { runCommand } from './program.js';
import { formatTable } from './table.js';

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

export interface SimulateOptions {
  file?: string;
  json?: boolean;
}

export async function runSimulation(options: SimulateOptions, io: Io): Promise<number> {
  let result: SimulationResult;
  try {
    const input = await readJsonInput(options.file, io);
    parseScenario(input); // a bad scenario is refused before anything starts
    // The SDK's own logs: errors only (LOG_LEVEL to see more), on standard error. The test server
    // makes the SDK warn about server capabilities that do not matter here.
    installRuntime(
      createLogger(
        { logLevel: (process.env.LOG_LEVEL ?? 'error') as Config['logLevel'], logFormat: 'json' },
        'poortwachter-simulate',
        pino.destination(2),
      ),
    );
    result = await simulate(input, {
      log: (line) => io.stderr.write(`poortwachter simulate: ${line}\n`),
      // The worker's configuration: what production would send (the supervisor in cc, the operations address).
      config: configOrExit(),
    });
  } catch (err) {
    if (err instanceof InvalidInputError) {
      throw new CliError(`invalid scenario\n${err.issues.map((i) => `  ${i.path}: ${i.message}`).join('\n')}`);
    }
    throw err;
  }
  io.stdout.write(options.json ? `${JSON.stringify(result, null, 2)}\n` : formatSimulation(result));
  return EXIT_OK;
}

/** `poortwachter simulate <args>`: errors on standard error, resolves to the exit code. */
export function simulateCommand(args: string[], io: Io): Promise<number> {
  return runCommand(['simulate'], args, io);
}
