import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { cachedAsyncBuffer } from 'hyparquet';
import type { AsyncBuffer } from 'hyparquet';
import type { Client } from 'minio';
import { FAILURE_TYPES } from '../contracts/failure-types.js';
import { canonicalJson } from '../contracts/canonical-json.js';
import { checkKeySegment, checkName } from '../contracts/names.js';
import { BUCKETS } from '../contracts/stack.js';
import type { ObjectRef, StepName } from '../contracts/pipeline-run.js';

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
  /** The run's report for a person (self-contained HTML with SVG charts), beside its step records. */
  runReport: (runId: string): ObjectRef => ({ bucket: BUCKETS.artifacts, key: `runs/${checkKeySegment(runId, 'run id')}/report.html` }),
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

export const uriOf = (ref: ObjectRef): string => `s3://${ref.bucket}/${ref.key}`;

/** User metadata carrying the SHA-256 of an artifact's bytes, set on write and checked on every read. */
const CHECKSUM_HEADER = 'x-amz-meta-sha256';

/** An artifact whose bytes do not match the checksum written with them. Retried: a re-read may succeed; a lasting mismatch fails the step with this message. */
export class ArtifactChecksumError extends Error {
  override name = FAILURE_TYPES.ArtifactChecksumError;
}

const sha256 = (body: Buffer): string => createHash('sha256').update(body).digest('hex');

export async function putJson(storage: Client, ref: ObjectRef, value: unknown): Promise<void> {
  await putBuffer(storage, ref, Buffer.from(JSON.stringify(value, null, 2)), 'application/json');
}

export async function getJson<T>(storage: Client, ref: ObjectRef): Promise<T | undefined> {
  try {
    return JSON.parse((await getBuffer(storage, ref)).toString('utf8')) as T;
  } catch (error) {
    if ((error as { code?: string }).code === 'NoSuchKey') return undefined;
    throw error;
  }
}

/** One PUT (S3 makes it visible whole or not at all), with the bytes' SHA-256 beside them. */
export async function putBuffer(storage: Client, ref: ObjectRef, body: Buffer, contentType = 'application/octet-stream'): Promise<void> {
  await storage.putObject(ref.bucket, ref.key, body, body.length, { 'Content-Type': contentType, 'X-Amz-Meta-Sha256': sha256(body) });
}

/**
 * {@link putBuffer} for an artifact too large to hold in memory: the same object, content type
 * and SHA-256, read from a local file. Past the SDK's part size it goes up as a multipart upload,
 * which S3 likewise makes visible only once complete.
 */
export async function putFile(storage: Client, ref: ObjectRef, path: string, contentType = 'application/octet-stream'): Promise<void> {
  // For an empty file the SDK would open a read stream and never read or close it.
  if ((await stat(path)).size === 0) return putBuffer(storage, ref, Buffer.alloc(0), contentType);
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  await storage.fPutObject(ref.bucket, ref.key, path, { 'Content-Type': contentType, 'X-Amz-Meta-Sha256': hash.digest('hex') });
}

/** Whether an artifact exists, and the SHA-256 it was written with (none for objects written without one), from one HEAD; undefined when missing. */
export async function statArtifact(storage: Client, ref: ObjectRef): Promise<{ sha256?: string } | undefined> {
  try {
    const { metaData } = await storage.statObject(ref.bucket, ref.key);
    const metadata = metaData as Record<string, string | undefined>;
    return { sha256: metadata.sha256 ?? metadata[CHECKSUM_HEADER] };
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'NotFound' || code === 'NoSuchKey') return undefined;
    throw error;
  }
}

/** The artifact's bytes, checked against the SHA-256 they were written with (objects written without one are taken as they are). */
export async function getBuffer(storage: Client, ref: ObjectRef): Promise<Buffer> {
  const response = await storage.getObject(ref.bucket, ref.key);
  const chunks: Buffer[] = [];
  for await (const chunk of response) chunks.push(chunk as Buffer);
  const body = Buffer.concat(chunks);
  // The SDK answers with the HTTP response itself, so the checksum comes with the same GET as the bytes.
  const expected = (response as Partial<IncomingMessage>).headers?.[CHECKSUM_HEADER];
  if (typeof expected === 'string' && expected !== sha256(body)) {
    throw new ArtifactChecksumError(`${uriOf(ref)} is corrupt: its ${body.length} bytes do not match the SHA-256 written with them`);
  }
  return body;
}

/**
 * An object as hyparquet's AsyncBuffer: its length from one HEAD, its bytes by ranged GETs as
 * the reader asks for them (cached, so the footer is fetched once). Reading some row groups of
 * a large Parquet object fetches only their column chunks.
 */
export async function objectAsyncBuffer(storage: Client, ref: ObjectRef): Promise<AsyncBuffer> {
  const { size } = await storage.statObject(ref.bucket, ref.key);
  return cachedAsyncBuffer({
    byteLength: size,
    async slice(start: number, end?: number): Promise<ArrayBuffer> {
      const stop = end ?? size;
      if (stop <= start) return new ArrayBuffer(0);
      const chunks: Buffer[] = [];
      for await (const chunk of await storage.getPartialObject(ref.bucket, ref.key, start, stop - start)) chunks.push(chunk as Buffer);
      const body = Buffer.concat(chunks);
      return body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength);
    },
  });
}
