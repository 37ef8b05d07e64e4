import { describe, expect, inject, it } from 'vitest';
import { BUCKETS } from '../../contracts/stack.js';
import { ArtifactChecksumError, getBuffer, getJson, putBuffer, putJson } from '../../infra/artifacts.js';
import { createStorage } from '../../infra/storage.js';
import { uniqueId } from '../../harness/temporal.js';

const stack = inject('stack');
const storage = createStorage(stack.minio);

describe('artifacts in the real MinIO carry the SHA-256 of their bytes', () => {
  it('reads back what was written, JSON and binary', async () => {
    const json = { bucket: BUCKETS.artifacts, key: `tests/${uniqueId('artifact')}.json` };
    const binary = { bucket: BUCKETS.artifacts, key: `tests/${uniqueId('artifact')}.bin` };
    await putJson(storage, json, { metric: 'auc', value: 0.7 });
    await putBuffer(storage, binary, Buffer.from([0, 1, 2, 255]));

    expect(await getJson(storage, json)).toEqual({ metric: 'auc', value: 0.7 });
    expect([...(await getBuffer(storage, binary))]).toEqual([0, 1, 2, 255]);
    expect((await storage.statObject(binary.bucket, binary.key)).metaData).toMatchObject({ sha256: expect.stringMatching(/^[0-9a-f]{64}$/) as unknown });
  });

  it('refuses bytes that no longer match their checksum, naming the object', async () => {
    const ref = { bucket: BUCKETS.artifacts, key: `tests/${uniqueId('artifact')}.bin` };
    await putBuffer(storage, ref, Buffer.from('the real checkpoint'));
    const { metaData } = await storage.statObject(ref.bucket, ref.key);
    // Other bytes under the old checksum: what a torn or rotted object would look like.
    const rotted = Buffer.from('the real checkpoinT');
    await storage.putObject(ref.bucket, ref.key, rotted, rotted.length, { 'X-Amz-Meta-Sha256': String(metaData.sha256) });

    const read = getBuffer(storage, ref);
    await expect(read).rejects.toBeInstanceOf(ArtifactChecksumError);
    await expect(getBuffer(storage, ref)).rejects.toThrow(`s3://${ref.bucket}/${ref.key} is corrupt: its 19 bytes do not match the SHA-256 written with them`);
  });

  it('reads objects written without a checksum as they are, and a missing JSON object as undefined', async () => {
    const ref = { bucket: BUCKETS.artifacts, key: `tests/${uniqueId('artifact')}.json` };
    await storage.putObject(ref.bucket, ref.key, Buffer.from('{"old":true}'));
    expect(await getJson(storage, ref)).toEqual({ old: true });
    expect(await getJson(storage, { bucket: BUCKETS.artifacts, key: `tests/${uniqueId('missing')}.json` })).toBeUndefined();
  });
});
