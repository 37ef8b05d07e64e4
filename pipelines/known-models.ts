/**
 * One answer, for every entry point (CLI, alert receiver, UI), to "is this a model ctrain knows?":
 * a pipeline it ships (or this process registered), one whose spec a run from a file stored in
 * MinIO, or one with a registry. A name that is no slug is refused before any lookup.
 */
import { checkName } from '../contracts/names.js';
import type { ObjectStore } from '../storage/gateway.js';
import { pipelineKeys, registryKeys } from '../storage/layout.js';
import { findPipeline, pipelineNames } from './index.js';
import { storedPipelineNames } from './user-pipelines.js';

/** A valid name that no pipeline, stored spec or registry has. */
export class UnknownModelError extends Error {
  override name = 'UnknownModelError';
}

/** Whether ctrain knows the model; throws InvalidNameError for a name that is no slug. */
export async function isKnownModel(storage: ObjectStore, name: string): Promise<boolean> {
  checkName(name);
  if (findPipeline(name)) return true;
  if (await storage.stat(pipelineKeys.spec(name))) return true;
  return (await storage.stat(registryKeys.registry(name))) !== undefined;
}

/** The name, when ctrain knows the model; else InvalidNameError or {@link UnknownModelError}, saying what to do. */
export async function checkKnownModel(storage: ObjectStore, name: string): Promise<string> {
  if (await isKnownModel(storage, name)) return name;
  throw new UnknownModelError(
    `unknown model "${name}": no pipeline ctrain ships, no spec stored by a run from a file, no registry by that name. ` +
      '`npx ctrain pipelines ls` lists the pipelines; a pipeline of your own is known once it has run (npx ctrain run ./my-pipeline.ts)',
  );
}

/** Every known model's name, sorted: shipped, stored specs and registries. */
export async function knownModelNames(storage: ObjectStore): Promise<string[]> {
  const registries = (await storage.listKeys(registryKeys.all)).map(registryKeys.modelOf).filter((name): name is string => name !== undefined);
  return [...new Set([...pipelineNames(), ...(await storedPipelineNames(storage)), ...registries])].sort();
}

/** The known models, as a set a synchronous check can ask, kept fresh in the background. */
export interface KnownModelSet {
  has(name: string): boolean;
  close(): void;
}

/**
 * Loads the known models now and again every `refreshMs`, for servers that answer each request
 * without a MinIO round trip (the alert receiver). A refresh that fails keeps the last answer;
 * before the first success the shipped pipelines are known.
 */
export async function watchKnownModels(storage: ObjectStore, { refreshMs = 5_000, onError }: { refreshMs?: number; onError?: (error: unknown) => void } = {}): Promise<KnownModelSet> {
  let names = new Set(pipelineNames());
  const refresh = async (): Promise<void> => {
    try {
      names = new Set(await knownModelNames(storage));
    } catch (error) {
      onError?.(error);
    }
  };
  await refresh();
  const timer = setInterval(() => void refresh(), refreshMs);
  timer.unref();
  return { has: (name) => names.has(name), close: () => clearInterval(timer) };
}
