import type { NumericSummaryResult } from './numeric-summary.js';
import type { ValueFrequencies } from './value-counts.js';

/** What a column holds, judged from every non-null value in it. */
export type ColumnKind = 'numeric' | 'categorical' | 'datetime' | 'boolean';

interface ColumnStatisticsBase {
  name: string;
  kind: ColumnKind;
  /** Non-null values. */
  count: number;
  /** Rows where the column was null, empty or absent (NaN counts as null). */
  nulls: number;
}

/** Numeric columns: min, max, mean, population std, quantiles (exact up to the sample size, else over a deterministic uniform sample) and histogram. */
export interface NumericColumnStatistics extends ColumnStatisticsBase, NumericSummaryResult {
  kind: 'numeric';
}

/**
 * Text values, and columns whose values mix types (they are counted as text).
 * A column with no values at all is reported here too, with `count` 0.
 */
export interface CategoricalColumnStatistics extends ColumnStatisticsBase, ValueFrequencies {
  kind: 'categorical';
}

/** ISO 8601 dates or date-times. `min` and `max` are the values as written. */
export interface DatetimeColumnStatistics extends ColumnStatisticsBase {
  kind: 'datetime';
  min: string;
  max: string;
}

export interface BooleanColumnStatistics extends ColumnStatisticsBase {
  kind: 'boolean';
  trueCount: number;
  falseCount: number;
}

export type ColumnStatistics =
  | NumericColumnStatistics
  | CategoricalColumnStatistics
  | DatetimeColumnStatistics
  | BooleanColumnStatistics;

/** Statistics of one dataset: plain JSON, so it can be stored and compared with a later one. */
export interface DatasetStatistics {
  rowCount: number;
  /** In the order the columns were first seen. */
  columns: ColumnStatistics[];
}
