// Replays histories in parallel: one replay worker per thread (replay-thread.ts), two threads per
// core. The SDK's replay of one history runs on one thread, and two replay workers in one thread
// share it; a replay worker also waits on its workflow thread and on the SDK's core between
// histories, so a second one per core fills those waits (measured on 2 cores: 2, 3 and 4 threads
// replayed 27.7, 32.7 and 34.3 histories per second; docs/decisions/2026-12-06-streaming-audit-bundles.md).
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

  /** `threads` default: two per core, at most eight (each holds its own replay worker, about 60 MB). */
  constructor(code: string, { threads = Math.min(8, 2 * availableParallelism()), logLevel = 'warn' } = {}) {
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
