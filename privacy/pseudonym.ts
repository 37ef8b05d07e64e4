/**
 * Pseudonyms for personal data: a keyed hash (HMAC-SHA256) in place of the value. The same value
 * under the same key always gives the same pseudonym, so counts, categories and drift statistics
 * over a column still work; without the key nobody can test a guess. Used wherever a spec's
 * `personal` columns leave the process: the model server's prediction log (and ingest).
 */
import { createHash, createHmac } from 'node:crypto';
import { secretFromEnv } from '../infra/secrets.js';

/** Shortest key accepted, in bytes: a short key could be found by trying them all. */
export const MIN_PSEUDONYM_KEY_BYTES = 16;

/** The variable holding the key; `CTRAIN_PSEUDONYM_KEY_FILE` may name a file holding it instead. */
export const PSEUDONYM_KEY_VARIABLE = 'CTRAIN_PSEUDONYM_KEY';

/** No key where one is needed, or one too short. */
export class PseudonymKeyError extends Error {
  override name = 'PseudonymKeyError';
}

/** A checked key. */
export function pseudonymKey(key: string | Buffer): Buffer {
  const bytes = typeof key === 'string' ? Buffer.from(key, 'utf8') : key;
  if (bytes.length < MIN_PSEUDONYM_KEY_BYTES) {
    throw new PseudonymKeyError(`the pseudonym key has ${bytes.length} bytes; it needs at least ${MIN_PSEUDONYM_KEY_BYTES} (e.g. \`openssl rand -hex 32\`)`);
  }
  return bytes;
}

/** The key from CTRAIN_PSEUDONYM_KEY or CTRAIN_PSEUDONYM_KEY_FILE; undefined when neither is set. */
export function pseudonymKeyFromEnv(env: NodeJS.ProcessEnv = process.env): Buffer | undefined {
  const key = secretFromEnv(env, PSEUDONYM_KEY_VARIABLE);
  return key === undefined ? undefined : pseudonymKey(key);
}

/**
 * The value's pseudonym: 64 hex digits of HMAC-SHA256 over its text. Missing values (null,
 * undefined) stay missing, so null rates survive. Numbers and booleans hash as their text, so
 * 42 read from a CSV as "42" gets the same pseudonym.
 */
export function pseudonymize(value: unknown, key: Buffer): string | null | undefined {
  if (value === null || value === undefined) return value;
  const text = typeof value === 'string' ? value : typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint' ? String(value) : JSON.stringify(value);
  return createHmac('sha256', key).update(text, 'utf8').digest('hex');
}

/** A copy of the row with each of `columns` it has replaced by its pseudonym; anything but an object is returned as is. */
export function pseudonymizeRow<T>(row: T, columns: readonly string[], key: Buffer): T {
  if (columns.length === 0 || typeof row !== 'object' || row === null || Array.isArray(row)) return row;
  const copy: Record<string, unknown> = { ...(row as Record<string, unknown>) };
  for (const column of columns) if (Object.hasOwn(copy, column)) copy[column] = pseudonymize(copy[column], key);
  return copy as T;
}

/**
 * SQL for the pseudonym of `text` (a VARCHAR expression) under `key`, for the columnar engine:
 * HMAC-SHA256 spelled out with DuckDB's sha256 over blobs, sha256((key ⊕ opad) ‖ sha256((key ⊕
 * ipad) ‖ text)), so it equals {@link pseudonymize} of the same text. NULL stays NULL.
 */
export function pseudonymSql(text: string, key: Buffer): string {
  // HMAC hashes a key longer than the hash's block first; then pads it to one block.
  const block = Buffer.alloc(64);
  (key.length > 64 ? createHash('sha256').update(key).digest() : key).copy(block);
  const pad = (byte: number): string => Buffer.from(block.map((value) => value ^ byte)).toString('hex');
  return `sha256(unhex('${pad(0x5c)}') || unhex(sha256(unhex('${pad(0x36)}') || encode(${text}))))`;
}
