/**
 * The model registries as MinIO holds them: the model workflow publishes each one there after
 * every change (activities/registry.ts), so reading them needs neither Temporal nor a worker.
 */
import type { ObjectStore } from '../storage/gateway.js';
import { isMissingObject } from '../storage/gateway.js';
import type { Registry } from '../contracts/model.js';
import { uriOf } from '../contracts/pipeline-run.js';
import { parseRegistry, RegistryFormatError } from '../contracts/registry-format.js';
import { registryKeys } from '../storage/layout.js';
import { NoRegistryError } from './hinted-errors.js';

/** A registry this ctrain cannot read (a newer format, or damaged), named with why. */
export interface UnreadableRegistry {
  modelName: string;
  reason: string;
}

/**
 * Every model's published registry, sorted by name; empty when the registry bucket holds none.
 * One registry this ctrain cannot read (say a newer ctrain wrote it) is set aside in `unreadable`
 * rather than hiding every other model. A MinIO that cannot be reached, or has no registry bucket,
 * throws: it is never an empty answer.
 */
export async function listRegistries(storage: ObjectStore): Promise<{ registries: Registry[]; unreadable: UnreadableRegistry[] }> {
  let keys: string[];
  try {
    keys = await storage.listKeys(registryKeys.all);
  } catch (error) {
    if (isMissingObject(error)) throw new NoRegistryError(`MinIO has no registry bucket "${registryKeys.all.bucket}"`, 'this is not ctrain\'s MinIO, or its buckets were never made: `npx ctrain dev up` makes them (or set CTRAIN_MINIO_ENDPOINT)', { cause: error });
    throw error;
  }
  const models = keys.map(registryKeys.modelOf).filter((name): name is string => name !== undefined).sort();
  const registries: Registry[] = [];
  const unreadable: UnreadableRegistry[] = [];
  for (const modelName of models) {
    try {
      const registry = await findRegistry(storage, modelName);
      if (registry) registries.push(registry);
    } catch (error) {
      if (!(error instanceof RegistryFormatError)) throw error;
      unreadable.push({ modelName, reason: error.message });
    }
  }
  return { registries, unreadable };
}

/** One model's published registry, or undefined when it has none (never trained, or deleted meanwhile). */
export async function findRegistry(storage: ObjectStore, modelName: string): Promise<Registry | undefined> {
  const text = await storage.findBuffer(registryKeys.registry(modelName));
  return text === undefined ? undefined : parseRegistry(text.toString('utf8'), modelName);
}

/** One model's published registry; {@link NoRegistryError} naming where it looked when there is none. */
export async function publishedRegistry(storage: ObjectStore, modelName: string): Promise<Registry> {
  const registry = await findRegistry(storage, modelName);
  if (registry) return registry;
  throw new NoRegistryError(
    `no model "${modelName}": there is no registry at ${uriOf(registryKeys.registry(modelName))}`,
    `train it first with \`npx ctrain run ${modelName}\`; \`npx ctrain models ls\` lists the models`,
  );
}
