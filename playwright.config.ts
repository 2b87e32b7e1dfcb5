import { defineConfig } from '@playwright/test';
import { E2E_SERVER_LOG_RELATIVE, ISSUED_SECRETS_RELATIVE } from './e2e/fixtures/issued-secrets';
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
  // Fails the run if a secret the suite was issued appears in the server's log.
  globalTeardown: './e2e/global-teardown.ts',
  use: { baseURL: E2E_BASE_URL, launchOptions, trace: 'retain-on-failure' },
  projects: [
    { name: 'api', testMatch: /api\/.*\.spec\.ts/ },
    { name: 'browser', testMatch: /browser\/.*\.spec\.ts/, use: { browserName: 'chromium' } },
    // Several Gatehouse processes on PostgreSQL and Redis, each spec with its own (e2e/fixtures/cluster-servers.ts).
    { name: 'cluster', testMatch: /cluster\/.*\.spec\.ts/ },
  ],
  webServer: {
    // The server's output goes to a file, for the secret leak check (e2e/global-teardown.ts).
    command: `rm -rf ${E2E_DATA_DIR} ${ISSUED_SECRETS_RELATIVE} && mkdir -p e2e/.output && exec node bin/gatehouse.mjs serve > ${E2E_SERVER_LOG_RELATIVE} 2>&1`,
    url: `${E2E_BASE_URL}/readyz`,
    env: e2eServerEnv,
    timeout: 120_000,
    reuseExistingServer: false,
    stdout: 'ignore',
    stderr: 'pipe',
  },
});
