import { configDefaults, defineConfig } from 'vitest/config';

/**
 * The pure tests: no Temporal server and no global setup, so they run in parallel, in seconds
 * (`npm run test:unit`). config.test.ts runs the compiled `bin/poortwachter.js` (dist/, `npm run build`).
 */
const unit = [
  'test/unit/**/*.test.ts',
  'test/calendar/*.test.ts',
  'test/cli-help.test.ts',
  'test/amsterdam-time.test.ts',
  'test/codec.test.ts',
  'test/compose.test.ts',
  'test/config.test.ts',
  'test/docs-links.test.ts',
  'test/readme.test.ts',
  'test/runtime.test.ts',
  'test/temporal-binaries.test.ts',
];

export default defineConfig({
  test: {
    // `npm test` runs both projects, each file once: first the pure tests, then the stories.
    projects: [
      {
        test: {
          name: 'unit',
          include: unit,
          testTimeout: 60_000,
          sequence: { groupOrder: 0 },
        },
      },
      {
        test: {
          name: 'stories',
          include: ['test/**/*.test.ts'],
          exclude: [...configDefaults.exclude, ...unit],
          // Each file has a time-skipping server of its own (test/setup/file-server.ts); files run
          // one after another, as the machines have two cores and the files share one dev server.
          fileParallelism: false,
          globalSetup: ['test/setup/global-setup.ts'],
          setupFiles: ['test/setup/file-server.ts'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
