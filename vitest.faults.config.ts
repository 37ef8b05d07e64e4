import { defineConfig } from 'vitest/config';
import { TEST_SOURCE_ENV } from './harness/test-sources.js';

/**
 * Faults that take a service of the stack away (MinIO, the Temporal server): each file owns the
 * whole stack while it runs, so these go one at a time, on a stack of their own.
 */
export const SERVICE_FAULTS = ['test/faults/storage-outage.test.ts', 'test/faults/temporal-restart.test.ts'];

/**
 * The fault suite: processes really killed, MinIO and Temporal really taken away. It runs after
 * the main suite (scripts/run-tests.sh) in two parts, each on a stack of its own and at the same
 * time: `--mode services` runs SERVICE_FAULTS one by one; the default mode runs the faults that
 * kill only processes their own file started (workers, a model server, a run), two files at once.
 * `npm test` runs both; CTRAIN_SKIP_FAULTS=1 skips them.
 */
export default defineConfig(({ mode }) => {
  const services = mode === 'services';
  return {
    test: {
      include: services ? SERVICE_FAULTS : ['test/faults/**/*.test.ts'],
      exclude: services ? [] : [...SERVICE_FAULTS, 'node_modules/**'],
      globalSetup: ['test/global-setup.ts'],
      env: TEST_SOURCE_ENV,
      testTimeout: 600_000,
      hookTimeout: 180_000,
      fileParallelism: !services,
      maxWorkers: 2,
    },
  };
});
