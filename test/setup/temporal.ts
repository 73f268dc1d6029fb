// Helpers for test files: a time-skipping test server of the file's own, and the workflow bundle built
// once per file.
import { TestWorkflowEnvironment } from '@temporalio/testing';
import type { WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { pino } from 'pino';
import type { DataConverter } from '@temporalio/common';
import { inject } from 'vitest';
import { encryptingDataConverter, parseKeyring } from '../../runtime/codec.js';
import { installRuntime } from '../../runtime/sdk-runtime.js';
import { bundleWorkflows } from '../../runtime/workflow-bundle.js';
import { registerSearchAttributes } from '../../runtime/search-attributes.js';
import { searchKeys, type SearchKeys } from '../../runtime/search-keys.js';
import { startTimeSkippingServer } from '../../tools/test-server.js';

// The SDK's own logs go through pino at WARN, so test output shows problems, not worker life cycles.
installRuntime(pino({ level: process.env.LOG_LEVEL ?? 'warn' }));

// Every test runs with payload encryption (the key comes from global-setup); the CLI, run in-process,
// reads the same key from POORTWACHTER_KEYS.
process.env.POORTWACHTER_KEYS = inject('codecKeys');

/** The encrypting data converter for test clients and workers, with the run's key. */
export function testDataConverter(): DataConverter {
  return encryptingDataConverter(parseKeyring(inject('codecKeys'), 'test keys'));
}

/** The searchable identifiers' keys of the tests' key ring, as a worker with testDataConverter() has them. */
export function testSearchKeys(): SearchKeys {
  return searchKeys(parseKeyring(inject('codecKeys'), 'test keys'));
}

interface InternalCreate {
  create(options: {
    server: { type: 'existing' };
    address: string;
    namespace: string;
    supportsTimeSkipping: boolean;
    client?: { dataConverter?: DataConverter };
  }): Promise<TestWorkflowEnvironment>;
}

let fileServer: Promise<TestWorkflowEnvironment> | undefined;

/**
 * The time-skipping test server of this test file, started on first use (about 0.2 s) and stopped
 * after the file (test/setup/file-server.ts). The server's clock is global and it stops skipping time
 * while an activity is in flight, even one whose worker is gone; with a server per file, what one file
 * leaves behind cannot hold the clock of the next (on 2026-12-05 one shared server stalled and eight
 * later files timed out).
 */
function timeSkippingServer(): Promise<TestWorkflowEnvironment> {
  fileServer ??= (async () => {
    const env = await startTimeSkippingServer();
    await registerSearchAttributes(env.connection, 'default');
    return env;
  })();
  return fileServer;
}

/** The address of this file's time-skipping server, for a CLI or worker process pointed at it. */
export async function timeSkippingAddress(): Promise<string> {
  return (await timeSkippingServer()).address;
}

/** Stops this file's time-skipping server, if it was started. */
export async function stopTimeSkippingServer(): Promise<void> {
  const started = fileServer;
  fileServer = undefined;
  await (await started)?.teardown();
}

/**
 * A time-skipping environment (client, worker connection, clock) on this file's test server; its
 * teardown closes the connections only. The SDK's public `createFromExistingServer` assumes a server
 * without time skipping, so this uses the factory behind it (present in 1.24, absent from the
 * typings) with time skipping switched on.
 */
export async function connectTimeSkipping(): Promise<TestWorkflowEnvironment> {
  const factory = TestWorkflowEnvironment as unknown as InternalCreate;
  return factory.create({
    server: { type: 'existing' },
    address: await timeSkippingAddress(),
    namespace: 'default',
    supportsTimeSkipping: true,
    client: { dataConverter: testDataConverter() },
  });
}

let bundle: Promise<WorkflowBundleWithSourceMap> | undefined;

/** The project's workflows, bundled once per test file (bundling takes seconds). */
export function workflowBundle(): Promise<WorkflowBundleWithSourceMap> {
  bundle ??= bundleWorkflows(quietBundlerLogger);
  return bundle;
}

const quietBundlerLogger = {
  log() {},
  trace() {},
  debug() {},
  info() {},
  warn(message: string) {
    process.stderr.write(`[bundler] ${message}\n`);
  },
  error(message: string) {
    process.stderr.write(`[bundler] ${message}\n`);
  },
};
