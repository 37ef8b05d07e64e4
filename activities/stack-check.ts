import type { Client } from 'minio';
import type { StackCheckInput, StackCheckResult } from '../contracts/stack-check.js';
import { readText } from '../infra/storage.js';

/** Writes an object to MinIO and reads it back through a fresh GET. */
export function createStackCheckActivities({ storage }: { storage: Client }) {
  return {
    async writeAndReadBack({ bucket, key, text }: StackCheckInput): Promise<StackCheckResult> {
      const body = Buffer.from(text, 'utf8');
      const { etag } = await storage.putObject(bucket, key, body, body.length, { 'Content-Type': 'text/plain; charset=utf-8' });
      return { key, etag, bytes: body.length, readBack: await readText(storage, bucket, key) };
    },
  };
}
