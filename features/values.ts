/** Reading typed values out of rows, shared by fitting, transforming and serving-input checks. */
import { toEpochMs } from './time.js';

/** A row as it comes in, read from a source or posted to the model server, its values not yet checked: column name → value. */
export type InputRow = Readonly<Record<string, unknown>>;

/** A value of the wrong type for its column. Bad data: retrying cannot fix it. */
export class FeatureValueError extends Error {
  override name = 'FeatureValueError';

  constructor(
    readonly column: string,
    readonly expected: string,
    readonly value: unknown,
  ) {
    super(`column "${column}": expected ${expected}, got ${describe(value)}`);
  }
}

/** The row's own value for a column (never an inherited property such as `constructor`). */
export function valueOf(row: InputRow, column: string): unknown {
  return Object.hasOwn(row, column) ? row[column] : undefined;
}

/** Missing means absent, null, an empty string or NaN; such values are imputed, not rejected. */
export function isMissing(value: unknown): boolean {
  return value === undefined || value === null || value === '' || (typeof value === 'number' && Number.isNaN(value));
}

/** A numeric column's value: a finite number (a bigint is converted), or undefined when missing. */
export function readNumber(row: InputRow, column: string): number | undefined {
  const value = valueOf(row, column);
  if (isMissing(value)) return undefined;
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  throw new FeatureValueError(column, 'a finite number', value);
}

/** A categorical column's value as text (numbers and booleans by their string form), or undefined when missing. */
export function readCategory(row: InputRow, column: string): string | undefined {
  const value = valueOf(row, column);
  if (isMissing(value)) return undefined;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') return String(value);
  throw new FeatureValueError(column, 'a string', value);
}

/** What a time column takes, with examples: "Jan 1 2000" or "2015/01/01" are refused, and a person fixing the export needs the shape. */
export const TIME_VALUE = 'an ISO 8601 date-time (such as 2000-01-31 or 2000-01-31T08:30:00Z), a Date or epoch milliseconds';

/** A time column's value in epoch milliseconds, or undefined when missing. */
export function readTime(row: InputRow, column: string): number | undefined {
  const value = valueOf(row, column);
  if (isMissing(value)) return undefined;
  const ms = toEpochMs(value);
  if (ms === undefined) throw new FeatureValueError(column, TIME_VALUE, value);
  return ms;
}

function describe(value: unknown): string {
  if (value instanceof Date) return 'an invalid Date';
  if (typeof value === 'object' && value !== null) return Array.isArray(value) ? 'an array' : 'an object';
  const text = typeof value === 'string' ? JSON.stringify(value) : String(value);
  return `${typeof value} ${text.length > 40 ? `${text.slice(0, 40)}…` : text}`;
}
