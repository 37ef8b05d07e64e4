/** Scoring posted rows with a loaded version: the training transform, then the network. */
import { applyTransform } from '../features/transform.js';
import { featureGroups } from '../features/feature-transform.js';
import type { ClippedField } from '../features/serving-row.js';
import { clipServingRow, outOfRangeRule, validateServingRow } from '../features/serving-row.js';
import type { InputRow } from '../features/values.js';
import { gradientTimesInput } from '../model/attribution.js';
import { predict } from '../model/index.js';
import type { LoadedVersion } from './loaded-version.js';

/** A problem with one posted row, as the 400 reply lists it. */
export interface RowProblem {
  /** Index of the row in the request. */
  row: number;
  field: string;
  message: string;
}

/** What pushed one prediction up or down: an input feature and its gradient × input, on the logit for a binary model. */
export interface Contribution {
  feature: string;
  contribution: number;
}

/** A number scored as its column's bound under the spec's 'clip' rule, with the row it is in. */
export interface RowClip extends ClippedField {
  row: number;
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
  const rule = outOfRangeRule(loaded.spec.spec.deploy.outOfRange);
  const problems = rows.flatMap((row, index) => validateServingRow(loaded.transform, row, rule).map((problem) => ({ row: index, ...problem })));
  if (problems.length > 0) return { problems };
  const { scoring, clipped } = clipRows(loaded, rows as readonly InputRow[]);
  const { features, scores } = scoreValidRows(loaded, scoring);
  if (explain <= 0) return { scores, rows: scoring, clipped };
  return { scores, rows: scoring, clipped, explanations: explainRows(loaded, features, rows.length, explain) };
}

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
