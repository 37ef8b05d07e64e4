import { homedir } from 'node:os';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The project's root folder (where package.json sits): the folder above stack/, or, run from the
 * CLI's compiled build (dist/<build>/stack/), the first folder upwards with a package.json.
 */
export const PROJECT_ROOT = projectRoot(resolve(fileURLToPath(new URL('..', import.meta.url))));

function projectRoot(start: string): string {
  for (let folder = start; ; folder = dirname(folder)) {
    if (existsSync(join(folder, 'package.json'))) return folder;
    if (dirname(folder) === folder) return start;
  }
}

/**
 * Where provisioned tools live, keyed by version, outside any clone so a fresh clone reuses them.
 * Default: `$XDG_CACHE_HOME/ctrain` or `~/.cache/ctrain`; override with `CTRAIN_CACHE_DIR`.
 */
export function cacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.CTRAIN_CACHE_DIR) return resolve(env.CTRAIN_CACHE_DIR);
  return join(env.XDG_CACHE_HOME ? resolve(env.XDG_CACHE_HOME) : join(homedir(), '.cache'), 'ctrain');
}

/** Where `ctrain dev up` keeps the local stack's data and logs. Default `.ctrain/` in the project; override with `CTRAIN_HOME`. */
export function devHome(env: NodeJS.ProcessEnv = process.env): string {
  return env.CTRAIN_HOME ? resolve(env.CTRAIN_HOME) : join(PROJECT_ROOT, '.ctrain');
}
