// The browser tests (test/browser/): @playwright/test driving the system's Chromium (Debian's
// `chromium` package; Playwright's own browser download is not used), in Dutch and Amsterdam time,
// one browser at a time against one dev stack per file.
import { existsSync } from 'node:fs';
import { defineConfig } from '@playwright/test';

const chromium = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
if (!existsSync(chromium)) {
  throw new Error(
    `no Chromium at ${chromium}: install it (Debian/Ubuntu: apt-get install chromium) or set CHROMIUM_PATH to its binary`,
  );
}

export default defineConfig({
  testDir: 'test/browser',
  testMatch: '*.spec.ts',
  workers: 1,
  fullyParallel: false,
  timeout: 120_000,
  expect: { timeout: 15_000 },
  reporter: [['list']],
  outputDir: 'test-results',
  use: {
    locale: 'nl-NL',
    timezoneId: 'Europe/Amsterdam',
    launchOptions: { executablePath: chromium },
    screenshot: 'only-on-failure',
    trace: 'retain-on-failure',
  },
});
