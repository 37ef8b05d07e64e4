import { defineConfig } from 'vitest/config';
import { TEST_SOURCE_ENV } from './harness/test-sources.js';

/**
 * The production tier: ctrain against the production topology (PostgreSQL, the Temporal server
 * and its Web UI, MinIO erasure-coded over four drives), started by the same launcher as
 * `ctrain dev up --topology production`. The end-to-end pipelines and the retraining decisions
 * run here again, unchanged, then the faults this topology makes possible (test/production/).
 * `--mode faults` runs the whole fault suite (test/faults/) on a production stack of its own:
 * scripts/run-tests.sh does that in full mode (CTRAIN_TEST_FULL=1) only, as it adds minutes.
 * One file at a time: the faults take PostgreSQL, MinIO or the server away from everything on the stack.
 */
export const PRODUCTION_TIER = [
  'test/e2e/flight-delay.test.ts',
  'test/e2e/seattle-temperature.test.ts',
  'test/e2e/retraining-decisions.test.ts',
  'test/production/**/*.test.ts',
];

export default defineConfig(({ mode }) => ({
  test: {
    include: mode === 'faults' ? ['test/faults/**/*.test.ts'] : PRODUCTION_TIER,
    globalSetup: ['test/production/global-setup.ts'],
    // The fault summary names each row's topology.
    env: { ...TEST_SOURCE_ENV, CTRAIN_TEST_TOPOLOGY: 'production' },
    testTimeout: 600_000,
    hookTimeout: 180_000,
    fileParallelism: false,
  },
}));
