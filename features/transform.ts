/**
 * Fitting and applying the feature transform (DESIGN §4 step 3). Fit on the training split only;
 * apply the same fitted object in training, evaluation, serving and batch scoring.
 */
import type { PipelineSpec } from '../contracts/pipeline-spec.js';
import { FEATURE_TRANSFORM_VERSION, featureWidth } from './feature-transform.js';
import type { CategoricalFeature, FeatureTransform, NumericFeature } from './feature-transform.js';
import { GrowableArray } from './growable.js';
import { labelOf } from './label.js';
import { timePart } from './time.js';
import { readCategory, readNumber, readTime } from './values.js';
import type { InputRow } from './values.js';

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
export function fitTransform(trainingRows: readonly InputRow[], spec: Pick<PipelineSpec, 'features' | 'label'>): FeatureTransform {
  const fitter = new TransformFitter(spec);
  for (const row of trainingRows) fitter.add(row);
  return fitter.result();
}

type NumericInput = Pick<NumericFeature, 'name' | 'column' | 'timePart'>;

/** A feature's first bad value, kept until result(): the one {@link fitTransform} over an array would meet first. */
type Failure = { error: unknown } | undefined;

interface NumericFit {
  input: NumericInput;
  // Every training value, not running sums: mean and variance then come out bit for bit as two
  // passes over an array give them, and the median needs them all anyway.
  values: GrowableArray<Float64Array<ArrayBuffer>>;
  failure: Failure;
}

interface CategoricalFit {
  column: string;
  counts: Map<string, number>;
  failure: Failure;
}

/**
 * Fits the transform on training rows given one at a time, so the rows need not be held: per
 * row it keeps each numeric feature's value (8 bytes) and counts each category. The result is
 * what {@link fitTransform} gives for the same rows in the same order, errors included.
 */
export class TransformFitter {
  private rows = 0;
  private readonly numeric: NumericFit[];
  private readonly categorical: CategoricalFit[];

  constructor(private readonly spec: Pick<PipelineSpec, 'features' | 'label'>) {
    const { numeric, categorical, timeParts } = spec.features;
    const inputs: NumericInput[] = [
      ...numeric.map((column) => ({ name: column, column })),
      ...(timeParts?.parts.map((part) => ({ name: `${timeParts.column}.${part}`, column: timeParts.column, timePart: part })) ?? []),
    ];
    this.numeric = inputs.map((input) => ({ input, values: new GrowableArray(Float64Array), failure: undefined }));
    this.categorical = categorical.map((column) => ({ column, counts: new Map(), failure: undefined }));
  }

  add(row: InputRow): void {
    this.rows++;
    for (const fit of this.numeric) {
      if (!fit.failure) fit.failure = attempt(() => addNumeric(fit, row));
    }
    for (const fit of this.categorical) {
      if (!fit.failure) fit.failure = attempt(() => addCategory(fit, row));
    }
  }

  /** The fitted transform. Errors come feature by feature in spec order, as fitting over an array meets them. */
  result(): FeatureTransform {
    if (this.rows === 0) throw new FeatureFitError('the training split is empty: there is nothing to fit the feature transform on');
    const { impute, maxVocabulary } = this.spec.features;
    return {
      version: FEATURE_TRANSFORM_VERSION,
      fittedRows: this.rows,
      numeric: this.numeric.map((fit) => fitNumeric(fit, impute)),
      categorical: this.categorical.map((fit) => fitCategorical(fit, maxVocabulary)),
      label: this.spec.label,
    };
  }
}

function attempt(body: () => void): Failure {
  try {
    body();
    return undefined;
  } catch (error) {
    return { error };
  }
}

function addNumeric({ input, values }: NumericFit, row: InputRow): void {
  const value = numericValue(input, row);
  if (value !== undefined) values.push(value);
}

function addCategory({ column, counts }: CategoricalFit, row: InputRow): void {
  const value = readCategory(row, column);
  if (value !== undefined) counts.set(value, (counts.get(value) ?? 0) + 1);
}

/** Transforms one row: missing numbers take the imputed value, unseen or missing categories the OOV slot. */
export function applyTransform(transform: FeatureTransform, row: InputRow): TransformedRow {
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

function numericValue(feature: Pick<NumericFeature, 'column' | 'timePart'>, row: InputRow): number | undefined {
  if (feature.timePart === undefined) return readNumber(row, feature.column);
  const ms = readTime(row, feature.column);
  return ms === undefined ? undefined : timePart(ms, feature.timePart);
}

function fitNumeric({ input, values: growable, failure }: NumericFit, impute: 'mean' | 'median'): NumericFeature {
  if (failure) throw failure.error;
  const values = growable.values();
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

function fitCategorical({ column, counts, failure }: CategoricalFit, maxVocabulary: number): CategoricalFeature {
  if (failure) throw failure.error;
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
