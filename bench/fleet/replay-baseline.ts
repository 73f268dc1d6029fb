// The audit's baseline, in a process of its own that the fleet pins to one core (taskset): the SDK's
// bare Worker.runReplayHistories of the histories in a file (one JSON history per line, as
// historyToJSON writes it), against the workflow code as the worker bundles it, payloads decrypted as
// `audit verify` decrypts them (POORTWACHTER_KEYS). Prints one line of JSON: what it replayed, how
// fast, and its own CPU seconds and peak RSS in the replay (the bundling before it is not counted).
import { readFile } from 'node:fs/promises';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils.js';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { EncryptionCodec, parseKeyring } from '../../runtime/codec.js';
import { bundleWorkflows } from '../../runtime/workflow-bundle.js';
import { bundlerLogger, mb } from '../util.js';
import { peakRssBytes, resetPeakRss } from './meter.js';

export interface ReplayBaselineResult {
  histories: number;
  failures: number;
  firstFailure?: string;
  seconds: number;
  historiesPerSecond: number;
  cpuSeconds: number;
  peakRssMb: number;
}

Runtime.install({ logger: new DefaultLogger('WARN') });
const file = process.argv[2];
const keys = process.env.POORTWACHTER_KEYS;
if (!file || !keys) throw new Error('usage: POORTWACHTER_KEYS=… node replay-baseline.js <histories.jsonl>');
const histories = (await readFile(file, 'utf8'))
  .split('\n')
  .filter(Boolean)
  .map((line) => {
    const { workflowId, history } = JSON.parse(line) as { workflowId: string; history: unknown };
    return { workflowId, history: historyFromJSON(history) };
  });
const workflowBundle = await bundleWorkflows(bundlerLogger((l) => process.stderr.write(`${l}\n`)));
const payloadCodecs = [new EncryptionCodec(parseKeyring(keys, 'bench key'), 'pass')];
resetPeakRss(process.pid);
const cpu0 = process.cpuUsage();
const t0 = performance.now();
let failures = 0;
let firstFailure: string | undefined;
for await (const result of Worker.runReplayHistories({ workflowBundle, dataConverter: { payloadCodecs } }, histories)) {
  if (result.error) {
    failures++;
    firstFailure ??= `${result.workflowId}: ${result.error.message}`;
  }
}
const seconds = (performance.now() - t0) / 1000;
const cpu = process.cpuUsage(cpu0);
const result: ReplayBaselineResult = {
  histories: histories.length,
  failures,
  ...(firstFailure && { firstFailure }),
  seconds,
  historiesPerSecond: histories.length / seconds,
  cpuSeconds: (cpu.user + cpu.system) / 1e6,
  peakRssMb: mb(peakRssBytes(process.pid)),
};
process.stdout.write(`${JSON.stringify(result)}\n`);
