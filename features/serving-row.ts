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
 * the same readers training uses, so what passes here transforms the same way. Other fields
 * (ids, the label) are ignored.
 */
export function validateServingRow(transform: FeatureTransform, row: unknown): FieldError[] {
  if (typeof row !== 'object' || row === null || Array.isArray(row)) {
    return [{ field: '(row)', message: 'must be a JSON object mapping column names to values' }];
  }
  const readers = readersByColumn(transform);
  const ranges = rangesByColumn(transform);
  return inputColumns(transform).flatMap((column): FieldError[] => {
    if (!Object.hasOwn(row, column)) return [{ field: column, message: 'is missing (send null when the value is unknown)' }];
    try {
      const value = readers.get(column)?.(row as InputRow, column);
      const range = ranges.get(column);
      if (range && typeof value === 'number' && (value < range.low || value > range.high)) {
        return [{ field: column, message: `must lie within ${MAX_STANDARD_SCORE} training standard deviations of its mean, in [${range.low}, ${range.high}]; got ${value}` }];
      }
      return [];
    } catch (error) {
      if (error instanceof FeatureValueError) return [{ field: column, message: `must be ${error.expected}` }];
      throw error;
    }
  });
}

/**
 * How far from the training mean, in training standard deviations, a number may lie. A value past
 * it is no reading the model was trained on (a unit mix-up, a sentinel such as 1e300): scored, it
 * gives an arbitrary answer, or NaN once the standardised value overflows float32.
 */
export const MAX_STANDARD_SCORE = 1000;

/** The numbers each plain numeric column accepts (time columns are read as times, and bounded by their reader). */
function rangesByColumn(transform: FeatureTransform): Map<string, { low: number; high: number }> {
  const ranges = new Map<string, { low: number; high: number }>();
  for (const feature of transform.numeric) {
    if (feature.timePart) continue;
    ranges.set(feature.column, { low: feature.mean - MAX_STANDARD_SCORE * feature.std, high: feature.mean + MAX_STANDARD_SCORE * feature.std });
  }
  return ranges;
}

type Reader = (row: InputRow, column: string) => unknown;

function readersByColumn(transform: FeatureTransform): Map<string, Reader> {
  const readers = new Map<string, Reader>();
  for (const feature of transform.numeric) readers.set(feature.column, feature.timePart ? readTime : readNumber);
  for (const feature of transform.categorical) readers.set(feature.column, readCategory);
  return readers;
}
