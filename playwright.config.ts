import { defineConfig } from '@playwright/test';
import { E2E_BASE_URL, E2E_DATA_DIR, e2eServerEnv } from './e2e/fixtures/server-env';

// Debian's Chromium; Playwright never downloads a browser here.
const launchOptions = {
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
};

export default defineConfig({
  testDir: './e2e',
  outputDir: './e2e/.output/results',
  fullyParallel: false,
  workers: 1,
  retries: 0,
  reporter: [['list']],
  use: { baseURL: E2E_BASE_URL, launchOptions, trace: 'retain-on-failure' },
  projects: [
    { name: 'api', testMatch: /api\/.*\.spec\.ts/ },
    { name: 'browser', testMatch: /browser\/.*\.spec\.ts/, use: { browserName: 'chromium' } },
  ],
  webServer: {
    command: `rm -rf ${E2E_DATA_DIR} && node bin/gatehouse.mjs serve`,
    url: `${E2E_BASE_URL}/readyz`,
    env: e2eServerEnv,
    timeout: 120_000,
    reuseExistingServer: false,
    stdout: 'ignore',
    stderr: 'pipe',
  },
});
