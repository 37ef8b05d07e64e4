/**
 * Dataset versions kept on this machine by md5, as DVC keeps its cache: the snapshot ingest wrote,
 * or one a step downloaded, is linked here, so the steps after ingest on the same machine read it
 * without downloading it again (at 3M rows, 35 to 65 ms per step). Whatever comes from here is
 * checked against its md5 by the reader, unless this process knows the file to hold the version's
 * bytes and finds it unchanged since (the same inode, size and modification time, as DVC's state
 * database spares rehashing): at 3M rows, hashing took 30 to 50 ms in each step after ingest.
 * Best effort: any trouble with the folder means no cache.
 */
import { randomUUID } from 'node:crypto';
import { copyFile, link, lstat, mkdir, readdir, rename, rm, stat, utimes } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';

/** CTRAIN_DATASET_CACHE names the folder (e.g. on a larger disk); by default one per user under the temporary folder, readable by that user only. */
const cacheFolder = (): string => process.env.CTRAIN_DATASET_CACHE ?? join(tmpdir(), `ctrain-dataset-cache-${userInfo().uid}`);

/** The newest versions are kept, this many at most and within this many bytes (the newest whatever its size). */
const KEPT_VERSIONS = 4;
const KEPT_BYTES = 2 * 1024 ** 3;

const MD5 = /^[0-9a-f]{32}$/;

/** Each kept version this process knows holds its md5's bytes, by what its file looked like then. */
const verified = new Map<string, string>();

/** A kept file's size, and its inode, size and modification time (ns): any write changes them, and so do eviction and keeping it anew. */
async function fingerprint(path: string): Promise<{ size: number; print: string }> {
  const file = await stat(path, { bigint: true });
  return { size: Number(file.size), print: `${file.ino}:${file.size}:${file.mtimeNs}` };
}

/** Where version `md5` is kept when it is (for tests that damage it). */
export const keptDatasetPath = (md5: string): string => join(cacheFolder(), md5);

/** Keeps the file at `path` as version `md5`; never fails the caller. */
export async function keepDatasetVersion(path: string, md5: string): Promise<void> {
  try {
    if (!MD5.test(md5) || !(await ownCacheFolder())) return;
    const kept = keptDatasetPath(md5);
    await linkOrCopy(path, kept).catch(async (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EEXIST') throw error;
      // A file kept before under this md5 is replaced by this one, which the caller knows to be the
      // version (a damaged one so mends itself); a step reading the old one keeps its own link to it.
      if ((await stat(kept)).ino === (await stat(path)).ino) return;
      const incoming = `${kept}.${randomUUID()}`;
      await linkOrCopy(path, incoming);
      await rename(incoming, kept);
    });
    await markUsed(md5);
    verified.set(md5, (await fingerprint(kept)).print);
    await evictOldest();
  } catch {
    // A cache that cannot be written is no cache: the steps download the version instead.
  }
}

/**
 * Puts version `md5` of `size` bytes at `target` when this machine keeps it: 'verified' when this
 * process knows those bytes to be the version's, 'unverified' when the caller must check them;
 * false when it does not keep it.
 */
export async function takeKeptDatasetVersion(md5: string, size: number, target: string): Promise<'verified' | 'unverified' | false> {
  try {
    if (!MD5.test(md5) || !(await ownCacheFolder())) return false;
    const kept = keptDatasetPath(md5);
    const before = await fingerprint(kept);
    if (before.size !== size) return false;
    const known = verified.get(md5) === before.print;
    await linkOrCopy(kept, target);
    await markUsed(md5);
    if (known) verified.set(md5, (await fingerprint(kept)).print);
    return known ? 'verified' : 'unverified';
  } catch {
    return false;
  }
}

/** Tells the cache that the file at `path`, taken from it as version `md5`, was checked and holds its bytes. */
export async function datasetVersionChecked(md5: string, path: string): Promise<void> {
  try {
    const kept = keptDatasetPath(md5);
    if ((await stat(kept)).ino === (await stat(path)).ino) verified.set(md5, (await fingerprint(kept)).print);
  } catch {
    // Not kept any more: nothing to remember.
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
