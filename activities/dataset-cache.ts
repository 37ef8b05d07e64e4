/**
 * Dataset versions kept on this machine by md5, as DVC keeps its cache: the snapshot ingest wrote,
 * or one a step downloaded, is linked here, so the steps after ingest on the same machine read it
 * without downloading it again (at 3M rows, 35 to 65 ms per step). Whatever comes from here is still
 * checked against its md5 by the reader. Best effort: any trouble with the folder means no cache.
 */
import { copyFile, link, lstat, mkdir, readdir, rm, stat, utimes } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';

/** CTRAIN_DATASET_CACHE names the folder (e.g. on a larger disk); by default one per user under the temporary folder, readable by that user only. */
const cacheFolder = (): string => process.env.CTRAIN_DATASET_CACHE ?? join(tmpdir(), `ctrain-dataset-cache-${userInfo().uid}`);

/** The newest versions are kept, this many at most and within this many bytes (the newest whatever its size). */
const KEPT_VERSIONS = 4;
const KEPT_BYTES = 2 * 1024 ** 3;

const MD5 = /^[0-9a-f]{32}$/;

/** Where version `md5` is kept when it is (for tests that damage it). */
export const keptDatasetPath = (md5: string): string => join(cacheFolder(), md5);

/** Keeps the file at `path` as version `md5`; never fails the caller. */
export async function keepDatasetVersion(path: string, md5: string): Promise<void> {
  try {
    if (!MD5.test(md5) || !(await ownCacheFolder())) return;
    await linkOrCopy(path, keptDatasetPath(md5)).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'EEXIST') throw error;
    });
    await markUsed(md5);
    await evictOldest();
  } catch {
    // A cache that cannot be written is no cache: the steps download the version instead.
  }
}

/** Puts version `md5` of `size` bytes at `target` when this machine keeps it; false when it does not. */
export async function takeKeptDatasetVersion(md5: string, size: number, target: string): Promise<boolean> {
  try {
    if (!MD5.test(md5) || !(await ownCacheFolder())) return false;
    const kept = keptDatasetPath(md5);
    if ((await stat(kept)).size !== size) return false;
    await linkOrCopy(kept, target);
    await markUsed(md5);
    return true;
  } catch {
    return false;
  }
}

/** The cache folder, made when missing; false unless it is a real folder of this user's that no one else can read. */
async function ownCacheFolder(): Promise<boolean> {
  await mkdir(cacheFolder(), { recursive: true, mode: 0o700 });
  const folder = await lstat(cacheFolder());
  return folder.isDirectory() && folder.uid === userInfo().uid && (folder.mode & 0o077) === 0;
}

/** A hard link (no bytes copied), or a copy where the two paths are on different file systems. */
async function linkOrCopy(from: string, to: string): Promise<void> {
  await link(from, to).catch(async (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EXDEV') throw error;
    await copyFile(from, to);
  });
}

/** The kept versions, most recently used first. */
async function keptVersions(): Promise<{ name: string; size: number; used: number }[]> {
  const kept = await Promise.all(
    (await readdir(cacheFolder())).filter((name) => MD5.test(name)).map(async (name) => ({ name, ...(await stat(keptDatasetPath(name)).then((file) => ({ size: file.size, used: file.mtimeMs }))) })),
  );
  return kept.sort((a, b) => b.used - a.used);
}

/**
 * A version's time says how recently it was used, which eviction goes by: later than every other
 * version's, even when several are used within the clock's millisecond (times read back as
 * doubles, hence rounded).
 */
async function markUsed(md5: string): Promise<void> {
  const newestOther = (await keptVersions()).find((file) => file.name !== md5)?.used ?? 0;
  const used = new Date(Math.max(Date.now(), Math.round(newestOther) + 1));
  await utimes(keptDatasetPath(md5), used, used);
}

async function evictOldest(): Promise<void> {
  const kept = await keptVersions();
  let bytes = 0;
  for (const [i, file] of kept.entries()) {
    bytes += file.size;
    if (i > 0 && (i >= KEPT_VERSIONS || bytes > KEPT_BYTES)) await rm(keptDatasetPath(file.name), { force: true });
  }
}
