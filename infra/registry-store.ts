import type { Registry } from '../contracts/model.js';
import { parseRegistry } from '../contracts/registry-format.js';
import type { ObjectStore } from '../storage/gateway.js';
import { registryKeys } from '../storage/layout.js';

/** A model's registry as the model workflow last published it, in any format this code reads; undefined when the model has none. */
export async function loadRegistry(storage: ObjectStore, modelName: string): Promise<Registry | undefined> {
  const body = await storage.findBuffer(registryKeys.registry(modelName));
  return body === undefined ? undefined : parseRegistry(body.toString('utf8'), modelName);
}
