// Entry point of the `poortwachter` command: picks the sub-command and turns errors into exit codes.
import { CliError, EXIT_FAILURE, EXIT_USAGE, processIo, type Io } from './io.js';

type Command = (args: string[], io: Io) => Promise<number>;

// Loaded lazily so that `poortwachter calendar` does not pay for loading the Temporal worker.
const commands: Record<string, { summary: string; load: () => Promise<Command> }> = {
  case: {
    summary: 'open, change, show, list and import cases (see `poortwachter case --help`)',
    load: async () => (await import('./case.js')).caseCommand,
  },
  'codec-server': {
    summary: 'decrypting codec endpoint for the Temporal Web UI (bearer token, one CORS origin)',
    load: async () => (await import('./codec-server.js')).codecServerCommand,
  },
  digest: {
    summary: "send (or with --dry-run print) a casemanager's daily digest of overdue and upcoming tasks",
    load: async () => (await import('./digest.js')).digestCommand,
  },
  dev: {
    summary: 'run the whole stack locally: Temporal dev server, mail inbox and worker',
    load: async () => (await import('./runtime-commands.js')).devCommand,
  },
  simulate: {
    summary: 'what-if: run a scenario through the real workflow on a private time-skipping server',
    load: async () => (await import('./simulate.js')).simulateCommand,
  },
  worker: {
    summary: 'run a worker against the configured Temporal cluster',
    load: async () => (await import('./runtime-commands.js')).workerCommand,
  },
  audit: {
    summary: 'export, verify and report case histories for auditors (tamper-evident bundles)',
    load: async () => {
      const [
        { createAuditCommand },
        { ConfigError, loadConfig },
        { KeyringError, encryptingDataConverter, loadKeyring },
      ] = await Promise.all([import('./audit.js'), import('../runtime/config.js'), import('../runtime/codec.js')]);
      // Verify and report read the payloads of the histories, so they decrypt with the configured keys.
      return createAuditCommand({
        payloadCodecs: () => {
          try {
            return encryptingDataConverter(loadKeyring(loadConfig())).payloadCodecs ?? [];
          } catch (err) {
            if (err instanceof ConfigError || err instanceof KeyringError) throw new CliError(err.message);
            throw err;
          }
        },
      });
    },
  },
  calendar: {
    summary: 'compute the statutory deadlines of a case (pure, no server needed)',
    load: async () => (await import('./calendar.js')).calendarCommand,
  },
};

function usage(): string {
  const width = Math.max(...Object.keys(commands).map((c) => c.length));
  const lines = Object.entries(commands).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`);
  return ['Usage: poortwachter <command> [options]', '', 'Commands:', ...lines, ''].join('\n');
}

export async function main(argv: string[], io: Io = processIo): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    io.stdout.write(usage());
    return name ? 0 : EXIT_USAGE;
  }
  const command = commands[name];
  if (!command) {
    io.stderr.write(`poortwachter: unknown command "${name}"\n\n${usage()}`);
    return EXIT_USAGE;
  }
  try {
    return await (
      await command.load()
    )(rest, io);
  } catch (err) {
    if (err instanceof CliError) {
      io.stderr.write(`poortwachter ${name}: ${err.message}\n`);
      return err.exitCode;
    }
    io.stderr.write(`poortwachter ${name}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    return EXIT_FAILURE;
  }
}
