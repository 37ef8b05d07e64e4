/**
 * Compares recent inputs and scores with the training reference and says, with the numbers,
 * whether they drifted. Pure: the drift-check activity reads the logs and the reference.
 */
import type { InputRow } from '../features/values.js';
import { readCategory } from '../features/values.js';
import type { ChiSquareResult } from '../statistics/chi-square.js';
import { jensenShannon as jensenShannonDivergence } from '../statistics/chi-square.js';
import { categoricalChiSquare } from './categorical.js';
import type { KsResult } from '../statistics/ks.js';
import { ksAgainstReference } from '../statistics/ks.js';
import { formatNumber } from '../format/numbers.js';
import { alignCategories, alignedCounts, binCounts, binLabels, psi, toShares } from './psi.js';
import type { CategoricalFeatureReference, DriftReference, NumericSummary } from './reference.js';
import { DRIFT_REFERENCE_VERSION, driftNumber } from './reference.js';

export type DriftVerdict = 'drift' | 'no-drift' | 'insufficient-data';

export interface DriftThresholds {
  /** PSI above which a feature, or the predictions, counts as drifted (the spec's drift.psi). */
  psi: number;
  /** False when PSI is reported but does not decide (the spec's drift.decideBy leaves it out); default true. */
  psiDecides?: boolean;
  /** KS p-value below which a numeric feature or the predictions count as drifted; absent: KS is reported, not judged. */
  ksPValue?: number;
  /** With ksPValue: the KS statistic D must also reach this (an effect-size guard); absent: the p-value alone. */
  ksStatistic?: number;
  /** Chi-square p-value below which a categorical feature counts as drifted; absent: reported, not judged. */
  chiSquarePValue?: number;
  /** With chiSquarePValue: Cohen's w = sqrt(chi-square / rows) must also reach this; absent: the p-value alone. */
  chiSquareEffect?: number;
  /** Jensen–Shannon divergence (bits) above which a categorical feature counts as drifted; absent: reported, not judged. */
  jensenShannon?: number;
  /** Current rows needed before drift is judged (the spec's drift.minRows). */
  minRows: number;
}

/** Reference and live shares of rows over the same buckets, the ones PSI compared. */
export interface BucketShares {
  /** Numeric: the reference's bins ('≤ a', '(a, b]', …, '> z') then '(missing)'; categorical: its categories, then '(unseen)' and '(missing)'. */
  buckets: string[];
  /** Share of the reference's rows in each bucket; they sum to 1. */
  reference: number[];
  /** Share of the live rows in each bucket; they sum to 1. */
  live: number[];
}

export interface FeatureDrift {
  name: string;
  kind: 'numeric' | 'categorical';
  psi: number;
  /** Numeric only; absent when either side has no non-missing values. */
  ks?: KsResult;
  /** Categorical only. */
  chiSquare?: ChiSquareResult;
  /** Categorical only: divergence in bits, in [0, 1]. */
  jensenShannon?: number;
  drifted: boolean;
  /** One sentence with the numbers. */
  reason: string;
  /** The distributions compared, for charts. */
  distribution: BucketShares;
}

export interface PredictionDrift {
  psi: number;
  ks?: KsResult;
  drifted: boolean;
  reason: string;
  /** The score distributions compared, over the reference's bins. */
  distribution: BucketShares;
}

export interface DriftReport {
  verdict: DriftVerdict;
  /** One sentence saying why. */
  reason: string;
  /** Current rows compared. */
  rows: number;
  thresholds: DriftThresholds;
  /** Per feature, in the reference's order; empty when the data were insufficient. */
  features: FeatureDrift[];
  /** Absent when the data were insufficient. */
  prediction?: PredictionDrift;
  /** Names of the drifted features. */
  driftedFeatures: string[];
}

/** A numeric feature's (or the scores') live values over the reference's bins. */
export interface LiveNumeric {
  kind: 'numeric';
  /** Rows per reference bin, then the rows with the value missing (as binCounts gives them). */
  counts: number[];
  /** The non-missing values, ascending, for KS. */
  values: readonly number[];
}

/** A categorical feature's live rows over the reference's buckets: its categories, then unseen, then missing. */
export interface LiveCategorical {
  kind: 'categorical';
  counts: number[];
}

/** The live side of a check, counted over the reference's buckets: from rows here, or by the engine from the logs. */
export interface LiveSummary {
  rows: number;
  /** One per reference feature, in the reference's order. */
  features: (LiveNumeric | LiveCategorical)[];
  prediction: LiveNumeric;
}

/**
 * Judges current rows (as logged: raw inputs) and the model's scores on them against the
 * reference. A feature drifts when its PSI is above thresholds.psi, or a configured p-value or
 * divergence threshold is crossed; the verdict is 'drift' when any feature or the predictions
 * drifted. Fewer than minRows rows gives 'insufficient-data' without judging anything. Values
 * are read as at training time (features/values.ts); a wrongly typed one throws FeatureValueError.
 */
export function compareToReference(
  reference: DriftReference,
  currentRows: readonly InputRow[],
  currentScores: readonly number[],
  thresholds: DriftThresholds,
): DriftReport {
  if (currentScores.length !== currentRows.length) {
    throw new RangeError(`${currentRows.length} current rows but ${currentScores.length} scores; each logged row has one score`);
  }
  return compareSummaries(reference, summarizeLiveRows(reference, currentRows, currentScores), thresholds);
}

/** The live side of rows and their scores, over the reference's buckets. */
export function summarizeLiveRows(reference: DriftReference, rows: readonly InputRow[], scores: readonly number[]): LiveSummary {
  const badScore = scores.findIndex((s) => !Number.isFinite(s));
  if (badScore >= 0) throw new RangeError(`score at row ${badScore} is ${scores[badScore]}, not a finite number`);
  const numeric = (summary: NumericSummary, values: readonly (number | undefined)[]): LiveNumeric => ({
    kind: 'numeric',
    counts: binCounts(summary.edges, values),
    values: Array.from(Float64Array.from(values.filter((v): v is number => v !== undefined)).sort()),
  });
  return {
    rows: rows.length,
    features: reference.features.map((feature) =>
      feature.kind === 'categorical'
        ? { kind: 'categorical', counts: alignCategories(feature, rows.map((row) => readCategory(row, feature.name))).current }
        : numeric(feature, rows.map((row) => driftNumber(row, feature))),
    ),
    prediction: numeric(reference.prediction, scores),
  };
}

/** Judges a live summary against the reference, as compareToReference describes. */
export function compareSummaries(reference: DriftReference, live: LiveSummary, thresholds: DriftThresholds): DriftReport {
  const version: number = reference.version;
  if (version !== DRIFT_REFERENCE_VERSION) {
    throw new RangeError(`drift reference version ${version} is not the supported ${DRIFT_REFERENCE_VERSION}`);
  }
  if (!(thresholds.psi >= 0)) throw new RangeError(`the PSI threshold must be a number >= 0, got ${thresholds.psi}`);
  const rows = live.rows;
  if (rows === 0 || rows < thresholds.minRows) {
    const reason = `Insufficient data: ${rows} logged row${rows === 1 ? '' : 's'}, fewer than the ${Math.max(thresholds.minRows, 1)} needed to judge drift.`;
    return { verdict: 'insufficient-data', reason, rows, thresholds, features: [], driftedFeatures: [] };
  }
  if (live.features.length !== reference.features.length || live.features.some((feature, i) => feature.kind !== reference.features[i]!.kind)) {
    throw new RangeError(`the live summary has ${live.features.length} features of other kinds than the reference's ${reference.features.length}`);
  }

  const features = reference.features.map((feature, i): FeatureDrift => {
    const current = live.features[i]!;
    if (feature.kind === 'categorical') return categoricalDrift(feature, current.counts, rows, thresholds);
    const judged = numericDrift(feature, current as LiveNumeric, thresholds, `"${feature.name}"`);
    return { name: feature.name, kind: 'numeric', ...judged };
  });
  const prediction = numericDrift(reference.prediction, live.prediction, thresholds, 'the predictions');
  const driftedFeatures = features.filter((f) => f.drifted).map((f) => f.name);
  return {
    verdict: driftedFeatures.length > 0 || prediction.drifted ? 'drift' : 'no-drift',
    reason: verdictReason(features.length, driftedFeatures, prediction, rows),
    rows,
    thresholds,
    features,
    prediction,
    driftedFeatures,
  };
}

function numericDrift(reference: NumericSummary, live: LiveNumeric, thresholds: DriftThresholds, subject: string): PredictionDrift {
  const referenceShares = [...reference.shares, reference.missingShare];
  if (live.counts.length !== referenceShares.length) throw new RangeError(`${subject}: ${live.counts.length} live counts for the reference's ${referenceShares.length} buckets`);
  const currentShares = toShares(live.counts);
  const psiValue = psi(referenceShares, currentShares);
  const ks = reference.sample.length > 0 && live.values.length > 0 ? ksAgainstReference(reference.sample, live.values) : undefined;

  const findings: Finding[] = psiFindings(psiValue, thresholds);
  if (ks && thresholds.ksPValue !== undefined) {
    findings.push(guardedFinding('KS', `statistic ${formatNumber(ks.statistic)}`, ks.pValue, thresholds.ksPValue, { name: 'statistic', value: ks.statistic, minimum: thresholds.ksStatistic }));
  }
  const distribution = { buckets: binLabels(reference.edges), reference: referenceShares, live: currentShares };
  return { psi: psiValue, ...(ks ? { ks } : {}), ...judge(subject, findings), distribution };
}

function categoricalDrift(reference: CategoricalFeatureReference, current: number[], rows: number, thresholds: DriftThresholds): FeatureDrift {
  const aligned = alignedCounts(reference, current);
  const distribution = { buckets: aligned.labels, reference: toShares(aligned.reference), live: toShares(aligned.current) };
  const psiValue = psi(distribution.reference, distribution.live);
  const chiSquare = categoricalChiSquare(aligned);
  const jensenShannon = jensenShannonDivergence(aligned.reference, aligned.current);

  const findings: Finding[] = psiFindings(psiValue, thresholds);
  if (thresholds.chiSquarePValue !== undefined) {
    const effect = Math.sqrt(chiSquare.statistic / rows);
    const detail = `statistic ${formatNumber(chiSquare.statistic)}, ${chiSquare.df} df`;
    findings.push(guardedFinding('chi-square', detail, chiSquare.pValue, thresholds.chiSquarePValue, { name: "Cohen's w", value: effect, minimum: thresholds.chiSquareEffect }));
  }
  if (thresholds.jensenShannon !== undefined) {
    const drifted = jensenShannon > thresholds.jensenShannon;
    findings.push({
      drifted,
      text: `Jensen–Shannon divergence ${formatNumber(jensenShannon)} is ${drifted ? 'above' : 'within'} ${formatNumber(thresholds.jensenShannon)}`,
    });
  }
  const unseen = aligned.current[aligned.current.length - 2] as number;
  const note = unseen > 0 ? ` ${unseen} of ${rows} rows hold categories the reference does not list.` : '';
  const judged = judge(`"${reference.name}"`, findings);
  return { name: reference.name, kind: 'categorical', psi: psiValue, chiSquare, jensenShannon, ...judged, reason: judged.reason + note, distribution };
}

interface Finding {
  drifted: boolean;
  text: string;
}

function psiFinding(value: number, threshold: number): Finding {
  const drifted = value > threshold;
  return { drifted, text: `PSI ${formatNumber(value)} is ${drifted ? 'above' : 'within'} ${formatNumber(threshold)}` };
}

/** PSI's finding where it decides; where it does not, nothing (it is in the report's numbers either way). */
function psiFindings(value: number, thresholds: DriftThresholds): Finding[] {
  return thresholds.psiDecides === false ? [] : [psiFinding(value, thresholds.psi)];
}

/** A test's finding: its p-value below the bar and, where a guard is set, its effect size at least the guard's minimum. */
function guardedFinding(test: string, detail: string, pValue: number, bar: number, effect: { name: string; value: number; minimum?: number }): Finding {
  const significant = pValue < bar;
  const large = effect.minimum === undefined || effect.value >= effect.minimum;
  const text = `${test} p-value ${formatNumber(pValue)} (${detail}) is ${significant ? 'below' : 'at least'} ${formatNumber(bar)}`;
  if (effect.minimum === undefined) return { drifted: significant, text };
  return { drifted: significant && large, text: `${text}, and its ${effect.name} ${formatNumber(effect.value)} is ${large ? 'at least' : 'below'} ${formatNumber(effect.minimum)}` };
}

function judge(subject: string, findings: Finding[]): { drifted: boolean; reason: string } {
  const fired = findings.filter((f) => f.drifted);
  if (fired.length > 0) return { drifted: true, reason: `${capitalize(subject)} drifted: ${fired.map((f) => f.text).join('; ')}.` };
  return { drifted: false, reason: `${capitalize(subject)} did not drift: ${findings.map((f) => f.text).join('; ')}.` };
}

function verdictReason(featureCount: number, drifted: string[], prediction: PredictionDrift, rows: number): string {
  const over = `over ${rows} logged row${rows === 1 ? '' : 's'}`;
  const features = `${featureCount} feature${featureCount === 1 ? '' : 's'}`;
  if (drifted.length === 0 && !prediction.drifted) return `No drift ${over}: all ${features} and the predictions are within thresholds.`;
  if (drifted.length === 0) return `Drift ${over}: the predictions drifted, though none of the ${features} did.`;
  const which = `${drifted.length} of ${features} drifted (${drifted.join(', ')})`;
  return `Drift ${over}: ${which}; the predictions ${prediction.drifted ? 'drifted too' : 'did not'}.`;
}

function capitalize(text: string): string {
  return text.startsWith('"') ? text : text.charAt(0).toUpperCase() + text.slice(1);
}
