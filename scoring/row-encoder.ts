/**
 * Posted rows checked and transformed in one pass, by a plan compiled once per loaded version:
 * each input column's readers and bounds are worked out when the version first scores, every
 * value is read once, and the features of all rows go into one float32 matrix. The checks are
 * validateServingRow's and the numbers applyTransform's, so a row scores exactly as training
 * transformed it (a unit test holds the two paths equal); a column that is both a number and a
 * category is also checked as a number, so such a value is a 400, not a failed transform.
 */
import type { FeatureTransform } from '../features/feature-transform.js';
import { featureWidth, inputColumns } from '../features/feature-transform.js';
import type { ClippedField, OutOfRangeRule } from '../features/serving-row.js';
import { clipServingRow, numericBounds, readersByColumn } from '../features/serving-row.js';
import { timePart } from '../features/time.js';
import type { InputRow } from '../features/values.js';
import { FeatureValueError, readCategory, readNumber, readTime } from '../features/values.js';

/** A problem with one posted row, as the 400 reply lists it. */
export interface RowProblem {
  /** Index of the row in the request. */
  row: number;
  field: string;
  message: string;
}

/** A number scored as its column's bound under the spec's 'clip' rule, with the row it is in. */
export interface RowClip extends ClippedField {
  row: number;
}

/** Rows ready for the network: their features, row after row, and the rows as scored (clipped numbers replaced). */
export interface EncodedRows {
  features: Float32Array;
  rows: readonly InputRow[];
  clipped: RowClip[];
}

/** Checks and transforms a request's rows: all of them, or every problem when any row is invalid. */
export type RowEncoder = (rows: readonly unknown[]) => EncodedRows | { problems: RowProblem[] };

/** How a column's value is read: as a number, a time or a category, as training reads it. */
const READERS = [readNumber, readTime, readCategory] as const;
const [NUMBER, TIME, CATEGORY] = [0, 1, 2];

interface ColumnPlan {
  name: string;
  /** The readers its features use (READERS indexes), the one validateServingRow checks with first. */
  kinds: number[];
  /** Bounds on its number (a plain numeric feature's column). */
  bound?: { low: number; high: number };
}

interface NumericPlan {
  /** Where its value is kept: column × READERS.length + reader. */
  value: number;
  timePart: FeatureTransform['numeric'][number]['timePart'];
  impute: number;
  mean: number;
  std: number;
}

interface CategoricalPlan {
  value: number;
  slots: Map<string, number>;
  oov: number;
  offset: number;
}

export function compileRowEncoder(transform: FeatureTransform, rule: OutOfRangeRule): RowEncoder {
  const bounds = numericBounds(transform, rule.maxDeviations);
  const names = inputColumns(transform);
  const checkedWith = readersByColumn(transform);
  const columns: ColumnPlan[] = names.map((name) => ({ name, kinds: [READERS.indexOf(checkedWith.get(name) as (typeof READERS)[number])], bound: bounds.get(name) }));
  // Each column is also read the way each of its features reads it (a column may be a number and a category): a value any of them refuses is a problem, never a failed transform.
  const slotOf = (name: string, kind: number): number => {
    const column = names.indexOf(name);
    if (!columns[column]!.kinds.includes(kind)) columns[column]!.kinds.push(kind);
    return column * READERS.length + kind;
  };
  const numeric: NumericPlan[] = transform.numeric.map((feature) => ({
    value: slotOf(feature.column, feature.timePart === undefined ? NUMBER : TIME),
    timePart: feature.timePart,
    impute: feature.impute,
    mean: feature.mean,
    std: feature.std,
  }));
  let offset = transform.numeric.length;
  const categorical: CategoricalPlan[] = transform.categorical.map((feature) => {
    const plan = { value: slotOf(feature.column, CATEGORY), slots: new Map(feature.vocabulary.map((value, i) => [value, i])), oov: feature.vocabulary.length, offset };
    offset += feature.vocabulary.length + 1;
    return plan;
  });
  const width = featureWidth(transform);
  const clip = rule.policy === 'clip';

  /** Reads and checks one row's columns into `values`, adding its problems to `problems`. */
  const check = (row: unknown, index: number, values: unknown[], problems: RowProblem[]): void => {
    if (typeof row !== 'object' || row === null || Array.isArray(row)) {
      problems.push({ row: index, field: '(row)', message: 'must be a JSON object mapping column names to values' });
      return;
    }
    for (let i = 0; i < columns.length; i++) {
      const { name, kinds, bound } = columns[i]!;
      if (!Object.hasOwn(row, name)) {
        problems.push({ row: index, field: name, message: 'is missing (send null when the value is unknown)' });
        continue;
      }
      try {
        for (const kind of kinds) values[i * READERS.length + kind] = READERS[kind]!(row as InputRow, name);
      } catch (error) {
        if (!(error instanceof FeatureValueError)) throw error;
        problems.push({ row: index, field: name, message: `must be ${error.expected}` });
        continue;
      }
      // Under 'clip' the row is scored with the bound instead, so the value is no problem.
      const value = values[i * READERS.length + NUMBER];
      if (!clip && bound && typeof value === 'number' && (value < bound.low || value > bound.high)) {
        problems.push({ row: index, field: name, message: `must lie within ${rule.maxDeviations} training standard deviations of its mean, in [${bound.low}, ${bound.high}]; got ${value}` });
      }
    }
  };

  /** applyTransform's numbers for one checked row, from its checked `values`, written at `at` of a zeroed matrix. */
  const write = (values: unknown[], features: Float32Array, at: number): void => {
    for (let k = 0; k < numeric.length; k++) {
      const plan = numeric[k]!;
      const read = values[plan.value] as number | undefined;
      const value = plan.timePart === undefined || read === undefined ? read : timePart(read, plan.timePart);
      features[at + k] = ((value ?? plan.impute) - plan.mean) / plan.std;
    }
    for (const plan of categorical) {
      const value = values[plan.value] as string | undefined;
      const slot = value === undefined ? undefined : plan.slots.get(value);
      features[at + plan.offset + (slot ?? plan.oov)] = 1;
    }
  };

  return (posted) => {
    const problems: RowProblem[] = [];
    const features = new Float32Array(posted.length * width);
    const clipped: RowClip[] = [];
    // One row's values at a time: each row is written as soon as it is checked.
    const values = new Array<unknown>(columns.length * READERS.length);
    let rows = posted as readonly InputRow[];
    for (let index = 0; index < posted.length; index++) {
      check(posted[index], index, values, problems);
      // Once a row has failed, the rest are only checked: the answer lists every problem and scores nothing.
      if (problems.length > 0) continue;
      if (clip) {
        const result = clipServingRow(transform, posted[index] as InputRow, rule);
        if (result.clipped.length > 0) {
          if (rows === posted) rows = [...posted] as InputRow[];
          (rows as InputRow[])[index] = result.row;
          check(result.row, index, values, problems);
          for (const field of result.clipped) clipped.push({ row: index, ...field });
        }
      }
      write(values, features, index * width);
    }
    if (problems.length > 0) return { problems };
    return { features, rows, clipped };
  };
}
