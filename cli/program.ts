// The `poortwachter` command tree in one argument library (commander): every command and subcommand
// with its description, arguments and options, `--help` on each, `help <command>`, `--version`,
// suggestions for typos, and errors that name the full command. The actions import their command's
// module only when they run, so that `poortwachter calendar` or a `--help` does not load the Temporal
// worker. Exit codes: 0 success, 1 the command ran and found a problem, 2 bad input or usage.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { WriteStream } from 'node:tty';
import { Command, CommanderError, InvalidArgumentError, Option, type Argument } from 'commander';
import type { PayloadCodec } from '@temporalio/common';
import { projectRoot } from '../runtime/project.js';
// Types only: a command's module is loaded when the command runs.
import type { ExportOptions } from './audit.js';
import type { CalendarOptions } from './calendar.js';
import type { CaseImportOptions, CaseInputOptions, CaseListOptions } from './case.js';
import type { CodecServerOptions } from './codec-server.js';
import type { DigestOptions } from './digest.js';
import type { SimulateOptions } from './simulate.js';
import { eventFlags, flagSummary } from './event-flags.js';
import { CliError, EXIT_FAILURE, EXIT_OK, EXIT_USAGE, processIo, type Io } from './io.js';

export const SIGNING_KEY_ENV = 'POORTWACHTER_AUDIT_SIGNING_KEY';
export const PUBLIC_KEY_ENV = 'POORTWACHTER_AUDIT_PUBLIC_KEY';
export const AUDITOR_KEY_ENV = 'POORTWACHTER_AUDIT_AUDITOR_KEY';

export interface RunOptions {
  /**
   * Throw instead of writing to standard error: the command's own errors as they are, usage errors
   * as a CliError (exit code 2). For callers in this process that run one command (tests).
   */
  rethrow?: boolean;
  /** The codecs that decrypt histories for `audit verify` and `audit report`; by default the configured keys. */
  auditPayloadCodecs?: () => PayloadCodec[] | Promise<PayloadCodec[]>;
  /** Ends `codec-server` (tests); by default it runs until SIGINT or SIGTERM. */
  codecServerStop?: Promise<unknown>;
}

interface RunState {
  io: Io;
  options: RunOptions;
  exitCode: number;
  /** The command whose action runs: its path prefixes the errors the action raises. */
  running?: Command;
}

/** commander's exit (help shown, version shown, or a usage error) on a command of ours. */
class CommandExit extends Error {
  constructor(
    readonly command: Command,
    readonly exit: CommanderError,
  ) {
    super(exit.message);
  }
}

/** For commands outside the tree (an event's flags): the path its errors name, and the hint after a usage error. */
const outside = new WeakMap<Command, { path: string; hint: string }>();

/** `poortwachter case record`: the command path errors are prefixed with. */
function commandPath(command: Command): string {
  const known = outside.get(command);
  if (known) return known.path;
  const names: string[] = [];
  for (let c: Command | null = command; c; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}

function usageHint(command: Command): string {
  const known = outside.get(command);
  if (known) return known.hint;
  return `Usage: ${command.createHelp().commandUsage(command)}\nSee \`${commandPath(command)} --help\`.`;
}

const argumentTerm = (a: Argument) => {
  const name = `${a.name()}${a.variadic ? '...' : ''}`;
  return a.required ? `<${name}>` : `[${name}]`;
};

/** Output to the run's streams, and commander's exits as exceptions (never process.exit). */
function configure(command: Command, state: RunState): Command {
  const width = (stream: Io['stdout']) => ((stream as WriteStream).isTTY ? (stream as WriteStream).columns : 80);
  command
    .configureOutput({
      writeOut: (text) => state.io.stdout.write(text),
      writeErr: (text) => state.io.stderr.write(text),
      outputError: () => {}, // written by run(), which knows the command's path
      getOutHelpWidth: () => width(state.io.stdout),
      getErrHelpWidth: () => width(state.io.stderr),
      getOutHasColors: () => false,
      getErrHasColors: () => false,
    })
    .exitOverride((exit) => {
      throw new CommandExit(command, exit);
    });
  for (const sub of command.commands) configure(sub, state);
  return command;
}

/** Sets an action that records the exit code of `handler`; handlers import their module when they run. */
function act(state: RunState, command: Command, handler: (command: Command) => Promise<number>): Command {
  return command.action(async (...args: unknown[]) => {
    state.exitCode = await handler(args.at(-1) as Command);
  });
}

function version(): string {
  return (JSON.parse(readFileSync(join(projectRoot, 'package.json'), 'utf8')) as { version: string }).version;
}

function parsePort(value: string): number {
  const port = Number(value);
  if (value.trim() === '' || !Number.isInteger(port) || port < 0 || port > 65535)
    throw new InvalidArgumentError('It must be a port number (0 to 65535).');
  return port;
}

const CONFIGURED = 'Configured by environment variables (see docs/operations.md).';

function recordHelp(): string {
  const events = [...eventFlags().values()];
  const width = Math.max(...events.map((e) => e.type.length));
  return [
    '',
    'Events and their fields (`poortwachter case record <case-id> <event> --help`',
    'lists the fields with their types and allowed values):',
    ...events.map((e) => `  ${e.type.padEnd(width)}  ${flagSummary(e)}`),
    '',
    'Every event also takes --actor <who> (default: $POORTWACHTER_ACTOR, else your',
    'user name), and --file <event.json> instead of the field flags. Examples:',
    '  poortwachter case record K-1 task-completed --task probleemanalyse --date 2026-02-10',
    '  poortwachter case record K-1 task-postponed --task plan-van-aanpak \\',
    '    --new-date 2026-03-20 --reason "werknemer op vakantie"',
    '  poortwachter case record K-1 employment-ended --date 2026-06-30 --eigenrisicodrager no',
  ].join('\n');
}

// Options a command needs are checked by the command, not with commander's requiredOption: commander
// reports a missing one before an unknown one, so `--outt` would read "--out not specified" instead
// of "did you mean --out?".
function buildProgram(state: RunState): Command {
  const { io, options } = state;
  const program = new Command('poortwachter')
    .description('Case orchestration for the Dutch Wet verbetering poortwachter on Temporal.')
    .version(version(), '-V, --version', 'print the version')
    .helpOption('-h, --help', 'show this help')
    .helpCommand('help [command...]', 'show the help of a command or subcommand')
    .configureHelp({ subcommandTerm: (c) => [c.name(), ...c.registeredArguments.map(argumentTerm)].join(' ') })
    // Options of a command come after its name (`poortwachter case record` passes an event's flags on).
    .enablePositionalOptions()
    .addHelpText(
      'after',
      '\n`poortwachter <command> --help` shows the options of a command.\n' +
        'Exit codes: 0 success; 1 the command ran and found a problem (refused, unreachable,\n' +
        'a check failed); 2 bad input or usage. Configured by environment variables\n' +
        '(see docs/operations.md).',
    )
    .hook('preAction', (_program, command) => {
      state.running = command;
    });

  // --- case --------------------------------------------------------------------------------------
  const cases = program
    .command('case')
    .summary('open, change, show, list and import cases')
    .description('Open, change, show, list and import cases: one workflow per case on the Temporal server.');

  act(
    state,
    cases
      .command('open')
      .summary('open a case from its JSON (a file or standard input)')
      .description(
        'Open a case from one JSON object: caseId, employer, employee, casemanager, bedrijfsarts, firstSickDay ' +
          'and, for a case taken over, periods and completed tasks.',
      )
      .option('-f, --file <case.json>', 'read the case from this file (default: standard input)')
      .option('--json', 'print the opened case as JSON'),
    async (c) => (await import('./case.js')).caseOpen(c.opts<CaseInputOptions>(), io),
  );

  const record = cases
    .command('record')
    .summary('record an event on a case, its fields as flags')
    .description(
      "Record an event on a case. The event's fields are flags in kebab-case (--new-date for newDate), " +
        'checked by the case schema; `poortwachter case record <case-id> <event> --help` lists them.',
    )
    .argument('<case-id>', 'the case')
    .argument('<event>', 'the event type, one of the events below')
    .usage('<case-id> <event> [--field value ...]')
    // Everything after the case id and the event type is the event's: parsed by the event's own command.
    .passThroughOptions()
    .allowExcessArguments()
    .addHelpText('after', recordHelp);
  act(state, record, async (c) => {
    const [caseId, type] = c.processedArgs as [string, string];
    if (type === '--help' || type === '-h') {
      c.outputHelp();
      return EXIT_OK;
    }
    const { eventCommand, eventFromOptions, knownEventType } = await import('./event-flags.js');
    const flags = knownEventType(type);
    const parser = eventCommand(flags);
    outside.set(parser, {
      path: commandPath(c),
      hint:
        `Usage: ${parser.createHelp().commandUsage(parser)}\n` +
        `The fields of ${type}: ${flags.fields.map((f) => `--${f.flag}`).join(', ')}; also --actor and --file. ` +
        `See \`poortwachter case record <case-id> ${type} --help\`.`,
    });
    configure(parser, state).parse(c.args.slice(2), { from: 'user' });
    const values = parser.opts<{ file?: string; actor?: string }>();
    const event = eventFromOptions(flags, values, parser);
    return (await import('./case.js')).caseRecord(caseId, event, values, io);
  });

  act(
    state,
    cases
      .command('show')
      .summary('show a case: status, deadlines and timeline')
      .description('Show a case: its parties, status, every deadline with its status, and the timeline.')
      .argument('<case-id>', 'the case')
      .option('--json', 'print the whole case record as JSON'),
    async (c) => (await import('./case.js')).caseShow(c.processedArgs[0] as string, c.opts(), io),
  );

  act(
    state,
    cases
      .command('list')
      .summary('list cases by casemanager, employer, status, overdue')
      .description('List cases with their status, employer, next deadline and number of overdue tasks.')
      .option('--casemanager <e-mail>', "only this casemanager's cases")
      .option('--employer <id>', "only this employer's cases")
      .addOption(new Option('--status <status>', 'only cases with this status').choices(['open', 'hersteld', 'closed']))
      .option('--overdue', 'only cases with an overdue task')
      .option('--json', 'print the list as JSON'),
    async (c) => (await import('./case.js')).caseList(c.opts<CaseListOptions>(), io),
  );

  act(
    state,
    cases
      .command('import')
      .summary('open the cases of a JSON list, reporting the refused')
      .description(
        'Open the cases of a JSON list ([ {...}, {...} ], each as for `case open`). The import runs as a ' +
          'workflow of its own on the server (import-<id>): it opens the cases, the command feeds it the ' +
          'records and shows its progress. A refused record (also a case id that exists) is reported and ' +
          'the import goes on; exit code 1 if any was refused. Interrupted? Run the command again with ' +
          '--id and the same file: the import goes on where it was, no case is opened twice.',
      )
      .option('-f, --file <cases.json>', 'read the list from this file (default: standard input)')
      .option('--id <import-id>', 'the import id: go on with (or attach to) that import; default: a new one')
      .option('--json', 'print the opened and the refused cases as JSON'),
    async (c) => (await import('./case.js')).caseImport(c.opts<CaseImportOptions>(), io),
  );

  // --- calendar, simulate, digest ----------------------------------------------------------------
  act(
    state,
    program
      .command('calendar')
      .summary('compute the deadlines of a case (pure, no server needed)')
      .description(
        'Read the case facts (or the document that opens a case) as JSON and print every obligation of the case with its due date and status.',
      )
      .option('-f, --file <case.json>', 'read the case facts from this file (default: standard input)')
      .option('--as-of <YYYY-MM-DD>', 'judge "overdue" against this date (default: today, Amsterdam)')
      .option('--json', 'print one JSON object instead of a table'),
    async (c) => (await import('./calendar.js')).runCalendar(c.opts<CalendarOptions>(), io),
  );

  act(
    state,
    program
      .command('simulate')
      .summary('what-if: run a scenario on a private time-skipping server')
      .description(
        'Run the real case workflow and activities on a private time-skipping Temporal\n' +
          'test server, with a local SMTP server that catches the e-mails, for a scenario\n' +
          '(docs/examples/scenario.json):\n\n' +
          '  { "case": { ...the input that opens the case... },\n' +
          '    "openOn": "YYYY-MM-DD",   (optional; by default the first sick day)\n' +
          '    "events": [ { "on": "YYYY-MM-DD", "type": "note", "text": "..." }, ... ],\n' +
          '    "until": "YYYY-MM-DD" }\n\n' +
          'The case opens, and each event is recorded, in the morning (Amsterdam time) of\n' +
          'its date ("actor" defaults to "simulation"), in the scenario\'s own dates, past\n' +
          'or future. Prints every reminder, escalation and request with its time\n' +
          '(ISO-8601 UTC) and recipients, the events the case refused, and the state at\n' +
          'the end of "until" (or when the case closed).',
      )
      .option('-f, --file <scenario.json>', 'read the scenario from this file (default: standard input)')
      .option('--json', 'print one JSON object instead of the timeline and tables'),
    async (c) => (await import('./simulate.js')).runSimulation(c.opts<SimulateOptions>(), io),
  );

  act(
    state,
    program
      .command('digest')
      .summary("send a casemanager's daily digest now (or --dry-run)")
      .description(
        "Send a casemanager's digest now: overdue tasks and tasks due in the next 10 working days, across all " +
          'their open cases; the same digest the 08:00 schedule sends on working days, at most once a day.',
      )
      .option('--casemanager <e-mail>', 'the casemanager whose digest it is (required)')
      .option('--date <YYYY-MM-DD>', 'the day of the digest (default: today in Amsterdam)')
      .option('--dry-run', 'print the digest instead of sending it'),
    async (c) => (await import('./digest.js')).runDigest(c.opts<DigestOptions>(), io),
  );

  // --- audit -------------------------------------------------------------------------------------
  const audit = program
    .command('audit')
    .summary('export, verify and report case histories for auditors')
    .description(
      'Tamper-evident bundles of case histories for auditors: export, verify (digests, signature, replay ' +
        'against the current workflow code), an HTML report, and the signing keys.',
    )
    .addHelpText(
      'after',
      `\nWithout a trusted public key (--public-key or $${PUBLIC_KEY_ENV})\n` +
        'a signature is only checked against the key inside the bundle, which proves\n' +
        'nothing about who signed. Exit codes: 0 everything holds, 1 a check failed,\n' +
        '2 bad input.',
    );
  const codecs = async () => options.auditPayloadCodecs ?? (await import('./audit.js')).configuredPayloadCodecs;

  act(
    state,
    audit
      .command('export')
      .summary('write a bundle of case histories (named, or --all)')
      .description('Write a bundle of the histories of the named cases, or of all cases that match the filters.')
      .argument('[case-ids...]', 'the cases to export (or --all)')
      .option('--out <bundle.json>', 'where to write the bundle (required)')
      .option('--all', 'every case that matches the filters below, instead of named cases')
      .option('--casemanager <e-mail>', "with --all: only this casemanager's cases")
      .option('--employer <id>', "with --all: only this employer's cases")
      .option('--closed-from <YYYY-MM-DD>', 'with --all: only cases closed on or after this day')
      .option('--closed-to <YYYY-MM-DD>', 'with --all: only cases closed on or before this day')
      .addOption(
        new Option('--signing-key <key.pem>', 'sign the bundle with this Ed25519 private key (PEM)').env(
          SIGNING_KEY_ENV,
        ),
      )
      .option(
        '--for <auditor.pub.pem>',
        "seal the bundle for this auditor's X25519 public key (PEM): readable with their private key alone",
      ),
    async (c) => (await import('./audit.js')).auditExport(c.processedArgs[0] as string[], c.opts<ExportOptions>(), io),
  );

  act(
    state,
    audit
      .command('verify')
      .summary('check a bundle: digests, signature, replay')
      .description(
        'Check a bundle: the digests of its histories, its signature, and a replay of every history against ' +
          'the current workflow code; prints what each case shows. Exit code 1 if a check failed.',
      )
      .argument('<bundle>', 'the bundle file')
      .addOption(
        new Option('--public-key <public.pem>', 'the public key the signature must match (PEM)').env(PUBLIC_KEY_ENV),
      )
      .addOption(
        new Option(
          '--auditor-key <auditor.pem>',
          "the auditor's X25519 private key (PEM) that opens a sealed bundle",
        ).env(AUDITOR_KEY_ENV),
      )
      .option('--json', 'print the verification report as JSON')
      .option('--threads <n>', 'histories replayed at once, one thread each (default: one per core, at most 8)'),
    async (c) => (await import('./audit.js')).auditVerify(c.processedArgs[0] as string, c.opts(), io, await codecs()),
  );

  act(
    state,
    audit
      .command('report')
      .summary('verify a bundle and write an HTML report of it')
      .description('Verify a bundle (as verify does) and write one self-contained HTML report of it.')
      .argument('<bundle>', 'the bundle file')
      .option('--html <report.html>', 'where to write the report (required; mode 600)')
      .addOption(
        new Option('--public-key <public.pem>', 'the public key the signature must match (PEM)').env(PUBLIC_KEY_ENV),
      )
      .addOption(
        new Option(
          '--auditor-key <auditor.pem>',
          "the auditor's X25519 private key (PEM) that opens a sealed bundle",
        ).env(AUDITOR_KEY_ENV),
      ),
    async (c) => (await import('./audit.js')).auditReport(c.processedArgs[0] as string, c.opts(), io, await codecs()),
  );

  act(
    state,
    audit
      .command('keygen')
      .summary('create an Ed25519 key pair to sign bundles with (or --auditor: one to seal them for)')
      .description(
        'Create an Ed25519 key pair: the private key signs bundles, the public key goes to auditors. With ' +
          '--auditor, an X25519 pair for an auditor: the public key goes to the exporter (export --for), the ' +
          'private key opens the bundles sealed for it (verify and report --auditor-key).',
      )
      .option('--private-key <file>', 'where to write the private key (required; PEM, mode 600, never overwritten)')
      .option('--public-key <file>', 'where to write the public key (required; PEM, never overwritten)')
      .option('--auditor', "an auditor's X25519 key pair instead of a signing pair"),
    async (c) => (await import('./audit.js')).auditKeygen(c.opts(), io),
  );

  // --- the long-running processes ----------------------------------------------------------------
  act(
    state,
    program
      .command('codec-server')
      .summary('decrypting codec endpoint for the Temporal Web UI')
      .description(
        "Serve POST /decode and /encode (Temporal's remote codec protocol) so that the Temporal Web UI shows " +
          'case payloads decrypted to an authorised operator. Needs the payload keys (POORTWACHTER_KEYS_FILE or ' +
          'POORTWACHTER_KEYS), a bearer token that every request must carry (POORTWACHTER_CODEC_TOKEN, at least ' +
          '16 characters), and answers browsers from one origin only: POORTWACHTER_CODEC_CORS_ORIGIN (default: ' +
          'the local Web UI, http://localhost:$TEMPORAL_UI_PORT). In the Web UI: Settings → Codec Server endpoint.',
      )
      .option('--port <port>', 'the port to listen on (default: $POORTWACHTER_CODEC_PORT, else 8888)', parsePort)
      .option('--host <host>', 'the address to listen on', '127.0.0.1'),
    async (c) =>
      (await import('./codec-server.js')).runCodecServer(c.opts<CodecServerOptions>(), io, options.codecServerStop),
  );

  act(
    state,
    program
      .command('serve')
      .summary('run the HTTP service: the API for arbodienst systems')
      .description(
        'Serve the HTTP API (/api/v1: open, read, list cases, record events, compute a calendar) with its ' +
          'OpenAPI document (/api/openapi.json) and a page to browse it (/api/docs), on $POORTWACHTER_HTTP_HOST:' +
          '$POORTWACHTER_HTTP_PORT (127.0.0.1:3000), until SIGINT or SIGTERM. Every request needs an API key ' +
          `(\`poortwachter apikey create\`). ${CONFIGURED}`,
      ),
    async () => (await import('./serve.js')).serveCommand(io),
  );

  const apikey = program
    .command('apikey')
    .summary('create, list and revoke the API keys of the HTTP service')
    .description(
      'API keys of the systems that call the HTTP service. The keys file ($POORTWACHTER_API_KEYS_FILE, default ' +
        'api-keys.json in the data folder) holds only their hashes: a key is shown once, when it is created.',
    );
  act(
    state,
    apikey
      .command('create')
      .summary('make a key and print it, once')
      .description('Make a key with the given scopes (and, optionally, only for some employers) and print it, once.')
      .requiredOption('--name <name>', 'who uses it, e.g. the system: shown in the access log')
      .requiredOption(
        '--scope <scope...>',
        `what it may do, one or more of: cases:read, cases:write, events:write, audit:export`,
      )
      .option('--employer <id...>', 'only the cases of these employers (default: every employer)')
      .option('--expires <YYYY-MM-DD>', 'the day from which it is no longer valid'),
    async (c) => (await import('./serve.js')).apikeyCreate(c.opts(), io),
  );
  act(state, apikey.command('list').summary('list the keys (never the keys themselves)'), async () =>
    (await import('./serve.js')).apikeyList(io),
  );
  act(
    state,
    apikey
      .command('revoke')
      .summary('revoke a key: refused from the next request')
      .argument('<id>', 'the key id (see list)'),
    async (c) => (await import('./serve.js')).apikeyRevoke(c.args[0]!, io),
  );

  const webhooks = program
    .command('webhooks')
    .summary('the webhook endpoints: list them, enable one again, make a secret')
    .description(
      "Webhooks tell the arbodienst's systems what happens in the cases, signed as Standard Webhooks says. The " +
        'endpoints are in the file $POORTWACHTER_WEBHOOKS_FILE names (docs/webhooks.md); an endpoint that answers ' +
        '410 Gone, or takes nothing for its disableAfterHours, is disabled until it is enabled again.',
    );
  act(state, webhooks.command('list').summary('the endpoints, their events and whether each receives'), async () =>
    (await import('./webhooks.js')).webhooksList(io),
  );
  act(
    state,
    webhooks
      .command('enable')
      .summary('enable a disabled endpoint again')
      .argument('<id>', 'the endpoint id (see list)'),
    async (c) => (await import('./webhooks.js')).webhooksEnable(c.args[0]!, io),
  );
  act(state, webhooks.command('secret').summary('print a new secret for an endpoint (whsec_…)'), async () =>
    (await import('./webhooks.js')).webhooksSecret(io),
  );

  act(
    state,
    program
      .command('dev')
      .summary('run Temporal, a mail inbox and a worker locally')
      .description(`Run the whole stack locally: a Temporal dev server, a mail inbox and a worker. ${CONFIGURED}`),
    async () => (await import('./runtime-commands.js')).devCommand(io),
  );

  act(
    state,
    program
      .command('cluster')
      .summary('run the production topology locally: Temporal on PostgreSQL, two workers, two services')
      .description(
        'Build (once) and start the Temporal server on a local PostgreSQL 15, then two workers, two instances of ' +
          `the HTTP service, a mail inbox and the Web UI; Ctrl-C stops them in order. Needs Go and PostgreSQL 15. ${CONFIGURED}`,
      ),
    async () => (await import('./runtime-commands.js')).clusterCommand(io),
  );

  act(
    state,
    program
      .command('worker')
      .summary('run a worker against the configured Temporal cluster')
      .description(`Run a worker against the configured Temporal cluster until SIGINT or SIGTERM. ${CONFIGURED}`),
    async () => (await import('./runtime-commands.js')).workerCommand(io),
  );

  return configure(program, state);
}

/** The command tree, for tests and tools that walk it; `run` parses with a tree of its own. */
export function createProgram(io: Io = processIo): Command {
  return buildProgram({ io, options: {}, exitCode: EXIT_OK });
}

/**
 * `help case record` is `case record --help`; `help caes` is `caes`, which commander refuses with a
 * suggestion. (commander's own help command takes one level only.)
 */
function expandHelp(program: Command, argv: string[]): string[] {
  if (argv[0] !== 'help') return argv;
  const words = argv.slice(1);
  let command = program;
  for (const [i, word] of words.entries()) {
    const sub = command.commands.find((c) => c.name() === word || c.aliases().includes(word));
    if (!sub) return command.commands.length && !word.startsWith('-') ? words.slice(0, i + 1) : [...words, '--help'];
    command = sub;
  }
  return [...words, '--help'];
}

/** The message of a usage error: commander's, without its "error: ", with the command's usage after it. */
function usageMessage(command: Command, exit: CommanderError): string {
  let message = exit.message.replace(/^error: /, '');
  if (exit.code === 'commander.missingArgument') {
    const expected = command.registeredArguments.filter((a) => a.required).length;
    message += ` (expected ${expected} argument${expected === 1 ? '' : 's'}, got ${command.args.length})`;
  }
  return `${message}\n${usageHint(command)}`;
}

/**
 * Runs `poortwachter <argv>`: help and version to standard output, errors to standard error as
 * `poortwachter <command path>: <message>`; resolves to the exit code.
 */
export async function run(argv: string[], io: Io = processIo, options: RunOptions = {}): Promise<number> {
  const state: RunState = { io, options, exitCode: EXIT_OK };
  const program = buildProgram(state);
  try {
    await program.parseAsync(expandHelp(program, argv), { from: 'user' });
    return state.exitCode;
  } catch (err) {
    if (err instanceof CommandExit) {
      const { command, exit } = err;
      if (exit.code === 'commander.helpDisplayed' || exit.code === 'commander.version') return EXIT_OK;
      // Help asked for (`case help record`), or shown because a command was missing (`poortwachter case`).
      if (exit.code === 'commander.help') return exit.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
      const message = usageMessage(command, exit);
      if (options.rethrow) throw new CliError(message, EXIT_USAGE);
      io.stderr.write(`${commandPath(command)}: ${message}\n`);
      return EXIT_USAGE;
    }
    if (options.rethrow) throw err;
    const path = commandPath(state.running ?? program);
    if (err instanceof CliError) {
      io.stderr.write(`${path}: ${err.message}\n`);
      return err.exitCode;
    }
    io.stderr.write(`${path}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    return EXIT_FAILURE;
  }
}

/** One command run as `poortwachter <path> <args>` would (the commands' own entry points, for tests). */
export function runCommand(path: string[], args: string[], io: Io, options: RunOptions = {}): Promise<number> {
  return run([...path, ...args], io, options);
}
