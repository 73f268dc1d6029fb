// Starts one Java time-skipping test server for the whole test run and hands its address to the
// test files (vitest `provide`/`inject`). Starting it once avoids per-file start-up cost and the
// port races of many servers starting at the same moment.
import { TestWorkflowEnvironment } from '@temporalio/testing';
import type { TestProject } from 'vitest/node';
import { registerSearchAttributes } from '../../client/search-attributes.js';
import { ensureTestServer } from '../../scripts/temporal-binaries.js';

declare module 'vitest' {
  export interface ProvidedContext {
    timeSkippingAddress: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const binary = await ensureTestServer((line) => process.stderr.write(`[global-setup] ${line}\n`));
  const env = await TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: { type: 'existing-path', path: binary.path } },
  });
  await registerSearchAttributes(env.connection, 'default');
  project.provide('timeSkippingAddress', env.address);
  return async () => {
    await env.teardown();
  };
}
