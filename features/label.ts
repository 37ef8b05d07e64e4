import type { LabelSpec } from '../contracts/pipeline-spec.js';
import { FeatureValueError, isMissing, readCategory, readNumber, valueOf } from './values.js';
import type { InputRow } from './values.js';

/**
 * The row's label as a number, or undefined when the row has none (a serving row, or a missing
 * value). Binary: 1 or 0, read from `label.column` (true/false, 1/0, "true"/"false") or derived
 * with `positiveWhen` from its source column. Regression: the column's number.
 */
export function labelOf(label: LabelSpec, row: InputRow): number | undefined {
  if (label.positiveWhen) return derivedLabel(label.positiveWhen, row);
  if (label.kind === 'regression') return readNumber(row, label.column);
  return binaryValue(label.column, valueOf(row, label.column));
}

type PositiveWhen = NonNullable<LabelSpec['positiveWhen']>;

function derivedLabel(rule: PositiveWhen, row: InputRow): number | undefined {
  const positive = compare(rule, row);
  return positive === undefined ? undefined : Number(positive);
}

function compare({ column, greaterThan, atLeast, lessThan, atMost, equals }: PositiveWhen, row: InputRow): boolean | undefined {
  if (typeof equals === 'string') return mapDefined(readCategory(row, column), (v) => v === equals);
  if (typeof equals === 'boolean') return mapDefined(binaryValue(column, valueOf(row, column)), (v) => v === Number(equals));
  const value = readNumber(row, column);
  if (value === undefined) return undefined;
  if (greaterThan !== undefined) return value > greaterThan;
  if (atLeast !== undefined) return value >= atLeast;
  if (lessThan !== undefined) return value < lessThan;
  if (atMost !== undefined) return value <= atMost;
  return value === equals;
}

function mapDefined<T, U>(value: T | undefined, fn: (value: T) => U): U | undefined {
  return value === undefined ? undefined : fn(value);
}

function binaryValue(column: string, value: unknown): number | undefined {
  if (isMissing(value)) return undefined;
  if (value === true || value === 1 || value === 1n || value === 'true' || value === '1') return 1;
  if (value === false || value === 0 || value === 0n || value === 'false' || value === '0') return 0;
  throw new FeatureValueError(column, 'a binary label: true/false or 1/0', value);
}
