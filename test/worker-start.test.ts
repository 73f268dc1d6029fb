// `poortwachter worker` when the server refuses the worker: the process must end with exit code 1
// and the reason, not live on doing nothing (it did: with SDK 1.24 a failed Worker.create leaves its
// workflow thread running, and the worker's signal handler swallowed the supervisor's SIGTERM).
import { execFile } from 'node:child_process';
import { describe, expect, inject, it } from 'vitest';

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

function runWorkerCommand(env: Record<string, string>, timeoutMs: number): Promise<Exit> {
  const bin = new URL('../bin/poortwachter.js', import.meta.url).pathname;
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      [bin, 'worker'],
      // Only PATH from this environment: a developer's TEMPORAL_* or key settings must not leak in.
      { env: { PATH: process.env.PATH ?? '', ...env }, timeout: timeoutMs, killSignal: 'SIGKILL', encoding: 'utf8' },
      (_err, stdout, stderr) => resolve({ code: child.exitCode, signal: child.signalCode, stdout, stderr }),
    );
  });
}

describe('worker command', () => {
  it('exits 1 with the reason logged when the namespace does not exist on the server', async () => {
    const exit = await runWorkerCommand(
      {
        TEMPORAL_ADDRESS: inject('devServerAddress'),
        TEMPORAL_NAMESPACE: 'no-such-namespace',
        TEMPORAL_TASK_QUEUE: 'worker-start-test',
        POORTWACHTER_KEYS: inject('codecKeys'),
        SMTP_URL: 'smtp://127.0.0.1:1',
        LOG_LEVEL: 'fatal',
        LOG_FORMAT: 'json',
      },
      60_000,
    );
    // Killed by the timeout, the child would have a signal and no code.
    expect(exit).toMatchObject({ code: 1, signal: null });
    expect(exit.stderr).toContain(
      'poortwachter worker: the worker could not start: namespace "no-such-namespace" does not exist on',
    );
    const lines = exit.stdout.trim().split('\n').filter(Boolean);
    expect(lines.length, 'a fatal log line on stdout').toBeGreaterThan(0);
    const fatal = JSON.parse(lines.at(-1)!) as { level: number; msg: string; err: { message: string } };
    expect(fatal).toMatchObject({ level: 60, msg: 'worker could not start' });
    expect(fatal.err.message).toContain('"no-such-namespace" does not exist');
  }, 70_000);
});
