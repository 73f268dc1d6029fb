// Runs the CLI in-process with in-memory standard streams.
import { PassThrough } from 'node:stream';
import { main } from '../../client/cli/main.js';

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
