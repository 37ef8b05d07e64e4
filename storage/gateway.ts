/**
 * The only code that talks to MinIO (any S3 API). Everything else holds an {@link ObjectStore}
 * and names objects by the refs storage/layout.ts builds, so checksums, missing objects and
 * listings are handled one way everywhere.
 */
import { createHash, webcrypto } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { finished, pipeline } from 'node:stream/promises';
import { cachedAsyncBuffer } from 'hyparquet';
import type { AsyncBuffer } from 'hyparquet';
import { Client } from 'minio';
import type { BucketItem } from 'minio';
import type { ObjectRef } from '../contracts/pipeline-run.js';
import { FAILURE_TYPES } from '../contracts/failure-types.js';
import { BUCKETS } from '../contracts/stack.js';
import type { ObjectPrefix } from './layout.js';
import { uriOf } from '../contracts/pipeline-run.js';

/** Where MinIO is and how to sign in (infra/config.ts reads it from the environment). */
export interface ObjectStoreConfig {
  /** Full URL of the S3 API, e.g. http://127.0.0.1:9000. */
  endpoint: string;
  accessKey: string;
  secretKey: string;
}

/** User metadata carrying the SHA-256 of an object's bytes, set on write and checked on every read. */
const CHECKSUM_HEADER = 'x-amz-meta-sha256';
const REGION = 'us-east-1';

/** An artifact whose bytes do not match the checksum written with them. Retried: a re-read may succeed; a lasting mismatch fails the step with this message. */
export class ArtifactChecksumError extends Error {
  override name = FAILURE_TYPES.ArtifactChecksumError;
}

/** Whether an error from the store means the object (or its bucket) does not exist: the one test for it. */
export function isMissingObject(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'NoSuchKey' || code === 'NotFound' || code === 'NoSuchBucket';
}

/** What one HEAD tells about an object. */
export interface ObjectInfo {
  size: number;
  etag: string;
  lastModified: Date;
  /** The SHA-256 it was written with; absent for objects written without one. */
  sha256?: string;
}

const sha256 = (body: Buffer): string => createHash('sha256').update(body).digest('hex');

/** The SHA-256 (hex) of a local file, read a chunk at a time. */
async function fileSha256(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Bodies past this many bytes are hashed on the thread pool (WebCrypto), so a large upload does not stall the event loop (a server answering requests). */
const HASH_OFF_THREAD_BYTES = 256 * 1024;

async function sha256Of(body: Buffer): Promise<string> {
  if (body.length < HASH_OFF_THREAD_BYTES) return sha256(body);
  return Buffer.from(await webcrypto.subtle.digest('SHA-256', body)).toString('hex');
}

export class ObjectStore {
  readonly #client: Client;

  /** Where and as whom it connects: what another thread needs to open the same store. */
  constructor(readonly config: ObjectStoreConfig) {
    const url = new URL(config.endpoint);
    this.#client = new Client({
      endPoint: url.hostname,
      port: url.port ? Number(url.port) : undefined,
      useSSL: url.protocol === 'https:',
      accessKey: config.accessKey,
      secretKey: config.secretKey,
      region: REGION,
    });
  }

  /** Creates every bucket ctrain uses that does not exist yet. */
  async ensureBuckets(): Promise<void> {
    for (const bucket of Object.values(BUCKETS)) await this.ensureBucket(bucket);
  }

  /** Creates one bucket (an output location a person named, say) unless it exists; another caller creating it meanwhile is fine. */
  async ensureBucket(bucket: string): Promise<void> {
    if (await this.#client.bucketExists(bucket)) return;
    try {
      await this.#client.makeBucket(bucket, REGION);
    } catch (error) {
      if ((error as { code?: string }).code !== 'BucketAlreadyOwnedByYou') throw error;
    }
  }

  async bucketExists(bucket: string): Promise<boolean> {
    return this.#client.bucketExists(bucket);
  }

  /**
   * One PUT (S3 makes it visible whole or not at all), with the bytes' SHA-256 beside them
   * (`sha256`, hex, when the caller has it already). Over plain HTTP the request is signed with
   * that SHA-256, so the server refuses bytes that do not match it. The SDK's putObject would hash
   * the body twice more (SHA-256 and MD5): a tenth of the feature step's CPU at 3M rows.
   */
  async putBuffer(ref: ObjectRef, body: Buffer, contentType = 'application/octet-stream', sha256?: string): Promise<{ etag: string }> {
    const digest = sha256 ?? (await sha256Of(body));
    const headers = { 'Content-Type': contentType, 'Content-Length': body.length, 'X-Amz-Meta-Sha256': digest };
    // Over TLS the SDK signs no payload hash (TLS guards the bytes), and takes none.
    const response = await this.#client.makeRequestStreamAsync({ method: 'PUT', bucketName: ref.bucket, objectName: ref.key, headers }, body, this.#client.enableSHA256 ? digest : '', [200], '');
    response.resume();
    await finished(response);
    return { etag: (response.headers.etag ?? '').replaceAll('"', '') };
  }

  async putJson(ref: ObjectRef, value: unknown): Promise<void> {
    await this.putBuffer(ref, Buffer.from(JSON.stringify(value, null, 2)), 'application/json');
  }

  /**
   * {@link putBuffer} for an object too large to hold in memory: the same object, content type
   * and SHA-256, read from a local file. Past the SDK's part size it goes up as a multipart upload,
   * which S3 likewise makes visible only once complete. `sha256` is the file's SHA-256 (hex) where
   * its writer took it on the way, saving a read of the whole file to hash it.
   */
  async putFile(ref: ObjectRef, path: string, contentType = 'application/octet-stream', sha256?: string): Promise<void> {
    // Up to its part size the SDK holds the whole file anyway: read once, hashed from memory, and not
    // gathered from a stream's pieces (a sixth less CPU for 34 MB). An empty file goes this way too: given
    // its path, the SDK would open a read stream and never read or close it.
    if ((await stat(path)).size <= this.#client.partSize) {
      await this.putBuffer(ref, await readFile(path), contentType, sha256);
      return;
    }
    await this.#client.fPutObject(ref.bucket, ref.key, path, { 'Content-Type': contentType, 'X-Amz-Meta-Sha256': sha256 ?? (await fileSha256(path)) });
  }

  /** The object's bytes, checked against the SHA-256 they were written with (objects written without one are taken as they are). Throws when missing ({@link isMissingObject}). */
  async getBuffer(ref: ObjectRef): Promise<Buffer> {
    const response = await this.#client.getObject(ref.bucket, ref.key);
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

  /** The object's bytes, or undefined when it does not exist. */
  async findBuffer(ref: ObjectRef): Promise<Buffer | undefined> {
    try {
      return await this.getBuffer(ref);
    } catch (error) {
      if (isMissingObject(error)) return undefined;
      throw error;
    }
  }

  async getText(ref: ObjectRef): Promise<string> {
    return (await this.getBuffer(ref)).toString('utf8');
  }

  /** The object parsed as JSON, or undefined when it does not exist. */
  async getJson<T>(ref: ObjectRef): Promise<T | undefined> {
    const body = await this.findBuffer(ref);
    return body === undefined ? undefined : (JSON.parse(body.toString('utf8')) as T);
  }

  /** Streams the object into a local file (never whole in memory). Throws when missing ({@link isMissingObject}). */
  async download(ref: ObjectRef, path: string): Promise<void> {
    await pipeline(await this.#client.getObject(ref.bucket, ref.key), createWriteStream(path));
  }

  /** Size, etag and stored SHA-256 from one HEAD; undefined when the object does not exist. */
  async stat(ref: ObjectRef): Promise<ObjectInfo | undefined> {
    try {
      const { size, etag, lastModified, metaData } = await this.#client.statObject(ref.bucket, ref.key);
      const metadata = metaData as Record<string, string | undefined>;
      return { size, etag, lastModified, sha256: metadata.sha256 ?? metadata[CHECKSUM_HEADER] };
    } catch (error) {
      if (isMissingObject(error)) return undefined;
      throw error;
    }
  }

  async remove(ref: ObjectRef): Promise<void> {
    await this.#client.removeObject(ref.bucket, ref.key);
  }

  /** Keys of every object under the prefix, at any depth. */
  async listKeys(where: ObjectPrefix): Promise<string[]> {
    const keys: string[] = [];
    for await (const item of this.#client.listObjectsV2(where.bucket, where.prefix, true) as AsyncIterable<BucketItem>) if (item.name) keys.push(item.name);
    return keys;
  }

  /** The folders directly under the prefix, each without its trailing `/`. */
  async listFolders(where: ObjectPrefix): Promise<string[]> {
    const folders: string[] = [];
    // Not recursive: each folder comes back once, as a prefix.
    for await (const item of this.#client.listObjectsV2(where.bucket, where.prefix, false) as AsyncIterable<BucketItem>) {
      if (item.prefix) folders.push(item.prefix.slice(where.prefix.length).replace(/\/$/, ''));
    }
    return folders;
  }

  /**
   * An object as hyparquet's AsyncBuffer: its length from one HEAD, its bytes by ranged GETs as
   * the reader asks for them (cached, so the footer is fetched once). Reading some row groups of
   * a large Parquet object fetches only their column chunks.
   */
  async asyncBuffer(ref: ObjectRef): Promise<AsyncBuffer> {
    const client = this.#client;
    const { size } = await client.statObject(ref.bucket, ref.key);
    return cachedAsyncBuffer({
      byteLength: size,
      async slice(start: number, end?: number): Promise<ArrayBuffer> {
        const stop = end ?? size;
        if (stop <= start) return new ArrayBuffer(0);
        const chunks: Buffer[] = [];
        for await (const chunk of await client.getPartialObject(ref.bucket, ref.key, start, stop - start)) chunks.push(chunk as Buffer);
        const body = Buffer.concat(chunks);
        return body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength);
      },
    });
  }
}
