// The CLI's JavaScript, compiled ahead from the TypeScript sources into dist/ so that `ctrain`
// starts without transpiling. Plain JavaScript: it runs before anything is compiled.
//
// Layout: dist/<build id>/ holds one complete build (the sources' tree as .js with source maps,
// and FINGERPRINT_FILE); dist/current is a symbolic link to the build in use. A build is written
// into a folder of its own and only then linked, by renaming a new link over the old one, so a
// process that starts meanwhile imports either the old build or the new one, never half of one.
// Builds no longer linked stay a while: a running process may still import from its own lazily.
//
// `node scripts/build-cli.mjs` builds when the build is missing or stale (scripts/setup.sh).
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, realpathSync, renameSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import process from 'node:process';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** The repository root. */
export const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
/** Where builds go (gitignored; ignored by tsc, eslint and vitest too). */
export const DIST = 'dist';
/** The link to the build in use, inside DIST. */
const CURRENT = 'current';
/** Inside a build: the fingerprint of the sources it was built from. */
const FINGERPRINT_FILE = 'FINGERPRINT';
/** Top-level folders that are not the CLI's code (tests, benchmarks, scripts run by tsx, outputs). */
const EXCLUDED = new Set(['node_modules', 'dist', 'test', 'bench', 'docs', 'scripts', 'coverage', 'test-output', 'reports', 'deploy']);
/** Builds no longer linked are removed once older than this, so processes started from them can still import lazily. */
const OLD_BUILD_MS = 24 * 60 * 60 * 1000;

/** The TypeScript sources the CLI is built from, relative to the root, sorted: every .ts outside EXCLUDED, hidden folders and tests. */
export function sourceFiles(root = PROJECT_ROOT) {
  const files = [];
  const visit = (folder) => {
    for (const entry of readdirSync(join(root, folder), { withFileTypes: true })) {
      const path = folder ? `${folder}/${entry.name}` : entry.name;
      if (entry.name.startsWith('.') || entry.name === 'node_modules') continue;
      if (entry.isDirectory()) {
        if (folder || !EXCLUDED.has(entry.name)) visit(path);
      } else if (folder && entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') && !entry.name.endsWith('.test.ts')) {
        files.push(path);
      }
    }
  };
  visit('');
  return files.sort();
}

/**
 * What a build depends on, from file metadata only (no file is read): each source's path, size
 * and modification time, and those of this script and tsconfig.json. Cheap enough for every start.
 */
export function sourceFingerprint(root = PROJECT_ROOT, files = sourceFiles(root)) {
  const hash = createHash('sha256');
  const own = relative(root, fileURLToPath(import.meta.url));
  for (const path of [...files, own, 'tsconfig.json']) {
    const stat = statSync(join(root, path), { throwIfNoEntry: false });
    hash.update(`${path}\0${stat ? `${stat.size}\0${stat.mtimeMs}` : '-'}\n`);
  }
  return hash.digest('hex');
}

/** The folder of the build in use, resolved (not the link), or undefined when there is none. */
export function currentBuild(root = PROJECT_ROOT) {
  try {
    return realpathSync(join(root, DIST, CURRENT));
  } catch {
    return undefined;
  }
}

/** The fingerprint the build in `folder` was made from, or undefined when it has none. */
export function buildFingerprint(folder) {
  try {
    return readFileSync(join(folder, FINGERPRINT_FILE), 'utf8').trim();
  } catch {
    return undefined;
  }
}

/** Whether a build from `built` serves sources whose fingerprint is now `now`. */
export function isCurrent(built, now) {
  return built !== undefined && built === now;
}

/**
 * Compiles the sources into a new build folder and links it as the current build; answers the
 * folder. Another process building at the same time builds its own folder; the last link wins,
 * and both builds are whole.
 */
export async function buildCli(root = PROJECT_ROOT) {
  const { build } = await import('esbuild');
  const files = sourceFiles(root);
  const fingerprint = sourceFingerprint(root, files);
  const dist = join(root, DIST);
  mkdirSync(dist, { recursive: true });
  const id = `build-${fingerprint.slice(0, 12)}-${process.pid}-${Date.now().toString(36)}`;
  const folder = join(dist, id);
  try {
    await build({
      entryPoints: files.map((file) => join(root, file)),
      outbase: root,
      outdir: folder,
      bundle: false,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      // Linked maps: with CTRAIN_DEBUG=1 bin/ctrain.js turns source maps on, and stack traces name .ts lines.
      sourcemap: true,
      sourcesContent: false,
      logLevel: 'error',
    });
    writeFileSync(join(folder, FINGERPRINT_FILE), `${fingerprint}\n`);
    const link = join(dist, `${CURRENT}.${process.pid}.${Date.now().toString(36)}.tmp`);
    symlinkSync(id, link);
    renameSync(link, join(dist, CURRENT));
  } catch (error) {
    rmSync(folder, { recursive: true, force: true });
    throw error;
  }
  removeOldBuilds(dist, id);
  return folder;
}

/** Removes builds other than `keep` that are older than OLD_BUILD_MS, and anything else in dist/ that is not a build. */
function removeOldBuilds(dist, keep) {
  const now = Date.now();
  for (const entry of readdirSync(dist, { withFileTypes: true })) {
    if (entry.name === keep || entry.name === CURRENT) continue;
    const path = join(dist, entry.name);
    const stat = lstatSync(path, { throwIfNoEntry: false });
    if (!stat) continue;
    const isBuild = entry.name.startsWith('build-') || entry.name.endsWith('.tmp');
    if (isBuild && now - stat.mtimeMs < OLD_BUILD_MS) continue;
    rmSync(path, { recursive: true, force: true });
  }
}

/** The current build's folder, built first when it is missing or stale. */
export async function ensureBuilt(root = PROJECT_ROOT) {
  const folder = currentBuild(root);
  if (folder && isCurrent(buildFingerprint(folder), sourceFingerprint(root))) return folder;
  return buildCli(root);
}

/** The URL of a compiled module of the current build, e.g. `cli/main.js`, building first when needed. */
export async function builtModule(path, root = PROJECT_ROOT) {
  return pathToFileURL(join(await ensureBuilt(root), path)).href;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const before = currentBuild();
  const folder = await ensureBuilt();
  process.stdout.write(`${folder === before ? `ctrain: CLI build ${relative(PROJECT_ROOT, folder)} is current` : `ctrain: CLI built into ${relative(PROJECT_ROOT, folder)}`}\n`);
  if (!existsSync(join(folder, 'cli', 'main.js'))) throw new Error(`ctrain: the CLI build ${folder} has no cli/main.js`);
}
