// Starts the Java time-skipping test server (the pinned binary, installed if needed) for the test
// suite, `poortwachter simulate`, the history generator and the benchmarks.
import type { DataConverter } from '@temporalio/common';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { ensureTestServer } from './temporal-binaries.js';

/** The SDK's core gives a starting server 5 s to listen, and that is not configurable. */
const START_ATTEMPTS = 3;

/**
 * A time-skipping server, started again (twice at most) when it did not listen within the SDK's 5 s:
 * after memory-heavy work (the benchmark's idle fleet, a test run after a benchmark) a start missed
 * them several times on 2026-12-02 and ended a full benchmark run and a test run.
 */
export async function startTimeSkippingServer(
  { dataConverter }: { dataConverter?: DataConverter } = {},
  log: (line: string) => void = () => {},
): Promise<TestWorkflowEnvironment> {
  const binary = await ensureTestServer(log);
  log(`starting the time-skipping test server (${binary.path})`);
  for (let attempt = 1; ; attempt++) {
    try {
      return await TestWorkflowEnvironment.createTimeSkipping({
        server: { executable: { type: 'existing-path', path: binary.path } },
        ...(dataConverter && { client: { dataConverter } }),
      });
    } catch (err) {
      const slowStart = err instanceof Error && err.message.includes('did not start within');
      if (!slowStart || attempt >= START_ATTEMPTS) throw err;
      log(`the test server did not start in time (attempt ${attempt} of ${START_ATTEMPTS}); starting it again`);
      await new Promise((resolve) => setTimeout(resolve, 2_000));
    }
  }
}
