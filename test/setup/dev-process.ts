// `poortwachter dev` as a child process, as a newcomer starts it: the real command on free ports and
// a data folder of its own, ready once the worker has started. For test/dev.test.ts and the browser
// tests (test/browser/).
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const bin = fileURLToPath(new URL('../../bin/poortwachter.js', import.meta.url));

export interface Dev {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

export function startDev(env: NodeJS.ProcessEnv, timeoutMs = 60_000): Promise<Dev> {
  const child = spawn(process.execPath, [bin, 'dev'], { env: { ...process.env, ...env, LOG_FORMAT: 'json' } });
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`dev did not start within ${timeoutMs / 1000} s:\n${output}`)),
      timeoutMs,
    );
    const check = () => {
      if (output.includes('worker started')) {
        clearTimeout(timer);
        resolve({ child, output: () => output, exited });
      }
    };
    child.stdout!.on('data', check);
    child.stderr!.on('data', check);
    void exited.then((code) => reject(new Error(`dev exited early with ${code}:\n${output}`)));
  });
}
