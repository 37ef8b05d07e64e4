import { describe, expect, it } from 'vitest';
import type { InputRow } from '../../features/values.js';
import { auc } from '../../model/metrics.js';
import type { DriftReference } from '../../drift/reference.js';
import { boundedSample, buildDriftReference } from '../../drift/reference.js';
import type { DriftThresholds } from '../../drift/report.js';
import { liveMetric, performanceVerdict } from '../../drift/performance.js';
import { compareToReference } from '../../drift/report.js';

/** ((i·a) mod 1) for i = 1…n: an evenly spread, deterministic stand-in for a uniform sample. */
const spread = (n: number, a: number): number[] => Array.from({ length: n }, (_, k) => ((k + 1) * a) % 1);
const PHI = 0.6180339887498949;
const PLASTIC = 0.7548776662466927;
const CITIES = ['paris', 'paris', 'paris', 'paris', 'paris', 'lyon', 'lyon', 'lyon', 'nice', null];

/** Rows with a numeric age (20–80), a numeric income (every 20th missing) and a city (10% missing). */
function makeRows(n: number, a: number, { ageShift = 0, newCityEvery = 0 } = {}): InputRow[] {
  return spread(n, a).map((u, i) => ({
    age: 20 + 60 * u + ageShift,
    income: i % 20 === 0 ? null : 1000 + 4000 * ((u * 7) % 1),
    city: newCityEvery > 0 && i % newCityEvery === 0 ? 'marseille' : CITIES[i % CITIES.length],
  }));
}
const score = (row: InputRow): number => 1 / (1 + Math.exp(-((row.age as number) - 50) / 10));

const training = makeRows(5000, PHI);
const reference = buildDriftReference({ rows: training, numeric: ['age', 'income'], categorical: ['city'], scores: training.map(score) });
const thresholds: DriftThresholds = { psi: 0.2, ksPValue: 0.01, chiSquarePValue: 0.01, jensenShannon: 0.1, minRows: 500 };

describe('buildDriftReference', () => {
  it('summarizes numeric features, categorical features and the scores as plain JSON', () => {
    expect(reference.version).toBe(1);
    expect(reference.rows).toBe(5000);
    expect(reference.features.map((f) => [f.name, f.kind])).toEqual([
      ['age', 'numeric'],
      ['income', 'numeric'],
      ['city', 'categorical'],
    ]);
    const [age, income, city] = reference.features;
    if (age?.kind !== 'numeric' || income?.kind !== 'numeric' || city?.kind !== 'categorical') throw new Error('unexpected feature kinds');
    expect(age.edges).toHaveLength(9);
    expect(age.shares).toHaveLength(10);
    age.shares.forEach((share) => expect(share).toBeCloseTo(0.1, 3));
    expect(income.missingShare).toBe(0.05);
    expect(income.shares.reduce((sum, s) => sum + s, 0) + income.missingShare).toBeCloseTo(1, 12);
    expect(city).toMatchObject({
      categories: [
        { value: 'paris', count: 2500 },
        { value: 'lyon', count: 1500 },
        { value: 'nice', count: 500 },
      ],
      otherCount: 0,
      missingCount: 500,
      total: 5000,
    });
    expect(reference.prediction.rows).toBe(5000);
    expect(JSON.parse(JSON.stringify(reference))).toEqual(reference);
  });

  it('keeps a bounded, sorted sample drawn from the values', () => {
    const bounded = buildDriftReference({ rows: training, numeric: ['age'], categorical: [], scores: [0.5], sampleSize: 300 });
    const sample = bounded.features[0]?.kind === 'numeric' ? bounded.features[0].sample : [];
    expect(sample).toHaveLength(300);
    expect([...sample].sort((a, b) => a - b)).toEqual(sample);
    const ages = new Set(training.map((row) => row.age));
    expect(sample.every((v) => ages.has(v))).toBe(true);
    expect(new Set(sample).size).toBe(300);
  });

  it('is deterministic: the same values give the same sample whatever their order, another seed another sample', () => {
    const build = (rows: InputRow[], seed?: number): DriftReference =>
      buildDriftReference({ rows, numeric: ['age'], categorical: ['city'], scores: [0.1, 0.2], sampleSize: 100, seed });
    const first = build(training);
    expect(build(training)).toEqual(first);
    expect(build([...training].reverse())).toEqual(first);
    expect(build(training, 7).features[0]).not.toEqual(first.features[0]);
    expect(boundedSample([1, 2, 3], 10, 1)).toEqual([1, 2, 3]);
  });

  it('refuses a feature listed twice and scores that are not numbers', () => {
    expect(() => buildDriftReference({ rows: training, numeric: ['age'], categorical: ['age'], scores: [0.5] })).toThrow(
      'feature "age" is listed as both numeric and categorical',
    );
    expect(() => buildDriftReference({ rows: training, numeric: [], categorical: [], scores: [0.5, Number.NaN] })).toThrow(
      'score at row 1 is NaN, not a finite number',
    );
  });
});

describe('compareToReference', () => {
  it('finds no drift when the current rows come from the same distribution', () => {
    const current = makeRows(1000, PLASTIC);
    const report = compareToReference(reference, current, current.map(score), thresholds);
    expect(report.verdict).toBe('no-drift');
    expect(report.reason).toBe('No drift over 1000 logged rows: all 3 features and the predictions are within thresholds.');
    expect(report.driftedFeatures).toEqual([]);
    for (const feature of report.features) {
      expect(feature.drifted).toBe(false);
      expect(feature.psi).toBeLessThan(0.02);
    }
    const age = report.features[0]!;
    expect(age.ks?.pValue).toBeGreaterThan(0.5);
    expect(age.reason).toMatch(/^"age" did not drift: PSI [\d.e-]+ is within 0\.2; KS p-value [\d.]+ \(statistic [\d.]+\) is at least 0\.01\.$/);
    const city = report.features[2]!;
    expect(city.chiSquare).toEqual({ statistic: 0, df: 3, pValue: 1 });
    expect(city.jensenShannon).toBe(0);
    expect(report.prediction?.drifted).toBe(false);
  });

  it('flags a clearly shifted numeric feature and the predictions that follow it', () => {
    const current = makeRows(1000, PLASTIC, { ageShift: 15 });
    const report = compareToReference(reference, current, current.map(score), thresholds);
    expect(report.verdict).toBe('drift');
    expect(report.driftedFeatures).toEqual(['age']);
    const age = report.features[0]!;
    expect(age.psi).toBeGreaterThan(1);
    expect(age.ks?.statistic).toBeCloseTo(0.25, 2);
    expect(age.ks?.pValue).toBeLessThan(1e-20);
    expect(age.reason).toMatch(/^"age" drifted: PSI [\d.]+ is above 0\.2; KS p-value [\d.e-]+ \(statistic 0\.25\d*\) is below 0\.01\.$/);
    expect(report.prediction?.drifted).toBe(true);
    expect(report.reason).toBe('Drift over 1000 logged rows: 1 of 3 features drifted (age); the predictions drifted too.');
  });

  it('flags a categorical feature when an unseen category appears, and says so', () => {
    const current = makeRows(1000, PLASTIC, { newCityEvery: 7 });
    const report = compareToReference(reference, current, current.map(score), thresholds);
    expect(report.driftedFeatures).toEqual(['city']);
    const city = report.features[2]!;
    expect(city.psi).toBeGreaterThan(0.2);
    expect(city.chiSquare?.pValue).toBeLessThan(1e-10);
    expect(city.reason).toMatch(/^"city" drifted: PSI [\d.]+ is above 0\.2; chi-square p-value .* is below 0\.01\. 143 of 1000 rows hold categories the reference does not list\.$/);
    expect(report.reason).toBe('Drift over 1000 logged rows: 1 of 3 features drifted (city); the predictions did not.');
  });

  it('reports drift of the predictions alone', () => {
    const current = makeRows(1000, PLASTIC);
    const report = compareToReference(reference, current, current.map(() => 0.99), { psi: 0.2, minRows: 500 });
    expect(report.verdict).toBe('drift');
    expect(report.driftedFeatures).toEqual([]);
    expect(report.prediction?.reason).toMatch(/^The predictions drifted: PSI [\d.]+ is above 0\.2\.$/);
    expect(report.reason).toBe('Drift over 1000 logged rows: the predictions drifted, though none of the 3 features did.');
  });

  it('reports KS without judging by it when no KS threshold is set', () => {
    const current = makeRows(1000, PLASTIC);
    const report = compareToReference(reference, current, current.map(score), { psi: 0.2, minRows: 500 });
    expect(report.features[0]?.ks).toBeDefined();
    expect(report.features[0]?.reason).toMatch(/^"age" did not drift: PSI [\d.e-]+ is within 0\.2\.$/);
  });

  it('says the data are insufficient below minRows, and judges nothing', () => {
    const current = makeRows(120, PLASTIC, { ageShift: 30 });
    const report = compareToReference(reference, current, current.map(score), thresholds);
    expect(report).toMatchObject({ verdict: 'insufficient-data', rows: 120, features: [], driftedFeatures: [] });
    expect(report.prediction).toBeUndefined();
    expect(report.reason).toBe('Insufficient data: 120 logged rows, fewer than the 500 needed to judge drift.');
    expect(compareToReference(reference, [], [], { psi: 0.2, minRows: 0 }).verdict).toBe('insufficient-data');
  });

  it('needs one finite score per row', () => {
    expect(() => compareToReference(reference, makeRows(3, PLASTIC), [0.5], thresholds)).toThrow('3 current rows but 1 scores');
    expect(() => compareToReference(reference, makeRows(2, PLASTIC), [0.5, Number.NaN], thresholds)).toThrow('score at row 1 is NaN, not a finite number');
  });
});

describe('performance drift', () => {
  it('computes the live metric with model/metrics.ts', () => {
    // scikit-learn's roc_auc_score example: 0.75.
    expect(liveMetric('binary', 'auc', [0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])).toBe(0.75);
    expect(liveMetric('binary', 'auc', [0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])).toBe(auc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]));
    expect(liveMetric('binary', 'accuracy', [0, 0, 1, 1], [0.1, 0.6, 0.35, 0.8])).toBe(0.5);
    // scikit-learn's mean_squared_error / mean_absolute_error / r2_score examples.
    expect(liveMetric('regression', 'rmse', [3, -0.5, 2, 7], [2.5, 0, 2, 8])).toBeCloseTo(Math.sqrt(0.375), 12);
    expect(liveMetric('regression', 'mae', [3, -0.5, 2, 7], [2.5, 0, 2, 8])).toBe(0.5);
    expect(liveMetric('regression', 'r2', [3, -0.5, 2, 7], [2.5, 0, 2, 8])).toBeCloseTo(0.9486081370449679, 12);
  });

  it('refuses a metric of the other task and labels that are not 0/1', () => {
    expect(() => liveMetric('binary', 'rmse', [0, 1], [0.2, 0.8])).toThrow('metric "rmse" is for regression models, not binary ones');
    expect(() => liveMetric('regression', 'auc', [0, 1], [0.2, 0.8])).toThrow('metric "auc" is for binary models, not regression ones');
    expect(() => liveMetric('binary', 'auc', [0, 2], [0.2, 0.8])).toThrow('binary outcome at row 1 is 2, not 0 or 1');
  });

  it('judges the live metric against its threshold', () => {
    expect(performanceVerdict({ metric: 'auc', value: 0.61, threshold: 0.7, minOutcomes: 100, outcomes: 800 })).toEqual({
      verdict: 'drift',
      reason: 'Drift: live auc 0.61 on 800 outcomes is below the minimum 0.7.',
    });
    expect(performanceVerdict({ metric: 'rmse', value: 3.2, threshold: 4, minOutcomes: 100, outcomes: 800 })).toEqual({
      verdict: 'no-drift',
      reason: 'No drift: live rmse 3.2 on 800 outcomes meets the maximum 4.',
    });
    expect(performanceVerdict({ metric: 'rmse', value: 5, threshold: 4, lowerIsBetter: true, minOutcomes: 100, outcomes: 800 }).verdict).toBe('drift');
  });

  it('says the data are insufficient with too few outcomes or a metric that is not a number', () => {
    expect(performanceVerdict({ metric: 'auc', value: 0.5, threshold: 0.7, minOutcomes: 100, outcomes: 40 })).toEqual({
      verdict: 'insufficient-data',
      reason: 'Insufficient data: 40 outcomes, fewer than the 100 needed to judge live auc.',
    });
    expect(performanceVerdict({ metric: 'auc', value: Number.NaN, threshold: 0.7, minOutcomes: 10, outcomes: 40 }).verdict).toBe('insufficient-data');
  });
});
