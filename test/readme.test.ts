// The README is the newcomer's manual: every command of the CLI is mentioned in it. The full
// configuration table is in docs/operations.md: every variable the code reads has a row there.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ENV_VARIABLES } from '../runtime/config.js';
import { runCli } from './setup/run-cli.js';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
const operations = readFileSync(new URL('../docs/operations.md', import.meta.url), 'utf8');

describe('README', () => {
  it('documents every configuration variable in the table of docs/operations.md', () => {
    const undocumented = ENV_VARIABLES.filter((name) => !operations.includes(`| \`${name}\` |`));
    expect(undocumented).toEqual([]);
  });

  it('mentions every command of the CLI', async () => {
    const { stdout } = await runCli(['--help']);
    const commands = [...stdout.matchAll(/^ {2}(\S+) {2,}/gm)].map((m) => m[1]!);
    expect(commands).toEqual(expect.arrayContaining(['case', 'dev', 'worker', 'calendar', 'simulate', 'audit']));
    expect(commands.filter((c) => !readme.includes(`poortwachter ${c}`))).toEqual([]);
  });
});
