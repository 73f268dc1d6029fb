import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // One time-skipping test server is shared by the whole run, and its clock is global: test files
    // that skip time must not run at the same moment, so files run one after another.
    fileParallelism: false,
    globalSetup: ['test/setup/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
