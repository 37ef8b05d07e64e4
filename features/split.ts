/**
 * Deterministic train/validation/test split (DESIGN §4 step 3). The same rows and split spec give
 * the same split on every machine and every run: no randomness, no clock.
 */
import { createHash } from 'node:crypto';
import type { SplitSpec } from '../contracts/pipeline-spec.js';
import { GrowableArray } from './growable.js';
import { readTime, valueOf } from './values.js';
import type { InputRow } from './values.js';

export type SplitName = 'train' | 'validation' | 'test';

/** InputRow indices per split, each ascending (input order). */
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
export function splitIndices(rows: readonly InputRow[], split: SplitSpec): SplitIndices {
  const recorder = new SplitRecorder(split);
  for (const row of rows) recorder.add(row);
  const indices: SplitIndices = { train: [], validation: [], test: [] };
  recorder.result().forEach((code, i) => indices[splitNameOf(code)].push(i));
  return indices;
}

/** The rows of each split, in input order. */
export function splitRows<T extends InputRow>(rows: readonly T[], split: SplitSpec): Record<SplitName, T[]> {
  const indices = splitIndices(rows, split);
  const pick = (list: number[]) => list.map((i) => rows[i] as T);
  return { train: pick(indices.train), validation: pick(indices.validation), test: pick(indices.test) };
}

/** Splits by code. Per row over millions of rows, a split code takes one byte where a name takes a pointer. */
export const SPLIT_NAMES: readonly SplitName[] = ['train', 'validation', 'test'];

/** Each split's code: its index in {@link SPLIT_NAMES}. */
export const SPLIT_CODES: Readonly<Record<SplitName, number>> = { train: 0, validation: 1, test: 2 };

export function splitNameOf(code: number): SplitName {
  const name = SPLIT_NAMES[code];
  if (name === undefined) throw new RangeError(`no split has code ${code}`);
  return name;
}

/**
 * The split of rows seen one at a time, keeping only what the split needs per row: its time for a
 * time split (8 bytes), its split code for a hash split (1 byte). {@link splitIndices} and the
 * feature step's streaming pass both go through it, so they split alike.
 */
export class SplitRecorder {
  private readonly times = new GrowableArray(Float64Array);
  private readonly codes = new GrowableArray(Uint8Array);
  private count = 0;
  // The first row a time split cannot place. Thrown by result(), so a caller that reads every row
  // first (the feature step) still reports a bad line anywhere in the file before a missing time.
  private failure: { error: unknown } | undefined;

  constructor(private readonly split: SplitSpec) {}

  /** Rows added so far. */
  get rows(): number {
    return this.count;
  }

  add(row: InputRow): void {
    const index = this.count++;
    if (this.split.by === 'hash') this.codes.push(SPLIT_CODES[hashSplit(row, this.split.keys, this.split)]);
    else if (!this.failure) this.addTime(row, index, this.split.column);
  }

  /** The split code of each row added, in input order (see {@link SPLIT_NAMES}). */
  result(): Uint8Array {
    if (this.failure) throw this.failure.error;
    return this.split.by === 'hash' ? this.codes.values() : splitByTime(this.times.values(), this.split);
  }

  private addTime(row: InputRow, index: number, column: string): void {
    let time: number | undefined;
    try {
      time = readTime(row, column);
    } catch (error) {
      this.failure = { error };
      return;
    }
    if (time === undefined) this.failure = { error: new SplitError(`row ${index}: "${column}" is missing, and a time split needs a time on every row`) };
    else this.times.push(time);
  }
}

/** Split codes for rows with these times: sorted by time, ties by input order, the latest test and validation before them. */
export function splitByTime(times: Float64Array, { test, validation }: Pick<SplitSpec, 'test' | 'validation'>): Uint8Array {
  const n = times.length;
  // The index breaks ties, so the order is total and every sort algorithm gives the same one.
  const order = Uint32Array.from({ length: n }, (_, i) => i).sort((a, b) => (times[a] ?? 0) - (times[b] ?? 0) || a - b);
  const testCount = Math.round(n * test);
  const validationCount = Math.round(n * validation);
  const trainCount = n - testCount - validationCount;
  const codes = new Uint8Array(n);
  order.forEach((row, rank) => {
    codes[row] = SPLIT_CODES[rank < trainCount ? 'train' : rank < trainCount + validationCount ? 'validation' : 'test'];
  });
  return codes;
}

/** Placement by hash: [0, test) is test, [test, test + validation) validation, the rest train. */
export function hashSplit(row: InputRow, keys: readonly string[], { test, validation }: Pick<SplitSpec, 'test' | 'validation'>): SplitName {
  const fraction = hashFraction(row, keys);
  return fraction < test ? 'test' : fraction < test + validation ? 'validation' : 'train';
}

/**
 * The row's key columns hashed to [0, 1): the first 48 bits of SHA-1 over the JSON array of the
 * key values (Dates as ISO strings, bigints as decimal text, missing as null).
 */
export function hashFraction(row: InputRow, keys: readonly string[]): number {
  const values = keys.map((key) => keyValue(valueOf(row, key)));
  const digest = createHash('sha1').update(JSON.stringify(values)).digest();
  return digest.readUIntBE(0, 6) / 2 ** 48;
}

function keyValue(value: unknown): unknown {
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'bigint') return value.toString();
  return value ?? null;
}
