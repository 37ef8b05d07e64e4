import { formatPercent, formatPrecise } from '../format/numbers.js';
import type { ColumnSchema, DatasetSchema } from './schema.js';
import type { ColumnStatistics, DatasetStatistics } from './statistics-types.js';

export type AnomalyCode =
  | 'empty_dataset'
  | 'label_missing'
  | 'label_all_null'
  | 'label_invalid'
  | 'label_one_class'
  | 'not_numeric'
  | 'beyond_float32'
  | 'nested_feature'
  | 'missing_column'
  | 'retyped_column'
  | 'unexpected_column'
  | 'unseen_categories'
  | 'null_rate_jump'
  | 'out_of_range';

/** One finding of validation. Any 'error' fails the run; 'warning's are reported only. */
export interface Anomaly {
  severity: 'error' | 'warning';
  code: AnomalyCode;
  column?: string;
  /** What is wrong, with the numbers, and what to do about it. */
  message: string;
}

export interface SchemaCheckOptions {
  /** The column the model learns to predict. */
  labelColumn: string;
  /** Largest share of rows (0–1) allowed to hold categories the reference never saw. Default 0.01. */
  unseenCategoryTolerance?: number;
  /** Largest rise of a column's null rate over the reference's, in share of rows (0–1). Default 0.1. */
  nullRateJump?: number;
  /** Slack beyond the reference min and max, as a share of the reference range (max − min). Default 0.1. */
  rangeSlack?: number;
  /** Columns the pipeline reads as numbers: any text among their values is an error, reference or not. */
  numericColumns?: readonly string[];
  /**
   * Columns the model reads (its features, its label and the column a label is derived from).
   * Ranges and unseen categories are judged on these alone: other columns (ids, keys, the time a
   * window is taken on) grow by nature with each new window. Default: every column.
   */
  modelColumns?: readonly string[];
}

const REFRESH = 'refresh the pipeline’s reference schema';

function listNames(names: string[]): string {
  return names.length <= 20 ? names.join(', ') : `${names.slice(0, 20).join(', ')} and ${names.length - 20} more`;
}

function retyped(reference: ColumnSchema, current: ColumnStatistics): Anomaly {
  const examples =
    current.kind === 'categorical'
      ? current.top.slice(0, 3).map((entry) => JSON.stringify(entry.value)).join(', ')
      : '';
  return {
    severity: 'error',
    code: 'retyped_column',
    column: current.name,
    message:
      `Column "${current.name}" was ${reference.kind} in the reference but is ${current.kind} now` +
      `${examples ? ` (most frequent values: ${examples})` : ''}; fix the source or its parsing, or, if the new type is right, ${REFRESH}.`,
  };
}

function nullRateJump(reference: ColumnSchema, current: ColumnStatistics, rowCount: number, jump: number): Anomaly[] {
  const rate = current.nulls / rowCount;
  if (rate - reference.nullRate <= jump) return [];
  return [{
    severity: 'error',
    code: 'null_rate_jump',
    column: current.name,
    message:
      `Column "${current.name}" is null in ${formatPercent(rate)} of rows (${current.nulls} of ${rowCount}); ` +
      `the reference had ${formatPercent(reference.nullRate)} and the allowed rise is ${(jump * 100).toFixed(1)} percentage points. ` +
      `Check the source for a broken extract or join.`,
  }];
}

function outOfRange(reference: ColumnSchema, current: ColumnStatistics, rangeSlack: number): Anomaly[] {
  if (!reference.range || current.kind !== 'numeric') return [];
  const { min, max } = reference.range;
  const slack = rangeSlack * (max - min);
  const faults: string[] = [];
  if (current.min < min - slack) faults.push(`values down to ${formatPrecise(current.min)}, below ${formatPrecise(min - slack)}`);
  if (current.max > max + slack) faults.push(`values up to ${formatPrecise(current.max)}, above ${formatPrecise(max + slack)}`);
  if (faults.length === 0) return [];
  return [{
    severity: 'error',
    code: 'out_of_range',
    column: current.name,
    message:
      `Column "${current.name}" has ${faults.join(' and ')}: the reference range is [${formatPrecise(min)}, ${formatPrecise(max)}] ` +
      `with ${formatPercent(rangeSlack)} slack. Check for a unit or parsing change; if the values are real, ${REFRESH}.`,
  }];
}

function unseenCategories(reference: ColumnSchema, current: ColumnStatistics, rowCount: number, tolerance: number): Anomaly[] {
  if (!reference.domain || current.kind !== 'categorical') return [];
  const known = new Set(reference.domain);
  const unseen = current.top.filter((entry) => !known.has(entry.value));
  // Values not itemized in the statistics cannot be checked one by one: count them as unseen.
  const unseenRows = unseen.reduce((sum, entry) => sum + entry.count, 0) + current.otherCount;
  if (unseenRows / rowCount <= tolerance) return [];
  const examples = unseen.slice(0, 5).map((entry) => `${JSON.stringify(entry.value)} (${entry.count})`);
  if (current.otherCount > 0) examples.push(`${current.otherCount} rows of values not itemized`);
  return [{
    severity: 'error',
    code: 'unseen_categories',
    column: current.name,
    message:
      `Column "${current.name}" has ${formatPercent(unseenRows / rowCount)} of rows (${unseenRows} of ${rowCount}) in categories ` +
      `the reference never saw: ${examples.join(', ')}; the tolerance is ${formatPercent(tolerance)}. ` +
      `Fix the source if these are typos or codes added by mistake; if they are real, ${REFRESH}.`,
  }];
}

function checkLabel(stats: DatasetStatistics, label: string): Anomaly[] {
  const column = stats.columns.find((candidate) => candidate.name === label);
  if (!column) {
    const names = listNames(stats.columns.map((candidate) => candidate.name));
    return [{
      severity: 'error',
      code: 'label_missing',
      column: label,
      message: `Label column "${label}" is not in this dataset (its columns: ${names}); fix the source or the pipeline spec’s label.column.`,
    }];
  }
  if (column.count > 0) return [];
  return [{
    severity: 'error',
    code: 'label_all_null',
    column: label,
    message: `Label column "${label}" is null in all ${stats.rowCount} rows, so there is nothing to learn from; check the source’s label extract.`,
  }];
}

function notNumeric(current: ColumnStatistics): Anomaly[] {
  if (current.count === 0 || current.kind === 'numeric') return [];
  const examples = current.kind === 'categorical' ? current.top.slice(0, 5).map((entry) => `${JSON.stringify(entry.value)} (${entry.count})`).join(', ') : current.kind;
  return [{
    severity: 'error',
    code: 'not_numeric',
    column: current.name,
    message:
      `Column "${current.name}" is a numeric feature but holds ${current.kind === 'categorical' ? 'text' : `${current.kind} values`}: ${examples}. ` +
      `Numbers must be plain numbers, not quoted strings, NaN or Infinity (leave a missing value empty or null); fix the source, or list the column under features.categorical.`,
  }];
}

/**
 * Checks a dataset's statistics against the reference schema. Returns every anomaly found
 * (empty when the dataset conforms); an empty dataset yields only `empty_dataset`.
 */
export function checkAgainstSchema(reference: DatasetSchema, stats: DatasetStatistics, options: SchemaCheckOptions): Anomaly[] {
  const { labelColumn, unseenCategoryTolerance = 0.01, nullRateJump: jump = 0.1, rangeSlack = 0.1 } = options;
  const modelColumns = options.modelColumns && new Set(options.modelColumns);
  const readByModel = (name: string): boolean => modelColumns?.has(name) ?? true;
  if (stats.rowCount === 0) {
    return [{ severity: 'error', code: 'empty_dataset', message: 'The dataset has no rows; check the source (an empty file, or a header only).' }];
  }
  const anomalies = checkLabel(stats, labelColumn);
  const current = new Map(stats.columns.map((column) => [column.name, column]));
  for (const column of reference.columns) {
    const observed = current.get(column.name);
    if (!observed) {
      if (column.name === labelColumn) continue;
      anomalies.push({
        severity: 'error',
        code: 'missing_column',
        column: column.name,
        message:
          `Column "${column.name}" (${column.kind}) is in the reference schema but not in this dataset ` +
          `(its columns: ${listNames([...current.keys()])}); fix the source, or, if the column was dropped on purpose, ${REFRESH}.`,
      });
    } else if (observed.count > 0 && observed.kind !== column.kind) {
      anomalies.push(retyped(column, observed));
    } else if (observed.count > 0) {
      anomalies.push(...nullRateJump(column, observed, stats.rowCount, jump));
      if (readByModel(column.name)) anomalies.push(...outOfRange(column, observed, rangeSlack), ...unseenCategories(column, observed, stats.rowCount, unseenCategoryTolerance));
    } else if (column.name !== labelColumn) {
      anomalies.push(...nullRateJump(column, observed, stats.rowCount, jump));
    }
  }
  for (const name of options.numericColumns ?? []) {
    const observed = current.get(name);
    if (observed && !anomalies.some((anomaly) => anomaly.column === name && anomaly.code === 'retyped_column')) anomalies.push(...notNumeric(observed));
  }
  const known = new Set(reference.columns.map((column) => column.name));
  for (const column of stats.columns) {
    if (known.has(column.name)) continue;
    anomalies.push({
      severity: 'warning',
      code: 'unexpected_column',
      column: column.name,
      message: `Column "${column.name}" (${column.kind}) is not in the reference schema; if it belongs in the data, ${REFRESH}.`,
    });
  }
  return anomalies;
}
