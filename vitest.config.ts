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
          // One time-skipping test server is shared by the whole run, and its clock is global: test
          // files that skip time must not run at the same moment, so files run one after another.
          fileParallelism: false,
          globalSetup: ['test/setup/global-setup.ts'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
