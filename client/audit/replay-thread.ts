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
import { describeReplayError, type ReplayRequest, type ReplayThreadData } from './replay-pool.js';

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

/** The histories received and not yet handed to the replay worker. */
const waiting: ReplayRequest[] = [];
let wake: (() => void) | undefined;
let closed = false;
port.on('message', (message: ReplayRequest | 'close') => {
  if (message === 'close') closed = true;
  else waiting.push(message);
  wake?.();
});

async function* histories() {
  for (;;) {
    const next = waiting.shift();
    if (next) {
      const json = JSON.parse(next.text) as { history?: unknown };
      yield { workflowId: next.workflowId, history: historyFromJSON(next.inLine ? json.history : json) };
      continue;
    }
    if (closed) return;
    await new Promise<void>((resolve) => (wake = resolve));
    wake = undefined;
  }
}

for await (const result of Worker.runReplayHistories({ workflowBundle: { code } }, histories())) {
  port.postMessage(result.error ? { error: describeReplayError(result.error) } : {});
}
port.close();
