// Replays histories in parallel: one replay worker per thread (replay-thread.ts), one thread per
// core. The SDK's replay of one history runs on one thread, and two replay workers in one thread
// share it. More threads than cores replayed a little faster on a busy machine but each holds about
// 130 to 260 MB (its replay worker and that worker's workflow thread), and `verify` must stay under
// 1 GB: docs/decisions/2026-12-06-streaming-audit-bundles.md.
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
  /** Answers owed, by the request's number. */
  owed: Map<number, { resolve: (outcome: ReplayOutcome) => void; reject: (err: Error) => void }>;
  failed?: Error;
  exited?: Promise<void>;
}

/** A message to a thread: a history to replay (numbered), or the end of the work. */
export type ReplayMessage = (ReplayRequest & { id: number }) | 'close';
/** A thread's answer to history `id`: its divergence, if any. */
export interface ReplayAnswer {
  id: number;
  error?: string;
}

export class ReplayPool {
  private readonly lanes: Lane[];
  private readonly waiting: (() => void)[] = [];
  private closing = false;
  private next = 0;

  /** `threads` default: one per core, at most eight. */
  constructor(code: string, { threads = Math.min(8, availableParallelism()), logLevel = 'warn' } = {}) {
    this.lanes = Array.from({ length: Math.max(1, threads) }, () => this.lane({ code, logLevel }));
  }

  private lane(data: ReplayThreadData): Lane {
    const lane: Lane = { thread: new Thread(threadPath, { workerData: data }), owed: new Map() };
    lane.thread.on('message', ({ id, error }: ReplayAnswer) => {
      lane.owed.get(id)?.resolve(error);
      lane.owed.delete(id);
      this.wakeOne();
    });
    const fail = (err: Error) => {
      lane.failed ??= err;
      for (const owed of lane.owed.values()) owed.reject(err);
      lane.owed.clear();
      this.wakeAll();
    };
    lane.thread.on('error', fail);
    lane.exited = new Promise((resolve) =>
      lane.thread.once('exit', (code) => {
        // Only close ends a thread: any other end leaves it unable to answer.
        if (!this.closing || lane.owed.size > 0) fail(new Error(`a replay thread stopped (exit code ${code})`));
        resolve();
      }),
    );
    return lane;
  }

  private wakeOne(): void {
    this.waiting.shift()?.();
  }

  private wakeAll(): void {
    for (const wake of this.waiting.splice(0)) wake();
  }

  /** Histories in flight: a caller waits (whenFree) beyond two per thread, so memory stays bounded. */
  private inFlight(): number {
    return this.lanes.reduce((n, lane) => n + lane.owed.size, 0);
  }

  async whenFree(): Promise<void> {
    const capacity = () => this.lanes.filter((l) => !l.failed).length * 2;
    while (this.inFlight() >= capacity() && capacity() > 0)
      await new Promise<void>((resolve) => this.waiting.push(resolve));
  }

  /** Replays one history on the least busy thread. */
  replay(request: ReplayRequest): Promise<ReplayOutcome> {
    const working = this.lanes.filter((l) => !l.failed);
    if (working.length === 0) return Promise.reject(this.lanes[0]!.failed);
    const lane = working.reduce((a, b) => (b.owed.size < a.owed.size ? b : a));
    const id = this.next++;
    return new Promise((resolve, reject) => {
      lane.owed.set(id, { resolve, reject });
      lane.thread.postMessage({ ...request, id } satisfies ReplayMessage);
    });
  }

  /** Lets every thread finish what it was given, and end. */
  async close(): Promise<void> {
    this.closing = true;
    for (const lane of this.lanes) lane.thread.postMessage('close' satisfies ReplayMessage);
    await Promise.all(this.lanes.map((lane) => lane.exited));
  }
}
