// A worker in a process of its own (a fixture under test/fixtures/), so that a test can kill it with
// SIGKILL as a crash would, and start another in its place. The fixture prints lines on stdout
// (`ready`, and whatever its test hooks say) that the test waits for.
import { spawn, type ChildProcess } from 'node:child_process';

export interface WorkerProcess {
  child: ChildProcess;
  lines: string[];
  /** The first line (already printed, or to come) that starts with `prefix`. */
  waitFor(prefix: string, timeoutMs?: number): Promise<string>;
}

export function startWorkerProcess(fixture: string, env: Record<string, string>): WorkerProcess {
  const child = spawn(process.execPath, [fixture], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines: string[] = [];
  let buffer = '';
  const waiters: { prefix: string; resolve: (line: string) => void }[] = [];
  child.stdout!.on('data', (chunk) => {
    buffer += chunk;
    let nl;
    while ((nl = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
      lines.push(line);
      for (const w of waiters.filter((w) => line.startsWith(w.prefix))) w.resolve(line);
    }
  });
  return {
    child,
    lines,
    waitFor: (prefix, timeoutMs = 60_000) =>
      new Promise((resolve, reject) => {
        const seen = lines.find((l) => l.startsWith(prefix));
        if (seen) return resolve(seen);
        const timer = setTimeout(
          () => reject(new Error(`no "${prefix}" from the worker within ${timeoutMs} ms`)),
          timeoutMs,
        );
        waiters.push({ prefix, resolve: (line) => (clearTimeout(timer), resolve(line)) });
        child.once('exit', (code) => {
          clearTimeout(timer);
          reject(new Error(`worker exited (${code}) before "${prefix}"`));
        });
      }),
  };
}

/** Resolves when the process has exited (at once if it has). */
export const exited = (child: ChildProcess) =>
  child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve()
    : new Promise<void>((resolve) => child.once('exit', () => resolve()));
