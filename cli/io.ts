// Shared plumbing for CLI commands: how they talk to the terminal and how they fail.
import { readFile } from 'node:fs/promises';
import type { Readable, Writable } from 'node:stream';

export interface Io {
  stdin: Readable;
  stdout: Writable;
  stderr: Writable;
}

export const processIo: Io = { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr };

/** Exit codes: 0 success, 1 the command ran and found a problem, 2 bad input or usage. */
export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

/** An error whose message is meant for the user, printed without a stack trace. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = EXIT_USAGE,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

async function readStream(stream: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks).toString('utf8');
}

/** Reads JSON from a file, or from standard input when no file is given. */
export async function readJsonInput(file: string | undefined, io: Io): Promise<unknown> {
  let text: string;
  const source = file ?? 'standard input';
  if (file) {
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      throw new CliError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
    }
  } else {
    text = await readStream(io.stdin);
  }
  if (text.trim() === '') throw new CliError(`${source} is empty: expected a JSON object`);
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new CliError(`${source} is not valid JSON: ${(err as Error).message}`);
  }
}
