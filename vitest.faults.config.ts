import { defineConfig } from 'vitest/config';

/**
 * The fault suite: processes really killed, MinIO and Temporal really taken away. It runs after
 * the main suite (scripts/run-tests.sh), on a stack of its own, one file at a time, since its
 * faults hit everything on that stack. `npm test` runs it; CTRAIN_SKIP_FAULTS=1 skips it.
 */
export default defineConfig({
  test: {
    include: ['test/faults/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts', 'test/faults/summary-setup.ts'],
    testTimeout: 600_000,
    hookTimeout: 180_000,
    fileParallelism: false,
  },
});
