/**
 * Fitting and applying the feature transform (DESIGN §4 step 3). Fit on the training split only;
 * apply the same fitted object in training, evaluation, serving and batch scoring.
 */
import type { PipelineSpec } from '../contracts/pipeline-spec.js';
import { FEATURE_TRANSFORM_VERSION, featureWidth } from './feature-transform.js';
import type { CategoricalFeature, FeatureTransform, NumericFeature } from './feature-transform.js';
import { labelOf } from './label.js';
import { timePart } from './time.js';
import { readCategory, readNumber, readTime } from './values.js';
import type { Row } from './values.js';

export { FEATURE_TRANSFORM_VERSION, OOV, featureNames, featureWidth, inputColumns, readFeatureTransform } from './feature-transform.js';
export type { CategoricalFeature, FeatureTransform, NumericFeature } from './feature-transform.js';
export { validateServingRow } from './serving-row.js';
export type { FieldError } from './serving-row.js';

/** The training split cannot support a transform (no rows, or a feature with no values). Bad data: not retryable. */
export class FeatureFitError extends Error {
  override name = 'FeatureFitError';
}

/** A transformed row: the feature vector (layout in {@link FeatureTransform}) and, when the row has one, its label. */
export interface TransformedRow {
  features: Float32Array;
  label?: number;
}

/** Fits imputation, standardisation and vocabularies on the training rows; nothing else may be passed in. */
export function fitTransform(trainingRows: readonly Row[], spec: Pick<PipelineSpec, 'features' | 'label'>): FeatureTransform {
  if (trainingRows.length === 0) throw new FeatureFitError('the training split is empty: there is nothing to fit the feature transform on');
  const { numeric, categorical, timeParts, impute, maxVocabulary } = spec.features;
  const numericInputs: Pick<NumericFeature, 'name' | 'column' | 'timePart'>[] = [
    ...numeric.map((column) => ({ name: column, column })),
    ...(timeParts?.parts.map((part) => ({ name: `${timeParts.column}.${part}`, column: timeParts.column, timePart: part })) ?? []),
  ];
  return {
    version: FEATURE_TRANSFORM_VERSION,
    fittedRows: trainingRows.length,
    numeric: numericInputs.map((input) => fitNumeric(input, trainingRows, impute)),
    categorical: categorical.map((column) => fitCategorical(column, trainingRows, maxVocabulary)),
    label: spec.label,
  };
}

/** Transforms one row: missing numbers take the imputed value, unseen or missing categories the OOV slot. */
export function applyTransform(transform: FeatureTransform, row: Row): TransformedRow {
  const features = new Float32Array(featureWidth(transform));
  let slot = 0;
  for (const feature of transform.numeric) {
    features[slot++] = ((numericValue(feature, row) ?? feature.impute) - feature.mean) / feature.std;
  }
  for (const feature of transform.categorical) {
    const value = readCategory(row, feature.column);
    const index = value === undefined ? undefined : vocabularyIndex(feature).get(value);
    features[slot + (index ?? feature.vocabulary.length)] = 1;
    slot += feature.vocabulary.length + 1;
  }
  const label = labelOf(transform.label, row);
  return label === undefined ? { features } : { features, label };
}

function numericValue(feature: Pick<NumericFeature, 'column' | 'timePart'>, row: Row): number | undefined {
  if (feature.timePart === undefined) return readNumber(row, feature.column);
  const ms = readTime(row, feature.column);
  return ms === undefined ? undefined : timePart(ms, feature.timePart);
}

function fitNumeric(input: Pick<NumericFeature, 'name' | 'column' | 'timePart'>, rows: readonly Row[], impute: 'mean' | 'median'): NumericFeature {
  const values = Float64Array.from(rows.flatMap((row) => numericValue(input, row) ?? []));
  if (values.length === 0) throw new FeatureFitError(`numeric feature "${input.name}" has no values in the training split`);
  const mean = values.reduce((sum, v) => sum + v, 0) / values.length;
  const variance = values.reduce((sum, v) => sum + (v - mean) ** 2, 0) / values.length;
  const std = Math.sqrt(variance);
  return {
    ...input,
    impute: impute === 'mean' ? mean : median(values),
    mean,
    // A constant column carries no signal; std 1 maps it to 0 instead of dividing by zero.
    std: std > 1e-12 ? std : 1,
  };
}

function median(values: Float64Array): number {
  const sorted = values.slice().sort();
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? (sorted[middle] ?? 0) : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

function fitCategorical(column: string, rows: readonly Row[], maxVocabulary: number): CategoricalFeature {
  const counts = new Map<string, number>();
  for (const row of rows) {
    const value = readCategory(row, column);
    if (value !== undefined) counts.set(value, (counts.get(value) ?? 0) + 1);
  }
  // Most frequent first; equal counts by value (code-unit order, not locale) so the order never varies.
  const ranked = [...counts].sort(([a, countA], [b, countB]) => countB - countA || (a < b ? -1 : a > b ? 1 : 0));
  return { column, encoding: 'one-hot', vocabulary: ranked.slice(0, maxVocabulary).map(([value]) => value) };
}

// Vocabulary lookups per fitted feature, built once; the transform itself stays plain JSON.
const indexes = new WeakMap<CategoricalFeature, Map<string, number>>();

function vocabularyIndex(feature: CategoricalFeature): Map<string, number> {
  let index = indexes.get(feature);
  if (!index) {
    index = new Map(feature.vocabulary.map((value, i) => [value, i]));
    indexes.set(feature, index);
  }
  return index;
}
