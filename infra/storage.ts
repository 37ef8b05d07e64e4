import { Client } from 'minio';
import { BUCKETS } from '../contracts/stack.js';
import type { ServiceConfig } from './config.js';

/** A MinIO (S3 API) client for the configured endpoint. */
export function createStorage(config: ServiceConfig['minio']): Client {
  const url = new URL(config.endpoint);
  return new Client({
    endPoint: url.hostname,
    port: url.port ? Number(url.port) : undefined,
    useSSL: url.protocol === 'https:',
    accessKey: config.accessKey,
    secretKey: config.secretKey,
    region: 'us-east-1',
  });
}

/** Creates every bucket ctrain uses that does not exist yet. */
export async function ensureBuckets(storage: Client): Promise<void> {
  for (const bucket of Object.values(BUCKETS)) {
    if (!(await storage.bucketExists(bucket))) await storage.makeBucket(bucket, 'us-east-1');
  }
}

/** Reads a whole (small) object as UTF-8 text. */
export async function readText(storage: Client, bucket: string, key: string): Promise<string> {
  const stream = await storage.getObject(bucket, key);
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
