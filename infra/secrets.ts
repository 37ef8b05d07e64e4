/**
 * Secrets from the environment: `NAME` itself, or `NAME_FILE` naming a file that holds it (a
 * Docker or Kubernetes secret), so a secret need not sit in the process environment. Messages
 * name the variable and the file, never what they hold.
 */
import { readFileSync } from 'node:fs';

/** A secret file that is named but cannot be read, or a secret given twice. */
export class SecretConfigError extends Error {
  override name = 'SecretConfigError';
}

/** One secret: `NAME` as is, or the contents of the file `NAME_FILE` less surrounding whitespace; undefined when neither is set or both are empty. */
export function secretFromEnv(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const inline = env[name] || undefined;
  const file = env[`${name}_FILE`]?.trim() || undefined;
  if (inline !== undefined && file !== undefined) throw new SecretConfigError(`set ${name} or ${name}_FILE, not both`);
  return file === undefined ? inline : readSecretFile(name, file).trim() || undefined;
}

/**
 * A list of secrets (bearer tokens): `NAME` comma-separated, and the file `NAME_FILE` with one
 * per line (commas also split; lines starting with # are comments). Both may be set: the union.
 */
export function secretListFromEnv(env: NodeJS.ProcessEnv, name: string): string[] {
  const file = env[`${name}_FILE`]?.trim();
  const lines = file ? readSecretFile(name, file).split('\n').filter((line) => !line.trimStart().startsWith('#')) : [];
  const entries = [env[name] ?? '', ...lines].flatMap((text) => text.split(',')).map((entry) => entry.trim());
  return [...new Set(entries.filter((entry) => entry !== ''))];
}

function readSecretFile(name: string, path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new SecretConfigError(`${name}_FILE names ${path}, which cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}
