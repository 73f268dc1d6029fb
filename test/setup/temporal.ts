// Helpers for test files: a time-skipping environment on the shared test server, and the workflow
// bundle built once per file.
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { pino } from 'pino';
import type { DataConverter } from '@temporalio/common';
import { inject } from 'vitest';
import { encryptingDataConverter, parseKeyring } from '../../runtime/codec.js';
import { installRuntime } from '../../runtime/sdk-runtime.js';
import { workflowsPath } from '../../runtime/project.js';

// The SDK's own logs go through pino at WARN, so test output shows problems, not worker life cycles.
installRuntime(pino({ level: process.env.LOG_LEVEL ?? 'warn' }));

// Every test runs with payload encryption (the key comes from global-setup); the CLI, run in-process,
// reads the same key from POORTWACHTER_KEYS.
process.env.POORTWACHTER_KEYS = inject('codecKeys');

/** The encrypting data converter for test clients and workers, with the run's key. */
export function testDataConverter(): DataConverter {
  return encryptingDataConverter(parseKeyring(inject('codecKeys'), 'test keys'));
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

/**
 * Connects to the time-skipping server that test/setup/global-setup.ts started. The SDK's public
 * `createFromExistingServer` assumes a server without time skipping, so this uses the factory
 * behind it (present in 1.24, absent from the typings) with time skipping switched on.
 */
export async function connectTimeSkipping(): Promise<TestWorkflowEnvironment> {
  const factory = TestWorkflowEnvironment as unknown as InternalCreate;
  return factory.create({
    server: { type: 'existing' },
    address: inject('timeSkippingAddress'),
    namespace: 'default',
    supportsTimeSkipping: true,
    client: { dataConverter: testDataConverter() },
  });
}

let bundle: Promise<WorkflowBundleWithSourceMap> | undefined;

/** The project's workflows, bundled once per test file (bundling takes seconds). */
export function workflowBundle(): Promise<WorkflowBundleWithSourceMap> {
  bundle ??= bundleWorkflowCode({ workflowsPath, logger: quietBundlerLogger });
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
