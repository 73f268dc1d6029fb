// A program the cluster runs (PostgreSQL aside, which pg_ctl runs): its own process group, so that
// Ctrl-C in the terminal reaches only our supervisor, which stops everything in order; its output in
// a log file of its own, and the last lines kept for the error when it does not come up.
import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { createInterface } from 'node:readline';

export interface ManagedProcess {
  name: string;
  pid: number;
  /** Whether it still runs. */
  running(): boolean;
  /** Resolves with the exit code (or the signal's name) when it ends. */
  exited: Promise<number | string>;
  /** Its last lines of output. */
  recent(): string;
  /** Resolves once a line of its output matches (one already seen counts); fails if it ends first. */
  waitForLine(pattern: RegExp, timeoutMs: number): Promise<string>;
  /** SIGTERM, then SIGKILL after `graceMs` if it has not ended. */
  stop(graceMs?: number): Promise<void>;
  /** SIGKILL: a crash, for the tests of what survives one. */
  kill(): Promise<void>;
}

export interface ProcessSpec {
  name: string;
  file: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  logFile: string;
}

/** The process groups started here and still running: killed when this process exits without stopping them. */
const groups = new Set<number>();
process.once('exit', () => {
  for (const pid of groups) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
});

export async function startProcess(spec: ProcessSpec): Promise<ManagedProcess> {
  await mkdir(dirname(spec.logFile), { recursive: true });
  const log = createWriteStream(spec.logFile, { flags: 'a' });
  const child = spawn(spec.file, spec.args, {
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: spec.env ?? process.env,
    ...(spec.cwd && { cwd: spec.cwd }),
  });
  const lines: string[] = [];
  const watchers = new Set<(line: string) => void>();
  for (const stream of [child.stdout!, child.stderr!]) {
    stream.pipe(log, { end: false });
    createInterface({ input: stream }).on('line', (line) => {
      lines.push(line);
      if (lines.length > 30) lines.shift();
      for (const watch of watchers) watch(line);
    });
  }
  // 'close', not 'exit': the output may still arrive after the process ended, and goes to the log.
  const exited = new Promise<number | string>((resolve) => {
    child.once('error', (err) => resolve((err as NodeJS.ErrnoException).code ?? 'error'));
    child.once('close', (code, signal) => {
      log.end();
      resolve(code ?? signal ?? 'unknown');
    });
  });
  await new Promise<void>((resolve, reject) => {
    child.once('spawn', resolve);
    child.once('error', (err) => reject(new Error(`${spec.name}: cannot start ${spec.file}: ${err.message}`)));
  });
  const signalGroup = (signal: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, signal);
    } catch {
      // already gone
    }
  };
  const running = () => child.exitCode === null && child.signalCode === null;
  groups.add(child.pid!);
  void exited.then(() => groups.delete(child.pid!));
  return {
    name: spec.name,
    pid: child.pid!,
    running,
    exited,
    recent: () => lines.join('\n'),
    waitForLine(pattern, timeoutMs) {
      const seen = lines.find((l) => pattern.test(l));
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const done = (finish: () => void) => {
          clearTimeout(timer);
          watchers.delete(watch);
          finish();
        };
        const watch = (line: string) => pattern.test(line) && done(() => resolve(line));
        const timer = setTimeout(
          () =>
            done(() =>
              reject(
                new Error(`${spec.name} did not say ${pattern} within ${timeoutMs / 1000} s:\n${lines.join('\n')}`),
              ),
            ),
          timeoutMs,
        );
        watchers.add(watch);
        void exited.then((code) => done(() => reject(new Error(`${spec.name} ended (${code}):\n${lines.join('\n')}`))));
      });
    },
    async stop(graceMs = 20_000) {
      if (!running()) return;
      signalGroup('SIGTERM');
      const timer = setTimeout(() => signalGroup('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
    async kill() {
      if (!running()) return;
      signalGroup('SIGKILL');
      await exited;
    },
  };
}
