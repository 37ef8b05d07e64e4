import { createHash } from 'node:crypto';
import type { Client } from 'minio';
import { checkKeySegment, checkName } from '../contracts/names.js';
import { BUCKETS } from '../contracts/stack.js';
import type { ObjectRef, StepName } from '../contracts/pipeline-run.js';
import { readText } from './storage.js';

/**
 * Where each kind of output lives in MinIO. Keys derive from inputs, so retries overwrite the same
 * bytes. Names and ids from outside are checked (contracts/names.ts), so no key leaves its prefix.
 */
export const artifactKeys = {
  stepOutput: (step: StepName, cacheKey: string, name: string): ObjectRef => ({ bucket: BUCKETS.artifacts, key: `steps/${step}/${cacheKey}/${name}` }),
  /** Written last: its presence marks the step's output under that key as complete. */
  stepManifest: (step: StepName, cacheKey: string): ObjectRef => ({ bucket: BUCKETS.artifacts, key: `steps/${step}/${cacheKey}/manifest.json` }),
  /** Each run's record of its steps, read by `--resume`. */
  runStep: (runId: string, step: StepName): ObjectRef => ({ bucket: BUCKETS.artifacts, key: `runs/${checkKeySegment(runId, 'run id')}/${step}.json` }),
  referenceSchema: (pipeline: string): ObjectRef => ({ bucket: BUCKETS.artifacts, key: `pipelines/${checkName(pipeline, 'pipeline name')}/reference-schema.json` }),
  dvcFile: (pipeline: string, datasetVersion: string): ObjectRef => ({
    bucket: BUCKETS.datasets,
    key: `meta/${checkName(pipeline, 'pipeline name')}/${checkKeySegment(datasetVersion, 'dataset version')}.dvc`,
  }),
};

/** A step's cache key: sha256 over its code version, configuration and input content hashes, canonically ordered. */
export function cacheKey(step: StepName, codeVersion: string, config: unknown, inputs: Record<string, string>): string {
  return createHash('sha256').update(canonicalJson({ step, codeVersion, config, inputs })).digest('hex').slice(0, 32);
}

/** JSON with object keys sorted at every level, so equal values always hash equally. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, item: unknown) =>
    item && typeof item === 'object' && !Array.isArray(item)
      ? Object.fromEntries(Object.entries(item as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : item,
  );
}

export const uriOf = (ref: ObjectRef): string => `s3://${ref.bucket}/${ref.key}`;

export async function putJson(storage: Client, ref: ObjectRef, value: unknown): Promise<void> {
  const body = Buffer.from(JSON.stringify(value, null, 2));
  await storage.putObject(ref.bucket, ref.key, body, body.length, { 'Content-Type': 'application/json' });
}

export async function getJson<T>(storage: Client, ref: ObjectRef): Promise<T | undefined> {
  try {
    return JSON.parse(await readText(storage, ref.bucket, ref.key)) as T;
  } catch (error) {
    if ((error as { code?: string }).code === 'NoSuchKey') return undefined;
    throw error;
  }
}

export async function putBuffer(storage: Client, ref: ObjectRef, body: Buffer, contentType = 'application/octet-stream'): Promise<void> {
  await storage.putObject(ref.bucket, ref.key, body, body.length, { 'Content-Type': contentType });
}

export async function getBuffer(storage: Client, ref: ObjectRef): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of await storage.getObject(ref.bucket, ref.key)) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
