/** Scoring posted rows with a loaded version: the training transform, then the network. */
import { applyTransform, validateServingRow } from '../features/transform.js';
import type { Row } from '../features/values.js';
import { predict } from '../model/index.js';
import type { LoadedVersion } from './loaded-version.js';

/** A problem with one posted row, as the 400 reply lists it. */
export interface RowProblem {
  /** Index of the row in the request. */
  row: number;
  field: string;
  message: string;
}

/**
 * Scores rows with one version, or lists every problem when any row is invalid (the request is
 * all or nothing). Synchronous on purpose: a reload cannot dispose the model part way through.
 */
export function scoreRows(loaded: LoadedVersion, rows: readonly unknown[]): { scores: Float32Array } | { problems: RowProblem[] } {
  const problems = rows.flatMap((row, index) => validateServingRow(loaded.transform, row).map((problem) => ({ row: index, ...problem })));
  if (problems.length > 0) return { problems };
  const features = new Float32Array(rows.length * loaded.width);
  rows.forEach((row, index) => features.set(applyTransform(loaded.transform, row as Row).features, index * loaded.width));
  return { scores: predict(loaded.model, features, rows.length, loaded.width) };
}
