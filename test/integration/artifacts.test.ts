import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { BUCKETS } from '../../contracts/stack.js';
import { rawMinio } from '../support/raw-minio.js';
import { ArtifactChecksumError, ObjectStore } from '../../storage/gateway.js';
import { uniqueId } from '../../harness/temporal.js';

const stack = inject('stack');
const storage = new ObjectStore(stack.minio);

describe('artifacts in the real MinIO carry the SHA-256 of their bytes', () => {
  it('reads back what was written, JSON and binary', async () => {
    const json = { bucket: BUCKETS.artifacts, key: `tests/${uniqueId('artifact')}.json` };
    const binary = { bucket: BUCKETS.artifacts, key: `tests/${uniqueId('artifact')}.bin` };
    await storage.putJson(json, { metric: 'auc', value: 0.7 });
    await storage.putBuffer(binary, Buffer.from([0, 1, 2, 255]));

    expect(await storage.getJson(json)).toEqual({ metric: 'auc', value: 0.7 });
    expect([...(await storage.getBuffer(binary))]).toEqual([0, 1, 2, 255]);
    expect((await storage.stat(binary))?.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('stores files whole or in parts past the part size, with their checksum taken or given, and an empty one', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ctrain-artifacts-'));
    try {
      const sizes = { empty: 0, small: 3_000, parts: 64 * 1024 * 1024 + 5 };
      for (const [name, size] of Object.entries(sizes)) {
        const path = join(dir, name);
        const bytes = randomBytes(size);
        await writeFile(path, bytes);
        const sha256 = createHash('sha256').update(bytes).digest('hex');
        for (const given of [undefined, sha256]) {
          const ref = { bucket: BUCKETS.artifacts, key: `tests/${uniqueId(`file-${name}`)}.bin` };
          await storage.putFile(ref, path, undefined, given);
          expect((await storage.stat(ref))?.sha256).toBe(sha256);
          expect((await storage.getBuffer(ref)).equals(bytes)).toBe(true);
        }
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('refuses bytes that no longer match their checksum, naming the object', async () => {
    const ref = { bucket: BUCKETS.artifacts, key: `tests/${uniqueId('artifact')}.bin` };
    await storage.putBuffer(ref, Buffer.from('the real checkpoint'));
    const written = await storage.stat(ref);
    // Other bytes under the old checksum: what a torn or rotted object would look like.
    const rotted = Buffer.from('the real checkpoinT');
    await rawMinio(stack.minio).putObject(ref.bucket, ref.key, rotted, rotted.length, { 'X-Amz-Meta-Sha256': String(written?.sha256) });

    const read = storage.getBuffer(ref);
    await expect(read).rejects.toBeInstanceOf(ArtifactChecksumError);
    await expect(storage.getBuffer(ref)).rejects.toThrow(`s3://${ref.bucket}/${ref.key} is corrupt: its 19 bytes do not match the SHA-256 written with them`);
  });

  it('never stores bytes that do not match the SHA-256 given with them: the server checks the signed hash, and the object stays as it was', async () => {
    const ref = { bucket: BUCKETS.artifacts, key: `tests/${uniqueId('artifact')}.bin` };
    await storage.putBuffer(ref, Buffer.from('the model as trained'));
    const before = await storage.stat(ref);
    const other = Buffer.from('bytes torn on the way');
    const claimed = createHash('sha256').update('the bytes meant to be sent').digest('hex');
    await expect(storage.putBuffer(ref, other, undefined, claimed)).rejects.toMatchObject({ code: 'XAmzContentSHA256Mismatch' });
    expect((await storage.stat(ref))?.etag).toBe(before?.etag);
    expect((await storage.getBuffer(ref)).toString()).toBe('the model as trained');
  });

  it('reads objects written without a checksum as they are, and a missing JSON object as undefined', async () => {
    const ref = { bucket: BUCKETS.artifacts, key: `tests/${uniqueId('artifact')}.json` };
    await rawMinio(stack.minio).putObject(ref.bucket, ref.key, Buffer.from('{"old":true}'));
    expect(await storage.getJson(ref)).toEqual({ old: true });
    expect(await storage.getJson({ bucket: BUCKETS.artifacts, key: `tests/${uniqueId('missing')}.json` })).toBeUndefined();
  });
});
