// Runs the CLI in-process with in-memory standard streams.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll } from 'vitest';
import { main } from '../../cli/main.js';
import { startCaseWorld, type CaseWorld } from './case-world.js';
import { timeSkippingAddress } from './temporal.js';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export async function runCli(args: string[], stdin = ''): Promise<CliResult> {
  const io = { stdin: new PassThrough(), stdout: new PassThrough(), stderr: new PassThrough() };
  let stdout = '';
  let stderr = '';
  io.stdout.on('data', (d) => (stdout += d));
  io.stderr.on('data', (d) => (stderr += d));
  io.stdin.end(stdin);
  const code = await main(args, io);
  return { code, stdout, stderr };
}

export interface CliWorld {
  /** The case world (started in beforeAll). */
  world(): CaseWorld;
  /** A temporary folder for input files. */
  dir: string;
  /** Writes `content` (text, or JSON of anything else) to a file in `dir` and returns its path. */
  file(name: string, content: unknown): string;
}

/**
 * For a describe block whose CLI calls (in this process) talk to a case world: the environment points
 * the CLI at the file's test server and the world's task queue while the block runs.
 */
export function useCliWorld(): CliWorld {
  let world: CaseWorld | undefined;
  const saved = { ...process.env };
  const dir = mkdtempSync(join(tmpdir(), 'pw-cli-'));
  beforeAll(async () => {
    world = await startCaseWorld();
    process.env.TEMPORAL_ADDRESS = await timeSkippingAddress();
    process.env.TEMPORAL_TASK_QUEUE = world.cases.taskQueue;
    process.env.POORTWACHTER_ACTOR = 'anna@arbo.example';
  });
  afterAll(async () => {
    process.env = { ...saved };
    await world?.close();
  });
  return {
    world: () => world!,
    dir,
    file(name, content) {
      const path = join(dir, name);
      writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
      return path;
    },
  };
}
