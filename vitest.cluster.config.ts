import { defineConfig } from 'vitest/config';

/**
 * The cluster tier (`npm run test:cluster`): the production topology on this machine, the Temporal
 * server built from its Go module on PostgreSQL 15 (tools/cluster/), with worker processes that are
 * killed, restarted and replaced under running cases. One file, its steps in order.
 */
export default defineConfig({
  test: {
    include: ['test/cluster/**/*.cluster.ts'],
    fileParallelism: false,
    testTimeout: 10 * 60_000,
    hookTimeout: 20 * 60_000,
  },
});
