/**
 * A MinIO client that bypasses the gateway (storage/gateway.ts), for tests that must do what
 * ctrain itself never does: write an object without its checksum or with rotted bytes, or drop a
 * scratch bucket. Every other test goes through the gateway like the code it tests.
 */
import { Client } from 'minio';
import type { ObjectStoreConfig } from '../../storage/gateway.js';

export function rawMinio(config: ObjectStoreConfig): Client {
  const url = new URL(config.endpoint);
  return new Client({ endPoint: url.hostname, port: Number(url.port), useSSL: false, accessKey: config.accessKey, secretKey: config.secretKey, region: 'us-east-1' });
}

/** Removes a scratch bucket and everything in it. */
export async function dropBucket(config: ObjectStoreConfig, bucket: string): Promise<void> {
  const client = rawMinio(config);
  if (!(await client.bucketExists(bucket))) return;
  const keys: string[] = [];
  for await (const item of client.listObjectsV2(bucket, '', true) as AsyncIterable<{ name?: string }>) if (item.name) keys.push(item.name);
  await client.removeObjects(bucket, keys);
  await client.removeBucket(bucket);
}
