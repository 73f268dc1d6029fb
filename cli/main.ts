// Entry point of the `poortwachter` command. The commands, their options and help are in program.ts
// (one argument library, commander); each command's work is in its own module, loaded when it runs.
import { run } from './program.js';
import { processIo, type Io } from './io.js';

export { createProgram } from './program.js';

/** Runs `poortwachter <argv>` with these streams and resolves to the exit code (0, 1 or 2). */
export function main(argv: string[], io: Io = processIo): Promise<number> {
  return run(argv, io);
}
