import { defineConfig } from 'vitest/config';
import { TEST_SOURCE_ENV } from './harness/test-sources.js';

/**
 * The production tier: ctrain against the production topology (PostgreSQL, the Temporal server
 * and its Web UI, MinIO erasure-coded over four drives), started by the same launcher as
 * `ctrain dev up --topology production`. The end-to-end pipelines and the retraining decisions
 * run here again, unchanged, then the faults this topology makes possible (test/production/).
 * scripts/run-tests.sh runs it after the fault suite, one file at a time: the faults take
 * PostgreSQL and a MinIO drive away from everything on the stack.
 */
export const PRODUCTION_TIER = [
  'test/e2e/flight-delay.test.ts',
  'test/e2e/seattle-temperature.test.ts',
  'test/e2e/retraining-decisions.test.ts',
  'test/production/**/*.test.ts',
];

export default defineConfig({
  test: {
    include: PRODUCTION_TIER,
    globalSetup: ['test/production/global-setup.ts'],
    env: TEST_SOURCE_ENV,
    testTimeout: 600_000,
    hookTimeout: 180_000,
    fileParallelism: false,
  },
});
