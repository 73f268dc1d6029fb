// Replays histories in parallel: one replay worker per thread (replay-thread.ts), as many threads as
// the machine has cores. The SDK's replay of one history runs on one thread, and two replay workers
// in one thread share it (measured: 8.8 histories per second with one, 10.0 with two in one thread,
// 12.4 to 13.5 with two threads or processes on 2 busy cores; docs/decisions/).
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { Worker as Thread } from 'node:worker_threads';
import { projectRoot } from '../../runtime/project.js';

/** The thread's module, compiled: a thread cannot load the TypeScript source (tests use the build too). */
const threadPath = join(projectRoot, 'dist', 'client', 'audit', 'replay-thread.js');

export interface ReplayThreadData {
  code: string;
  logLevel: string;
}

export interface ReplayRequest {
  workflowId: string;
  /**
   * The history's JSON text (historyToJSON), its payloads decrypted; or, with `inLine`, a bundle's
   * whole line that holds it. Text, not the parsed form: a thread parses it faster than the parsed
   * form is copied to it.
   */
  text: string;
  inLine?: boolean;
}

/** What a replay found: nothing (undefined), or the first line of its divergence. */
export type ReplayOutcome = string | undefined;

/** The divergence of a replay, in one line. */
export function describeReplayError(error: Error): string {
  const cause = (error as { cause?: unknown }).cause;
  const text = `${error.name}: ${error.message}${cause instanceof Error ? ` (${cause.message})` : ''}`;
  return text.split('\n')[0]!.slice(0, 500);
}

interface Lane {
  thread: Thread;
  /** Answers owed, in the order the histories were sent. */
  owed: { resolve: (outcome: ReplayOutcome) => void; reject: (err: Error) => void }[];
  failed?: Error;
  exited?: Promise<void>;
}

export class ReplayPool {
  private readonly lanes: Lane[];
  private freed: (() => void) | undefined;

  /** `threads` default: the machine's cores. */
  constructor(code: string, { threads = availableParallelism(), logLevel = 'warn' } = {}) {
    this.lanes = Array.from({ length: Math.max(1, threads) }, () => this.lane({ code, logLevel }));
  }

  get size(): number {
    return this.lanes.length;
  }

  private lane(data: ReplayThreadData): Lane {
    const lane: Lane = { thread: new Thread(threadPath, { workerData: data }), owed: [] };
    lane.thread.on('message', (answer: { error?: string }) => {
      lane.owed.shift()?.resolve(answer.error);
      this.freed?.();
    });
    const fail = (err: Error) => {
      lane.failed ??= err;
      for (const owed of lane.owed.splice(0)) owed.reject(err);
      this.freed?.();
    };
    lane.thread.on('error', fail);
    lane.exited = new Promise((resolve) =>
      lane.thread.once('exit', (code) => {
        if (lane.owed.length > 0) fail(new Error(`a replay thread stopped (exit code ${code}) before it answered`));
        resolve();
      }),
    );
    return lane;
  }

  /** Histories in flight: a caller waits (whenFree) beyond two per thread, so memory stays bounded. */
  private inFlight(): number {
    return this.lanes.reduce((n, lane) => n + lane.owed.length, 0);
  }

  async whenFree(): Promise<void> {
    while (this.inFlight() >= this.lanes.length * 2) await new Promise<void>((resolve) => (this.freed = resolve));
  }

  /** Replays one history on the least busy thread. */
  replay(request: ReplayRequest): Promise<ReplayOutcome> {
    const working = this.lanes.filter((l) => !l.failed);
    if (working.length === 0) return Promise.reject(this.lanes[0]!.failed);
    const lane = working.reduce((a, b) => (b.owed.length < a.owed.length ? b : a));
    return new Promise((resolve, reject) => {
      lane.owed.push({ resolve, reject });
      lane.thread.postMessage(request);
    });
  }

  /** Lets every thread finish what it was given, and end. */
  async close(): Promise<void> {
    for (const lane of this.lanes) lane.thread.postMessage('close');
    await Promise.all(this.lanes.map((lane) => lane.exited));
  }
}
