import type { Registry } from '../contracts/model.js';
import { registryKeys } from '../storage/layout.js';
import type { ActivityDependencies } from './dependencies.js';

export function createRegistryActivities({ storage }: ActivityDependencies) {
  return {
    /** Writes the whole registry through; the model workflow is its only writer, so last write wins safely. */
    async writeRegistry({ registry }: { registry: Registry }): Promise<void> {
      await storage.putJson(registryKeys.registry(registry.modelName), registry);
    },
  };
}
