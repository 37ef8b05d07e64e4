/**
 * Metrics per slice (as TensorFlow Model Analysis computes them): the test rows grouped by the
 * value of a column the spec names, each group scored on its own, so a model that is good on
 * average but bad for one airport or one weather type shows it.
 */

export interface SliceMetrics {
  column: string;
  /** The column's value as text; missing values form the slice "(missing)". */
  value: string;
  rows: number;
  metrics: Record<string, number>;
}

export interface SliceInput {
  /** The raw test rows, in the order of labels and scores. */
  rows: readonly Record<string, unknown>[];
  labels: Float32Array;
  scores: Float32Array;
  columns: readonly string[];
  metricsOf: (labels: Float32Array, scores: Float32Array) => Record<string, number>;
  /** Slices with fewer rows are left out: their metrics are noise. Default 30. */
  minRows?: number;
  /** Most slices per column, the largest first. Default 20. */
  maxSlices?: number;
}

export const MISSING_SLICE = '(missing)';

function sliceValue(raw: unknown): string {
  if (raw === null || raw === undefined || raw === '') return MISSING_SLICE;
  if (typeof raw === 'string') return raw;
  if (typeof raw === 'number' || typeof raw === 'boolean' || typeof raw === 'bigint') return String(raw);
  return JSON.stringify(raw);
}

export function sliceMetrics({ rows, labels, scores, columns, metricsOf, minRows = 30, maxSlices = 20 }: SliceInput): SliceMetrics[] {
  return columns.flatMap((column) => {
    const members = new Map<string, number[]>();
    rows.forEach((row, index) => {
      const raw = row[column];
      const value = sliceValue(raw);
      let list = members.get(value);
      if (!list) members.set(value, (list = []));
      list.push(index);
    });
    return [...members]
      .filter(([, indices]) => indices.length >= minRows)
      .sort(([a, x], [b, y]) => y.length - x.length || (a < b ? -1 : 1))
      .slice(0, maxSlices)
      .map(([value, indices]) => ({
        column,
        value,
        rows: indices.length,
        metrics: metricsOf(Float32Array.from(indices, (i) => labels[i]!), Float32Array.from(indices, (i) => scores[i]!)),
      }));
  });
}

export interface SliceRegression {
  column: string;
  value: string;
  candidate: number;
  production: number;
  /** How much worse the candidate is on this slice, oriented: positive is worse. */
  regression: number;
}

/** The slice where the candidate loses most against production on `metric` (slices both have); undefined when none compare. */
export function worstSliceRegression(candidate: readonly SliceMetrics[], production: readonly SliceMetrics[], metric: string, higherIsBetter: boolean): SliceRegression | undefined {
  let worst: SliceRegression | undefined;
  for (const slice of candidate) {
    const theirs = production.find((other) => other.column === slice.column && other.value === slice.value);
    const ours = slice.metrics[metric];
    const before = theirs?.metrics[metric];
    if (ours === undefined || before === undefined || !Number.isFinite(ours) || !Number.isFinite(before)) continue;
    const regression = higherIsBetter ? before - ours : ours - before;
    if (!worst || regression > worst.regression) worst = { column: slice.column, value: slice.value, candidate: ours, production: before, regression };
  }
  return worst;
}
