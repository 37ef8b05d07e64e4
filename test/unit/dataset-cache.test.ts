import { createHash, randomUUID } from 'node:crypto';
import { chmod, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { datasetVersionChecked, keepDatasetVersion, keptDatasetPath, takeKeptDatasetVersion } from '../../activities/dataset-cache.js';

let dir: string;
let cache: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ctrain-dataset-cache-test-'));
  // A folder of this test's own: other processes' versions would evict its versions.
  cache = await mkdtemp(join(tmpdir(), 'ctrain-dataset-cache-folder-'));
  process.env.CTRAIN_DATASET_CACHE = cache;
});
afterAll(async () => {
  delete process.env.CTRAIN_DATASET_CACHE;
  await rm(dir, { recursive: true, force: true });
  await rm(cache, { recursive: true, force: true });
});

/** A file of fresh bytes and their md5. */
async function version(): Promise<{ path: string; md5: string; bytes: Buffer }> {
  const bytes = Buffer.from(`rows ${randomUUID()}\n`);
  const path = join(dir, randomUUID());
  await writeFile(path, bytes);
  return { path, md5: createHash('md5').update(bytes).digest('hex'), bytes };
}

describe("this machine's dataset versions", () => {
  it('says a kept version needs no new hash only while its file is the one kept, unchanged since', async () => {
    const kept = await version();
    await keepDatasetVersion(kept.path, kept.md5);
    expect(await takeKeptDatasetVersion(kept.md5, kept.bytes.length, join(dir, randomUUID()))).toBe('verified');
    // Used again and again (its time moved each time), it is still the same bytes.
    expect(await takeKeptDatasetVersion(kept.md5, kept.bytes.length, join(dir, randomUUID()))).toBe('verified');
    // Written over in place, same size: it must be checked again, until a reader has.
    await writeFile(keptDatasetPath(kept.md5), Buffer.alloc(kept.bytes.length, 7));
    const taken = join(dir, randomUUID());
    expect(await takeKeptDatasetVersion(kept.md5, kept.bytes.length, taken)).toBe('unverified');
    expect(await takeKeptDatasetVersion(kept.md5, kept.bytes.length, join(dir, randomUUID()))).toBe('unverified');
    await datasetVersionChecked(kept.md5, taken);
    expect(await takeKeptDatasetVersion(kept.md5, kept.bytes.length, join(dir, randomUUID()))).toBe('verified');
    // Replaced by another file: checked again.
    await rm(keptDatasetPath(kept.md5));
    await writeFile(keptDatasetPath(kept.md5), kept.bytes, { mode: 0o600 });
    expect(await takeKeptDatasetVersion(kept.md5, kept.bytes.length, join(dir, randomUUID()))).toBe('unverified');
    // Kept again from a file whose bytes a caller knows, where the folder had a damaged one: that file replaces it.
    await writeFile(keptDatasetPath(kept.md5), Buffer.alloc(kept.bytes.length, 9));
    const again = join(dir, randomUUID());
    await writeFile(again, kept.bytes);
    await keepDatasetVersion(again, kept.md5);
    const mended = join(dir, randomUUID());
    expect(await takeKeptDatasetVersion(kept.md5, kept.bytes.length, mended)).toBe('verified');
    expect(await readFile(mended)).toEqual(kept.bytes);
    expect((await readdir(cache)).filter((name) => name.startsWith(kept.md5))).toEqual([kept.md5]);
  });

  it('gives back a kept version by its md5 and size, and nothing for another size or an unknown md5', async () => {
    const kept = await version();
    await keepDatasetVersion(kept.path, kept.md5);
    await rm(kept.path);
    const target = join(dir, 'taken');
    expect(await takeKeptDatasetVersion(kept.md5, kept.bytes.length, target)).toBe('verified');
    expect(await readFile(target)).toEqual(kept.bytes);
    expect(await takeKeptDatasetVersion(kept.md5, kept.bytes.length + 1, join(dir, 'wrong-size'))).toBe(false);
    expect(await takeKeptDatasetVersion(createHash('md5').update(randomUUID()).digest('hex'), 3, join(dir, 'unknown'))).toBe(false);
    // A name that is no md5 is never a path in the folder.
    expect(await takeKeptDatasetVersion('../../etc/passwd', 3, join(dir, 'escape'))).toBe(false);
    await keepDatasetVersion(kept.path, '../escape');
    await expect(stat(join(keptDatasetPath(kept.md5), '..', '..', 'escape'))).rejects.toThrow();
  });

  it('keeps the newest four versions and lets older ones go, and is no cache in a folder others can read', async () => {
    const versions = [];
    // All six within one millisecond of the clock, as on a fast machine: the order of use still decides.
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() });
    try {
      for (let i = 0; i < 6; i++) {
        const next = await version();
        await keepDatasetVersion(next.path, next.md5);
        versions.push(next);
      }
    } finally {
      vi.useRealTimers();
    }
    const kept = await Promise.all(versions.map((v) => stat(keptDatasetPath(v.md5)).then(() => true, () => false)));
    expect(kept).toEqual([false, false, true, true, true, true]);

    const shared = await mkdtemp(join(tmpdir(), 'ctrain-dataset-cache-shared-'));
    await chmod(shared, 0o777);
    process.env.CTRAIN_DATASET_CACHE = shared;
    const next = await version();
    await keepDatasetVersion(next.path, next.md5);
    expect(await readdir(shared)).toEqual([]);
    expect(await takeKeptDatasetVersion(versions[5]!.md5, versions[5]!.bytes.length, join(dir, 'from-shared'))).toBe(false);
    await rm(shared, { recursive: true, force: true });
  });
});
