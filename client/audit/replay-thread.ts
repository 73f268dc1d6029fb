// One replay worker in a thread of its own (replay-pool.ts): the SDK replays one history at a time
// on one thread, so `audit verify` runs one of these per core. It gets the workflow code once, then
// histories (their JSON text, payloads already decrypted: no keys ever reach a thread) and answers
// each with its divergence, if any, in the order it got them.
import { parentPort, workerData } from 'node:worker_threads';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils.js';
import { Worker } from '@temporalio/worker';
import { pino } from 'pino';
import type { Config } from '../../runtime/config.js';
import { createLogger } from '../../runtime/logger.js';
import { installRuntime } from '../../runtime/sdk-runtime.js';
import { describeReplayError, type ReplayAnswer, type ReplayMessage, type ReplayThreadData } from './replay-pool.js';
import type { History } from './history.js';

const { code, logLevel } = workerData as ReplayThreadData;
const port = parentPort!;

// The SDK's own logs (a divergence is a warning of the core) on standard error, as the CLI's are.
installRuntime(
  createLogger(
    { logLevel: logLevel as Config['logLevel'], logFormat: 'json' },
    'poortwachter-audit',
    pino.destination(2),
  ),
);

/** The histories received and not yet handed to the replay worker, in order. */
const waiting: { id: number; workflowId: string; history: History }[] = [];
/** The ids handed to the replay worker, whose answers come back in the same order. */
const handed: number[] = [];
let wake: (() => void) | undefined;
let closed = false;

port.on('message', (message: ReplayMessage) => {
  if (message === 'close') closed = true;
  else {
    // A history the SDK would refuse (not JSON, no events) is answered here: thrown inside the
    // replay worker, it would end it and every history after it.
    try {
      const json = JSON.parse(message.text) as { history?: unknown };
      const history = historyFromJSON(message.inLine ? json.history : json);
      if (!history.events?.length) throw new Error('the history has no events');
      waiting.push({ id: message.id, workflowId: message.workflowId, history });
    } catch (err) {
      port.postMessage({ id: message.id, error: describeReplayError(err as Error) } satisfies ReplayAnswer);
    }
  }
  wake?.();
});

async function* histories() {
  for (;;) {
    const next = waiting.shift();
    if (next) {
      handed.push(next.id);
      yield { workflowId: next.workflowId, history: next.history };
      continue;
    }
    if (closed) return;
    await new Promise<void>((resolve) => (wake = resolve));
    wake = undefined;
  }
}

for await (const result of Worker.runReplayHistories({ workflowBundle: { code } }, histories())) {
  const id = handed.shift()!;
  port.postMessage((result.error ? { id, error: describeReplayError(result.error) } : { id }) satisfies ReplayAnswer);
}
port.close();
