import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { log } from '@temporalio/activity';
import type { CacheOptions, ObjectRef, StepManifestBase, StepName } from '../contracts/pipeline-run.js';
import { MANIFEST_FORMAT, uriOf } from '../contracts/pipeline-run.js';
import { formatOf } from '../contracts/format-version.js';
import { manifestOfFormatTwo } from '../contracts/format-renames.js';
import { failForGoodOn } from './unrecoverable.js';
import { stepKeys } from '../storage/layout.js';
import type { ObjectStore } from '../storage/gateway.js';

/** False when the run or the step turned caching off. */
export function cacheEnabled(cache: CacheOptions | undefined, step: StepName): boolean {
  return cache?.enabled !== false && !(cache?.disabledSteps ?? []).includes(step);
}

/** The complete output already stored under this key, marked as reused; undefined when there is none or caching is off. */
export async function reuseCached<T extends StepManifestBase>(storage: ObjectStore, step: StepName, key: string, cache: CacheOptions | undefined): Promise<T | undefined> {
  if (!cacheEnabled(cache, step)) return undefined;
  const manifest = await readStoredManifest<T>(storage, stepKeys.manifest(step, key));
  if (!manifest) return undefined;
  log.info(`${step}: reusing the complete output cached under ${key}`);
  return { ...manifest, cached: true, reusedBy: 'cache' };
}

/** Writes the manifest last: only then is the step's output under its key complete. */
export async function completeStep<T extends StepManifestBase>(storage: ObjectStore, manifest: T): Promise<T> {
  const stored = { ...manifest, format: MANIFEST_FORMAT };
  await storage.putJson(stepKeys.manifest(manifest.step, manifest.cacheKey), stored);
  return stored;
}

/** A stored manifest (the step cache's or a run's record) in any format this code reads; undefined when there is none. */
export async function readStoredManifest<T extends StepManifestBase>(storage: ObjectStore, ref: ObjectRef): Promise<T | undefined> {
  const manifest = await storage.getJson<T>(ref);
  if (!manifest) return undefined;
  // A newer format fails the step for good rather than be misread.
  const format = await failForGoodOn(() => formatOf(manifest, MANIFEST_FORMAT, `step manifest ${uriOf(ref)}`));
  return format < MANIFEST_FORMAT ? manifestOfFormatTwo(manifest) : manifest;
}

/** Runs `body` with a private scratch folder that is always removed. */
export async function withScratch<T>(name: string, body: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), `ctrain-${name}-`));
  try {
    return await body(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
