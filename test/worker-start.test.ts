// `poortwachter worker` when the server refuses the worker: the process must end with a non-zero exit
// code, not live on doing nothing (with SDK 1.24 a failed Worker.create leaves its workflow thread
// running, and the worker's signal handler would swallow the supervisor's SIGTERM).
import { execFile } from 'node:child_process';
import { describe, expect, inject, it } from 'vitest';

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
}

function runWorkerCommand(env: Record<string, string>, timeoutMs: number): Promise<Exit> {
  const bin = new URL('../bin/poortwachter.js', import.meta.url).pathname;
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      [bin, 'worker'],
      { env: { ...process.env, ...env }, timeout: timeoutMs, killSignal: 'SIGKILL', encoding: 'utf8' },
      (_err, stdout) => resolve({ code: child.exitCode, signal: child.signalCode, stdout }),
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
    const fatal = JSON.parse(exit.stdout.trim().split('\n').at(-1)!) as { msg: string; err: { message: string } };
    expect(fatal.msg).toBe('worker could not start; exiting');
    expect(fatal.err.message).toContain('no-such-namespace');
  }, 70_000);
});
