import type { StackCheckInput, StackCheckResult } from '../contracts/stack-check.js';
import type { ObjectStore } from '../storage/gateway.js';

/** Writes an object to MinIO and reads it back through a fresh GET. */
export function createStackCheckActivities({ storage }: { storage: ObjectStore }) {
  return {
    async writeAndReadBack({ bucket, key, text }: StackCheckInput): Promise<StackCheckResult> {
      const body = Buffer.from(text, 'utf8');
      const { etag } = await storage.putBuffer({ bucket, key }, body, 'text/plain; charset=utf-8');
      return { key, etag, bytes: body.length, readBack: await storage.getText({ bucket, key }) };
    },
  };
}
