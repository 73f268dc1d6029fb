// Help on every command, walked from the commander program itself: each command and subcommand
// answers `--help` and `help …` with exit 0 and its usage on standard output; an event's help lists
// the fields of the event schema (derived here from the zod schema, not from the CLI's code); the
// version, typos and unknown options behave as in the tools people know. No server is needed.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { createProgram } from '../cli/main.js';
import { CASE_EVENT_TYPES, caseEventSchema } from '../workflows/case-model.js';
import { runCli } from './setup/run-cli.js';

/** Every command path below the program: ['case'], ['case', 'open'], …, found in the program. */
function commandPaths(command: Command, prefix: string[] = []): string[][] {
  return command.commands.flatMap((c) => [[...prefix, c.name()], ...commandPaths(c, [...prefix, c.name()])]);
}
const paths = commandPaths(createProgram());

interface SchemaNode {
  _zod: { def: { type: string; innerType?: SchemaNode; shape?: Record<string, SchemaNode> } };
}
const unwrap = (s: SchemaNode) => (s._zod.def.type === 'optional' ? s._zod.def.innerType! : s);
const kebab = (name: string) => name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

/** Each event type with its flags and whether each is required, read from the zod schema's shapes. */
const events = caseEventSchema._zod.def.options.map((option) => {
  const shape = option._zod.def.shape as unknown as Record<string, SchemaNode>;
  const flags: { flag: string; required: boolean }[] = [];
  for (const [key, field] of Object.entries(shape)) {
    if (key === 'type' || key === 'actor') continue;
    const required = field._zod.def.type !== 'optional';
    const inner = unwrap(field);
    if (inner._zod.def.type === 'object') {
      for (const sub of Object.keys(inner._zod.def.shape!))
        flags.push({ flag: kebab(`${key}-${sub}`), required: false });
    } else {
      flags.push({ flag: kebab(key), required });
    }
  }
  return { type: (shape.type as unknown as { _zod: { def: { values: string[] } } })._zod.def.values[0]!, flags };
});

describe('poortwachter --help', () => {
  it('finds the whole command tree in the program', () => {
    expect(paths).toEqual(
      expect.arrayContaining([
        ['case'],
        ['case', 'record'],
        ['case', 'list'],
        ['audit', 'export'],
        ['audit', 'keygen'],
        ['calendar'],
        ['simulate'],
        ['digest'],
        ['codec-server'],
        ['dev'],
        ['worker'],
      ]),
    );
  });

  it('the program: --help, -h and help list every command; no command at all is a usage error', async () => {
    for (const args of [['--help'], ['-h'], ['help']]) {
      const result = await runCli(args);
      expect(result, args.join(' ')).toMatchObject({ code: 0, stderr: '' });
      expect(result.stdout).toContain('Usage: poortwachter');
      for (const [name] of paths.filter((p) => p.length === 1))
        expect(result.stdout).toMatch(new RegExp(`^  ${name} `, 'm'));
    }
    const none = await runCli([]);
    expect(none.code).toBe(2);
    expect(none.stdout + none.stderr).toContain('Usage: poortwachter');
  });

  it.each(paths.map((p) => [p.join(' '), p]))('%s: --help and help …', async (name, path) => {
    const flag = await runCli([...path, '--help']);
    expect(flag.code, flag.stderr).toBe(0);
    expect(flag.stderr).toBe('');
    expect(flag.stdout).toContain(`Usage: poortwachter ${name}`);
    expect(flag.stdout).toMatch(/\n\n\S/); // a description after the usage line
    const word = await runCli(['help', ...path]);
    expect(word).toEqual(flag);
  });

  it('every option of every command has a description', () => {
    const walk = (command: Command): Command[] => [command, ...command.commands.flatMap(walk)];
    const bare = walk(createProgram()).flatMap((c) =>
      c.options.filter((o) => !o.description).map((o) => `${c.name()} ${o.flags}`),
    );
    expect(bare).toEqual([]);
  });

  it('`case record --help` lists every event', async () => {
    const { code, stdout } = await runCli(['case', 'record', '--help']);
    expect(code).toBe(0);
    for (const type of CASE_EVENT_TYPES) expect(stdout).toMatch(new RegExp(`^  ${type} `, 'm'));
    expect((await runCli(['case', 'record', 'K-1', '--help'])).stdout).toBe(stdout);
  });

  it.each(events.map((e) => [e.type, e]))(
    'case record <id> %s --help lists the fields of the schema',
    async (type, { flags }) => {
      const { code, stdout, stderr } = await runCli(['case', 'record', 'K-1', type, '--help']);
      expect(code, stderr).toBe(0);
      expect(stderr).toBe('');
      expect(stdout).toContain(`Usage: poortwachter case record <case-id> ${type}`);
      expect(flags.length).toBeGreaterThan(0);
      for (const { flag, required } of flags) {
        const line = stdout.split('\n').find((l) => l.startsWith(`  --${flag} `));
        expect(line, `--${flag} in\n${stdout}`).toBeDefined();
        expect(line).toContain(required ? 'required' : 'optional');
      }
      expect(stdout).toMatch(/^ {2}--actor <who> /m);
      expect(stdout).toMatch(/^ {2}-f, --file <event\.json> /m);
      // no flag that is not a field, --actor, --file or --help
      const listed = [...stdout.matchAll(/^ {2}(?:-\w, )?--([a-z0-9-]+)/gm)].map((m) => m[1]);
      expect(listed.sort()).toEqual([...flags.map((f) => f.flag), 'actor', 'file', 'help'].sort());
    },
  );

  it("says the types and allowed values of an event's fields", async () => {
    const postponed = (await runCli(['case', 'record', 'K-1', 'task-postponed', '--help'])).stdout;
    expect(postponed).toMatch(/--task <task> +required; one of: probleemanalyse, plan-van-aanpak\n/);
    expect(postponed).toMatch(/--new-date <YYYY-MM-DD> +required; date YYYY-MM-DD/);
    expect((await runCli(['case', 'record', 'K-1', 'loonsanctie', '--help'])).stdout).toMatch(
      /--weeks <n> +required; whole number 1–52/,
    );
    expect((await runCli(['case', 'record', 'K-1', 'employment-ended', '--help'])).stdout).toMatch(
      /--eigenrisicodrager <yes\|no> +required; yes or no/,
    );
    const completed = (await runCli(['help', 'case', 'record', 'K-1', 'task-completed'])).stdout;
    expect(completed).toMatch(/--document-uri <uri> +optional, with --document-sha256/);
    expect(completed).toContain('who records the event: a user id or e-mail'); // the schema's description
  });

  it('--version and -V print the version of package.json', async () => {
    const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
      version: string;
    };
    expect(await runCli(['--version'])).toEqual({ code: 0, stdout: `${version}\n`, stderr: '' });
    expect(await runCli(['-V'])).toEqual({ code: 0, stdout: `${version}\n`, stderr: '' });
  });
});

describe('poortwachter usage errors', () => {
  it('suggests the command for a typo, exit 2', async () => {
    for (const args of [['caes'], ['help', 'caes']]) {
      const { code, stdout, stderr } = await runCli(args);
      expect(code).toBe(2);
      expect(stdout).toBe('');
      expect(stderr).toMatch(/^poortwachter: unknown command 'caes'\n\(Did you mean case\?\)/);
    }
    const sub = await runCli(['case', 'recrod']);
    expect(sub.code).toBe(2);
    expect(sub.stderr).toMatch(/^poortwachter case: unknown command 'recrod'\n\(Did you mean record\?\)/);
  });

  it('names the full command path for an unknown option, with a suggestion and the usage, exit 2', async () => {
    const { code, stdout, stderr } = await runCli(['audit', 'export', 'K-1', '--outt', 'b.json']);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toMatch(/^poortwachter audit export: unknown option '--outt'\n\(Did you mean --out\?\)\n/);
    expect(stderr).toContain('Usage: poortwachter audit export');
    const list = await runCli(['case', 'list', '--status', 'gone']);
    expect(list.code).toBe(2);
    expect(list.stderr).toMatch(/^poortwachter case list: .*--status.*open, hersteld, closed/);
  });

  it('refuses an unknown event (suggesting the closest) and a flag the event does not have, exit 2', async () => {
    const typo = await runCli(['case', 'record', 'K-1', 'task-complete', '--task', 'ziekmelding']);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toMatch(/^poortwachter case record: unknown event "task-complete"/);
    expect(typo.stderr).toContain('type must be one of the known event types');
    expect(typo.stderr).toContain('(Did you mean task-completed?)');

    const flag = await runCli(['case', 'record', 'K-1', 'note', '--text', 'x', '--diagnosis', 'griep']);
    expect(flag.code).toBe(2);
    expect(flag.stderr).toMatch(/^poortwachter case record: unknown option '--diagnosis'/);
    expect(flag.stderr).toContain('The fields of note: --text');

    const close = await runCli(['case', 'record', 'K-1', 'task-completed', '--dat', '2026-01-01']);
    expect(close.stderr).toContain('(Did you mean --date?)');
  });

  it("converts an event's numbers and yes/no by the schema's types, before anything connects", async () => {
    const weeks = await runCli(['case', 'record', 'K-1', 'loonsanctie', '--weeks', 'twaalf', '--decision-date', 'x']);
    expect(weeks).toMatchObject({
      code: 2,
      stderr: 'poortwachter case record: --weeks must be a number, not "twaalf"\n',
    });
    const percentage = await runCli(['case', 'record', 'K-1', 'recovered', '--date', 'x', '--work-percentage', '']);
    expect(percentage.stderr).toContain('--work-percentage must be a number');
    const yesNo = await runCli(['case', 'record', 'K-1', 'employment-ended', '--eigenrisicodrager', 'misschien']);
    expect(yesNo).toMatchObject({ code: 2 });
    expect(yesNo.stderr).toContain('--eigenrisicodrager must be yes or no');
    const both = await runCli(['case', 'record', 'K-1', 'note', '--text', 'x', '--file', 'event.json']);
    expect(both).toMatchObject({
      code: 2,
      stderr: 'poortwachter case record: use either --file or event flags, not both\n',
    });
  });

  it('names a missing argument and a missing value', async () => {
    const show = await runCli(['case', 'show']);
    expect(show.code).toBe(2);
    expect(show.stderr).toMatch(/^poortwachter case show: missing required argument 'case-id' \(expected 1 argument/);
    const value = await runCli(['calendar', '--as-of']);
    expect(value.code).toBe(2);
    expect(value.stderr).toMatch(/^poortwachter calendar: option '--as-of <YYYY-MM-DD>' argument missing/);
    const required = await runCli(['digest']);
    expect(required).toMatchObject({ code: 2, stderr: 'poortwachter digest: --casemanager <e-mail> is required\n' });
  });
});

describe('poortwachter loads what a command needs', () => {
  // The compiled command (dist/, as config.test.ts), with a module hook that reports Temporal modules.
  const bin = new URL('../bin/poortwachter.js', import.meta.url).pathname;
  const hook = `export async function resolve(specifier, context, next) {
    const resolved = await next(specifier, context);
    if (resolved.url.includes('/@temporalio/')) process.stderr.write('LOADED ' + resolved.url + '\\n');
    return resolved;
  }`;
  const register = `import { register } from 'node:module'; register(${JSON.stringify(`data:text/javascript,${encodeURIComponent(hook)}`)});`;
  const run = (args: string[]) =>
    spawnSync(process.execPath, ['--import', `data:text/javascript,${encodeURIComponent(register)}`, bin, ...args], {
      input: '{"firstSickDay":"2026-01-05"}',
      encoding: 'utf8',
      env: { ...process.env, TEMPORAL_ADDRESS: 'not-an-address' }, // case list fails at once, after loading
    });

  it("no Temporal module for `calendar`, the help or an event's help; the client for `case list`", () => {
    for (const args of [['calendar'], ['--help'], ['case', 'record', 'K-1', 'note', '--help']]) {
      const { status, stderr } = run(args);
      expect(status, `${args.join(' ')}: ${stderr}`).toBe(0);
      expect(stderr, args.join(' ')).not.toContain('LOADED');
    }
    expect(run(['case', 'list']).stderr).toContain('LOADED');
  });
});
