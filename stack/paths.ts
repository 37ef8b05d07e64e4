import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The project's root folder (where package.json sits). */
export const PROJECT_ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));

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
