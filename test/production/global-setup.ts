import type { TestProject } from 'vitest/node';
import { setUpStack } from '../global-setup.js';

/** The production tier's stack: PostgreSQL, the Temporal server and Web UI, MinIO over four drives. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  return setUpStack(project, 'production');
}
