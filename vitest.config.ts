import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['lib/**/*.test.ts', 'tests/**/*.test.ts', 'packages/**/*.test.ts'],
    exclude: ['node_modules/**', 'e2e/**'],
    environment: 'node',
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Integration suites create their own databases; two workers fit 2 cores.
    maxWorkers: 2,
  },
});
