import { defineConfig } from 'vitest/config';

/**
 * Pure unit tests only, with no global set-up: nothing starts Temporal or MinIO. Mutation testing
 * (scripts/mutation.ts) runs through it, narrowed to a group's tests by CTRAIN_UNIT_TESTS
 * (comma-separated paths); without it, every file under test/unit.
 */
export default defineConfig({
  test: {
    include: process.env.CTRAIN_UNIT_TESTS?.split(',') ?? ['test/unit/**/*.test.ts'],
    exclude: ['node_modules/**'],
    testTimeout: 60_000,
  },
});
