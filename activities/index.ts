import type { Client } from 'minio';
import { createStackCheckActivities } from './stack-check.js';

/** The clients activities need, built by the worker (real services) or by tests (test instances). */
export interface ActivityDependencies {
  storage: Client;
}

export function createActivities(deps: ActivityDependencies) {
  return {
    ...createStackCheckActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
