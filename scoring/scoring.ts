/** Scoring posted rows with a loaded version: the training transform, then the network. */
import { applyTransform } from '../features/transform.js';
import { featureGroups } from '../features/feature-transform.js';
import { clipServingRow, outOfRangeRule } from '../features/serving-row.js';
import type { InputRow } from '../features/values.js';
import { gradientTimesInput } from '../model/attribution.js';
import { predict } from '../model/index.js';
import type { LoadedVersion } from './loaded-version.js';
import type { EncodedRows, RowClip, RowEncoder, RowProblem } from './row-encoder.js';
import { compileRowEncoder } from './row-encoder.js';

/** What pushed one prediction up or down: an input feature and its gradient × input, on the logit for a binary model. */
export interface Contribution {
  feature: string;
  contribution: number;
}

/**
 * Scores rows with one version, or lists every problem when any row is invalid (the request is
 * all or nothing). A number past its column's bounds is a problem under the version's
 * `deploy.outOfRange` rule 'refuse' (the default); under 'clip' the bound is scored, `rows`
 * holds the rows as scored and `clipped` names each replaced number. With `explain`, also each
 * row's `explain` largest contributions by size. Synchronous on purpose: a reload cannot dispose
 * the model part way through.
 */
export function scoreRows(
  loaded: LoadedVersion,
  rows: readonly unknown[],
  explain = 0,
): { scores: Float32Array; rows: readonly InputRow[]; clipped: RowClip[]; explanations?: Contribution[][] } | { problems: RowProblem[] } {
  const encoded = encodeRows(loaded, rows);
  if ('problems' in encoded) return encoded;
  const scores = predict(loaded.layersModel, encoded.features, rows.length, loaded.width);
  if (explain <= 0) return { scores, rows: encoded.rows, clipped: encoded.clipped };
  return { scores, rows: encoded.rows, clipped: encoded.clipped, explanations: explainRows(loaded, encoded.features, rows.length, explain) };
}

/** Checks and transforms posted rows for `loaded` (see {@link compileRowEncoder}), by the plan compiled the first time the version scores. */
export function encodeRows(loaded: LoadedVersion, rows: readonly unknown[]): EncodedRows | { problems: RowProblem[] } {
  let encoder = encoders.get(loaded);
  if (!encoder) {
    encoder = compileRowEncoder(loaded.transform, outOfRangeRule(loaded.spec.spec.deploy.outOfRange));
    encoders.set(loaded, encoder);
  }
  return encoder(rows);
}

const encoders = new WeakMap<LoadedVersion, RowEncoder>();

/** Valid rows as the version scores them: under its 'clip' rule, numbers past their bounds replaced by the bound. */
export function clipRows(loaded: LoadedVersion, rows: readonly InputRow[]): { scoring: readonly InputRow[]; clipped: RowClip[] } {
  const rule = outOfRangeRule(loaded.spec.spec.deploy.outOfRange);
  if (rule.policy !== 'clip') return { scoring: rows, clipped: [] };
  const clipped: RowClip[] = [];
  const scoring = rows.map((row, index) => {
    const result = clipServingRow(loaded.transform, row, rule);
    for (const field of result.clipped) clipped.push({ row: index, ...field });
    return result.row;
  });
  return { scoring, clipped };
}

/** Scores rows that already passed validateServingRow (batch scoring checks each row itself, to reject it alone). */
export function scoreValidRows(loaded: LoadedVersion, rows: readonly InputRow[]): { features: Float32Array; scores: Float32Array } {
  const features = new Float32Array(rows.length * loaded.width);
  rows.forEach((row, index) => features.set(applyTransform(loaded.transform, row).features, index * loaded.width));
  return { features, scores: predict(loaded.layersModel, features, rows.length, loaded.width) };
}

/** Gradient × input per row, summed over each feature's columns (a categorical feature's one-hot slots count as one). */
function explainRows(loaded: LoadedVersion, features: Float32Array, rows: number, top: number): Contribution[][] {
  const attributions = gradientTimesInput(loaded.layersModel, features, rows, loaded.width);
  const groups = featureGroups(loaded.transform);
  return Array.from({ length: rows }, (_, row) =>
    groups
      .map(({ name, slots }) => ({ feature: name, contribution: slots.reduce((sum, slot) => sum + attributions[row * loaded.width + slot]!, 0) }))
      .sort((a, b) => Math.abs(b.contribution) - Math.abs(a.contribution) || (a.feature < b.feature ? -1 : 1))
      .slice(0, top),
  );
}
