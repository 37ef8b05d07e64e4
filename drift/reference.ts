/**
 * The drift reference: plain JSON computed once at training time from the training split's raw
 * rows and the model's scores, so drift checks compare against it without re-reading the
 * training data.
 */
import type { InputRow } from '../features/values.js';
import { readCategory, readNumber, readTime } from '../features/values.js';
import { timePart } from '../features/time.js';
import type { TimePart } from '../contracts/pipeline-spec.js';
import type { TimeSource } from './engine-values.js';
import { seededRandom } from '../tabular/seeded-random.js';
import type { CategoryCounts } from './psi.js';
import { binCounts, countCategories, DEFAULT_MAX_CATEGORIES, referenceBins } from './psi.js';

/** Version of the DriftReference layout. */
export const DRIFT_REFERENCE_VERSION = 1;
/** Default number of quantile bins (deciles). */
export const DEFAULT_BINS = 10;
/** Default bound on the values kept for KS. */
export const DEFAULT_SAMPLE_SIZE = 10_000;
/** Default seed of the reference sample. */
export const DEFAULT_SAMPLE_SEED = 20240607;

/** A numeric distribution: quantile bins for PSI and a bounded sample for KS. */
export interface NumericSummary {
  /** Interior bin edges, ascending and distinct (see referenceBins): edges.length + 1 bins. */
  edges: number[];
  /** Share of all rows (missing included) in each bin; these plus missingShare sum to 1. */
  shares: number[];
  /** Share of rows with the value missing. */
  missingShare: number;
  /** Rows summarized, missing included. */
  rows: number;
  /** Up to sampleSize of the non-missing values, ascending, drawn without replacement by a seeded generator; all of them when there are fewer. */
  sample: number[];
}

export interface NumericFeatureReference extends NumericSummary {
  name: string;
  kind: 'numeric';
  /** Set for a time part the model derives (named `<column>.<part>`): the column it is read from. */
  source?: TimeSource;
}

export interface CategoricalFeatureReference extends CategoryCounts {
  name: string;
  kind: 'categorical';
}

export type FeatureReference = NumericFeatureReference | CategoricalFeatureReference;

/** The reference rows' outcomes, beside their feature references: the test split's labels and the model's scores on them. */
export type OutcomeReference =
  | { kind: 'binary'; rows: number; positiveRate: number; meanPrediction: number }
  | { kind: 'regression'; rows: number; mean: number; std: number; p10: number; p50: number; p90: number; residualMean: number };

export interface DriftReference {
  version: typeof DRIFT_REFERENCE_VERSION;
  /** Training rows the feature references were computed from. */
  rows: number;
  /** One entry per feature, numeric ones first, each in the order given. */
  features: FeatureReference[];
  /** The model's scores on the reference split: probabilities (binary) or predicted values (regression). */
  prediction: NumericSummary;
  /** The reference rows' outcomes, for outcome drift (absent in references written before it). */
  outcome?: OutcomeReference;
}

export interface BuildDriftReferenceInput {
  /** The training split's raw rows, before any transform. */
  rows: readonly InputRow[];
  numeric: readonly string[];
  categorical: readonly string[];
  /** The time parts the model derives, summarized as numeric features after the numeric ones. */
  timeParts?: { column: string; parts: readonly TimePart[] };
  /** The model's scores on a split it was evaluated on (the test split is the usual choice). */
  scores: readonly number[];
  /** Quantile bins per numeric feature; default 10. */
  bins?: number;
  /** Bound on each numeric sample; default 10,000. */
  sampleSize?: number;
  /** Categories kept per categorical feature; default 1000, the rest pooled. */
  maxCategories?: number;
  /** Seed of the samples; default DEFAULT_SAMPLE_SEED. */
  seed?: number;
}

/**
 * Summarizes the training rows and scores. Values are read as the transform reads them
 * (features/values.ts): missing means absent, null, '' or NaN; a wrongly typed value throws
 * FeatureValueError naming the column. The same input always gives the same reference.
 */
export function buildDriftReference({
  rows,
  numeric,
  categorical,
  timeParts,
  scores,
  bins = DEFAULT_BINS,
  sampleSize = DEFAULT_SAMPLE_SIZE,
  maxCategories = DEFAULT_MAX_CATEGORIES,
  seed = DEFAULT_SAMPLE_SEED,
}: BuildDriftReferenceInput): DriftReference {
  if (rows.length === 0) throw new RangeError('a drift reference needs at least one training row');
  if (scores.length === 0) throw new RangeError('a drift reference needs the model scores of at least one row');
  const both = numeric.filter((name) => categorical.includes(name));
  if (both.length > 0) throw new RangeError(`feature "${both[0]}" is listed as both numeric and categorical`);
  const badScore = scores.findIndex((s) => !Number.isFinite(s));
  if (badScore >= 0) throw new RangeError(`score at row ${badScore} is ${scores[badScore]}, not a finite number`);

  const features: FeatureReference[] = [
    ...numeric.map((name): FeatureReference => ({
      name,
      kind: 'numeric',
      ...summarizeNumeric(
        rows.map((row) => readNumber(row, name)),
        { bins, sampleSize, seed },
      ),
    })),
    ...timePartSources(timeParts).map(({ name, source }): FeatureReference => ({
      name,
      kind: 'numeric',
      source,
      ...summarizeNumeric(
        rows.map((row) => driftNumber(row, { name, source })),
        { bins, sampleSize, seed },
      ),
    })),
    ...categorical.map((name): FeatureReference => ({
      name,
      kind: 'categorical',
      ...countCategories(
        rows.map((row) => readCategory(row, name)),
        maxCategories,
      ),
    })),
  ];
  return { version: DRIFT_REFERENCE_VERSION, rows: rows.length, features, prediction: summarizeNumeric(scores, { bins, sampleSize, seed }) };
}

/** The derived time parts as named features, each with its source column. */
export function timePartSources(timeParts: { column: string; parts: readonly TimePart[] } | undefined): { name: string; source: TimeSource }[] {
  return (timeParts?.parts ?? []).map((timePart) => ({ name: `${timeParts!.column}.${timePart}`, source: { column: timeParts!.column, timePart } }));
}

/** A numeric feature's value in a raw row, as the transform reads it: a time part from its source column. */
export function driftNumber(row: InputRow, feature: { name: string; source?: TimeSource }): number | undefined {
  if (!feature.source) return readNumber(row, feature.name);
  const ms = readTime(row, feature.source.column);
  return ms === undefined ? undefined : timePart(ms, feature.source.timePart);
}

/** Bins, shares and a bounded sample of numeric values (undefined = missing). */
export function summarizeNumeric(
  values: readonly (number | undefined)[],
  { bins = DEFAULT_BINS, sampleSize = DEFAULT_SAMPLE_SIZE, seed = DEFAULT_SAMPLE_SEED } = {},
): NumericSummary {
  const present = values.filter((v): v is number => v !== undefined);
  const edges = referenceBins(present, bins);
  const counts = binCounts(edges, values);
  const rows = values.length;
  const shares = counts.map((c) => (rows === 0 ? 0 : c / rows));
  return {
    edges,
    shares: shares.slice(0, -1),
    missingShare: shares[shares.length - 1] as number,
    rows,
    sample: boundedSample(Array.from(Float64Array.from(present).sort()), sampleSize, seed),
  };
}

/**
 * Up to `size` of the sorted values, drawn without replacement (Floyd's algorithm) by a seeded
 * generator and returned ascending. It picks positions in the sorted order, so it depends only
 * on the multiset of values, the size and the seed, not on the rows' order.
 */
export function boundedSample(sorted: readonly number[], size: number, seed: number): number[] {
  return samplePositions(sorted.length, size, seed).map((i) => sorted[i] as number);
}

/** The ascending positions, among `count` sorted values, that boundedSample keeps. */
export function samplePositions(count: number, size: number, seed: number): number[] {
  if (!(Number.isInteger(size) && size >= 1)) throw new RangeError(`sample size must be a positive integer, got ${size}`);
  if (count <= size) return Array.from({ length: count }, (_, i) => i);
  const random = seededRandom(seed);
  const chosen = new Set<number>();
  for (let j = count - size; j < count; j++) {
    const t = Math.floor(random() * (j + 1));
    chosen.add(chosen.has(t) ? j : t);
  }
  return [...chosen].sort((a, b) => a - b);
}
