import { defineConfig } from 'vitest/config';
import { TEST_SOURCE_ENV } from './harness/test-sources.js';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The fault suite and the production tier run after, each on a stack of its own
    // (vitest.faults.config.ts, vitest.production.config.ts).
    exclude: ['test/faults/**', 'test/production/**', 'node_modules/**'],
    globalSetup: ['test/global-setup.ts'],
    env: TEST_SOURCE_ENV,
    testTimeout: 120_000,
    hookTimeout: 180_000,
    // Integration tests share one real stack; files run in parallel workers against it.
    fileParallelism: true,
    maxWorkers: 2,
  },
});
