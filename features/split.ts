/**
 * Deterministic train/validation/test split (DESIGN §4 step 3). The same rows and split spec give
 * the same split on every machine and every run: no randomness, no clock.
 */
import { createHash } from 'node:crypto';
import type { SplitSpec } from '../contracts/pipeline-spec.js';
import { readTime, valueOf } from './values.js';
import type { Row } from './values.js';

export type SplitName = 'train' | 'validation' | 'test';

/** Row indices per split, each ascending (input order). */
export type SplitIndices = Record<SplitName, number[]>;

/** A row the split cannot place, e.g. one without a time for a time split. Bad data: not retryable. */
export class SplitError extends Error {
  override name = 'SplitError';
}

/**
 * Splits row indices. `time`: rows sorted by the time column (ties keep input order); the last
 * `round(n × test)` are test, the `round(n × validation)` before them validation, the rest train.
 * `hash`: each row goes by the hash of its key columns (see {@link hashFraction}), so a row keeps
 * its split when rows are added; fractions then hold only approximately.
 */
export function splitIndices(rows: readonly Row[], split: SplitSpec): SplitIndices {
  const names = split.by === 'time' ? timeSplit(rows, split.column, split) : rows.map((row) => hashSplit(row, split.keys, split));
  const indices: SplitIndices = { train: [], validation: [], test: [] };
  names.forEach((name, i) => indices[name].push(i));
  return indices;
}

/** The rows of each split, in input order. */
export function splitRows<T extends Row>(rows: readonly T[], split: SplitSpec): Record<SplitName, T[]> {
  const indices = splitIndices(rows, split);
  const pick = (list: number[]) => list.map((i) => rows[i] as T);
  return { train: pick(indices.train), validation: pick(indices.validation), test: pick(indices.test) };
}

function timeSplit(rows: readonly Row[], column: string, { test, validation }: SplitSpec): SplitName[] {
  const times = rows.map((row, i) => {
    const time = readTime(row, column);
    if (time === undefined) throw new SplitError(`row ${i}: "${column}" is missing, and a time split needs a time on every row`);
    return time;
  });
  const order = times.map((_, i) => i).sort((a, b) => (times[a] ?? 0) - (times[b] ?? 0) || a - b);
  const testCount = Math.round(rows.length * test);
  const validationCount = Math.round(rows.length * validation);
  const trainCount = rows.length - testCount - validationCount;
  const names = new Array<SplitName>(rows.length);
  order.forEach((row, rank) => {
    names[row] = rank < trainCount ? 'train' : rank < trainCount + validationCount ? 'validation' : 'test';
  });
  return names;
}

/** Placement by hash: [0, test) is test, [test, test + validation) validation, the rest train. */
export function hashSplit(row: Row, keys: readonly string[], { test, validation }: Pick<SplitSpec, 'test' | 'validation'>): SplitName {
  const fraction = hashFraction(row, keys);
  return fraction < test ? 'test' : fraction < test + validation ? 'validation' : 'train';
}

/**
 * The row's key columns hashed to [0, 1): the first 48 bits of SHA-1 over the JSON array of the
 * key values (Dates as ISO strings, bigints as decimal text, missing as null).
 */
export function hashFraction(row: Row, keys: readonly string[]): number {
  const values = keys.map((key) => keyValue(valueOf(row, key)));
  const digest = createHash('sha1').update(JSON.stringify(values)).digest();
  return digest.readUIntBE(0, 6) / 2 ** 48;
}

function keyValue(value: unknown): unknown {
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'bigint') return value.toString();
  return value ?? null;
}
