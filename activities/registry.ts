import type { Registry } from '../contracts/model.js';
import { BUCKETS } from '../contracts/stack.js';
import { putJson } from '../infra/artifacts.js';
import type { ActivityDependencies } from './index.js';

/** Where a model's registry lives in MinIO, readable without Temporal (by the model server and people). */
export const registryRef = (model: string) => ({ bucket: BUCKETS.registry, key: `${model}/registry.json` });

export function createRegistryActivities({ storage }: ActivityDependencies) {
  return {
    /** Writes the whole registry through; the model workflow is its only writer, so last write wins safely. */
    async writeRegistry({ registry }: { registry: Registry }): Promise<void> {
      await putJson(storage, registryRef(registry.model), registry);
    },
  };
}
