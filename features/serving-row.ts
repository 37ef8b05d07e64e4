/** Checks a row posted to the model server before it is transformed; each problem becomes part of a 400 reply. */
import { inputColumns } from './feature-transform.js';
import type { FeatureTransform } from './feature-transform.js';
import { FeatureValueError, readCategory, readNumber, readTime } from './values.js';
import type { InputRow } from './values.js';

/** One problem with a serving row: the field (column) and what is wrong with it. */
export interface FieldError {
  field: string;
  message: string;
}

/**
 * Every problem with a serving row, or [] when the transform can take it. Each input column must
 * be present; null stands for an unknown value (imputed, or the OOV slot). Values are checked with
 * the same readers training uses, so what passes here transforms the same way. Under the 'refuse'
 * rule a number past its column's bounds is a problem too. Other fields (ids, the label) are ignored.
 */
export function validateServingRow(transform: FeatureTransform, row: unknown, rule: OutOfRangeRule = DEFAULT_OUT_OF_RANGE): FieldError[] {
  if (typeof row !== 'object' || row === null || Array.isArray(row)) {
    return [{ field: '(row)', message: 'must be a JSON object mapping column names to values' }];
  }
  const readers = readersByColumn(transform);
  const bounds = numericBounds(transform, rule.maxDeviations);
  return inputColumns(transform).flatMap((column): FieldError[] => {
    if (!Object.hasOwn(row, column)) return [{ field: column, message: 'is missing (send null when the value is unknown)' }];
    try {
      const value = readers.get(column)?.(row as InputRow, column);
      const bound = bounds.get(column);
      // Under 'clip' the caller scores clipServingRow's row instead, so the value is no problem.
      if (rule.policy === 'refuse' && bound && typeof value === 'number' && (value < bound.low || value > bound.high)) {
        return [{ field: column, message: `must lie within ${rule.maxDeviations} training standard deviations of its mean, in [${bound.low}, ${bound.high}]; got ${value}` }];
      }
      return [];
    } catch (error) {
      if (error instanceof FeatureValueError) return [{ field: column, message: `must be ${error.expected}` }];
      throw error;
    }
  });
}

/** What to do with a number past its column's bounds: a version's spec `deploy.outOfRange`, filled in. */
export interface OutOfRangeRule {
  policy: 'refuse' | 'clip';
  /** Training standard deviations from the training mean a number may lie. */
  maxDeviations: number;
}

/**
 * Unset in the spec (and for every version registered before the setting): refuse numbers more
 * than 1000 training standard deviations from the mean. Past that a value is no reading the
 * model was trained on (a unit mix-up, a sentinel such as 1e300): scored, it gives an arbitrary
 * answer, or NaN once the standardised value overflows float32.
 */
export const DEFAULT_OUT_OF_RANGE: OutOfRangeRule = { policy: 'refuse', maxDeviations: 1000 };

/** The largest finite float32: the network computes in it, so no bound lies past it. */
export const FLOAT32_MAX = 3.4028234663852886e38;

/** The rule a version's spec states, with the defaults for what it leaves out. */
export function outOfRangeRule(setting: Partial<OutOfRangeRule> | undefined): OutOfRangeRule {
  return { ...DEFAULT_OUT_OF_RANGE, ...setting };
}

/** A number scored as its column's nearest bound under the 'clip' policy. */
export interface ClippedField {
  field: string;
  /** The value as sent. */
  value: number;
  /** The bound scored in its place. */
  to: number;
}

/**
 * The row with each number past its column's bounds replaced by the nearest bound, and what was
 * replaced; the row itself when nothing was. For a row validateServingRow accepts.
 */
export function clipServingRow(transform: FeatureTransform, row: InputRow, rule: OutOfRangeRule): { row: InputRow; clipped: ClippedField[] } {
  const clipped: ClippedField[] = [];
  for (const [column, { low, high }] of numericBounds(transform, rule.maxDeviations)) {
    const value = readNumber(row, column);
    if (value === undefined || (value >= low && value <= high)) continue;
    clipped.push({ field: column, value, to: value < low ? low : high });
  }
  if (clipped.length === 0) return { row, clipped };
  return { row: { ...row, ...Object.fromEntries(clipped.map(({ field, to }) => [field, to])) }, clipped };
}

/**
 * The numbers each plain numeric column accepts: mean ± maxDeviations·std, within ±float32 max.
 * Time columns are read as times, and bounded by their reader.
 */
export function numericBounds(transform: FeatureTransform, maxDeviations: number): Map<string, { low: number; high: number }> {
  // Asked for every row scored: worked out once per loaded transform and rule.
  const byRule = boundsCache.get(transform) ?? new Map<number, Map<string, { low: number; high: number }>>();
  boundsCache.set(transform, byRule);
  const cached = byRule.get(maxDeviations);
  if (cached) return cached;
  const bounds = new Map<string, { low: number; high: number }>();
  byRule.set(maxDeviations, bounds);
  for (const feature of transform.numeric) {
    if (feature.timePart) continue;
    const low = Math.max(feature.mean - maxDeviations * feature.std, -FLOAT32_MAX);
    const high = Math.min(feature.mean + maxDeviations * feature.std, FLOAT32_MAX);
    bounds.set(feature.column, { low, high });
  }
  return bounds;
}

const boundsCache = new WeakMap<FeatureTransform, Map<number, Map<string, { low: number; high: number }>>>();

/** Reads one column's value from a row, as training reads it; throws FeatureValueError for a value of the wrong type. */
export type Reader = (row: InputRow, column: string) => unknown;

/** The reader each input column is checked with: time columns as times, categorical as text, other numbers as numbers. */
export function readersByColumn(transform: FeatureTransform): Map<string, Reader> {
  const readers = new Map<string, Reader>();
  for (const feature of transform.numeric) readers.set(feature.column, feature.timePart ? readTime : readNumber);
  for (const feature of transform.categorical) readers.set(feature.column, readCategory);
  return readers;
}
