import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { chiSquare, jensenShannon } from '../../statistics/chi-square.js';
import { chiSquareSf, gammaP, gammaQ, logGamma } from '../../statistics/gamma.js';
import { kolmogorovSmirnovSf, logFactorialOverPower } from '../../statistics/kolmogorov.js';
import { referenceBins } from '../../drift/psi.js';
import { binaryMetrics, regressionMetrics } from '../../model/metrics.js';
import { ks2samp, type KsMethod } from '../../statistics/ks.js';
import { upperNormalTail } from '../../statistics/normal.js';
import { smirnovSf } from '../../statistics/smirnov.js';

// Every value below is scipy's (numpy's for quantiles, scikit-learn's for metrics), from scripts/statistics-reference.py (its header says how to
// regenerate the fixture). The grids are dense around each switch between algorithms, so a
// changed bound or constant in the port moves some value off scipy's.

interface SampleRecipe {
  values?: number[];
  n?: number;
  a?: number;
  scale?: number;
  shift?: number;
  buckets?: number;
  reversed?: boolean;
}

interface Reference {
  generatedBy: string;
  kstwoSf: [n: number, d: number, sf: number][];
  smirnov: [n: number, x: number, sf: number][];
  gamma: [a: number, x: number, p: number, q: number][];
  logFactorialOverPower: [n: number, value: number][];
  logGamma: [x: number, value: number][];
  chiSquareSf: [statistic: number, df: number, sf: number][];
  normalSf: [z: number, sf: number][];
  chiSquare: { observed: number[]; expected: number[]; ddof: number; statistic: number; pValue: number }[];
  jensenShannon: { p: number[]; q: number[]; divergence: number }[];
  binaryMetrics: { labels: number[]; scores: number[]; threshold: number; auc: number; accuracy: number; precision: number; recall: number; f1: number; logLoss: number }[];
  regressionMetrics: { labels: number[]; predictions: number[]; rmse: number; mae: number; r2: number }[];
  quantileBins: { values: SampleRecipe; bins: number; edges: number[] }[];
  ks2samp: { name: string; method: KsMethod; first: SampleRecipe; second: SampleRecipe; statistic: number; pValue: number | null; location: number; sign: 1 | -1 }[];
}

const reference = JSON.parse(readFileSync(new URL('../fixtures/statistics-reference.json', import.meta.url), 'utf8')) as Reference;

/** The same deterministic samples as the script's: ((i·a) mod 1)·scale + shift, optionally cut into integer buckets. */
function build(recipe: SampleRecipe): number[] {
  if (recipe.values) return recipe.values;
  const { n = 0, a = 0, scale = 1, shift = 0 } = recipe;
  const values = Array.from({ length: n }, (_, k) => (((k + 1) * a) % 1) * scale + shift);
  if (recipe.reversed) values.reverse();
  return recipe.buckets === undefined ? values : values.map((v) => Math.trunc(v * (recipe.buckets as number)));
}

/**
 * |actual − expected| ≤ relative · |expected|. Values scipy gives as subnormal (below 1e-300)
 * only need to be that small: the port rounds them to 0.
 */
function expectAgreement(actual: number, expected: number, relative: number, what: string): void {
  if (Number.isNaN(expected)) {
    expect(actual, what).toBeNaN();
    return;
  }
  const allowed = Math.abs(expected) < 1e-300 ? 1e-300 : relative * Math.abs(expected);
  expect(Math.abs(actual - expected), `${what}: ${actual} against scipy's ${expected}`).toBeLessThanOrEqual(allowed);
}

/** Grid points grouped by sample size: [n, [[argument, value], …]]. */
function bySize(points: [n: number, argument: number, value: number][]): [number, [number, number][]][] {
  const groups = new Map<number, [number, number][]>();
  for (const [n, argument, value] of points) groups.set(n, [...(groups.get(n) ?? []), [argument, value]]);
  return [...groups];
}

/**
 * The Smirnov series sums up to n terms formed in log space (scipy uses double-double), so
 * its rounding error grows with n: about 1e-14 · n relative, at worst 3.6e-14 · n on this grid.
 */
const seriesTolerance = (n: number): number => 1e-13 * Math.max(n, 100);

describe('the statistics agree with scipy over dense grids', () => {
  it('records which scipy made the fixture', () => {
    expect(reference.generatedBy).toMatch(/^scripts\/statistics-reference\.py with scipy \d/);
  });

  // One test per sample size, so a mutation run only repeats the sizes that reach the changed code.
  it.each(bySize(reference.kstwoSf))('kolmogorovSmirnovSf = scipy.stats.kstwo.sf for n = %d', (n, points) => {
    for (const [d, sf] of points) expectAgreement(kolmogorovSmirnovSf(n, d), sf, seriesTolerance(n), `kstwo.sf(${d}, ${n})`);
  });

  it.each(bySize(reference.smirnov))('smirnovSf = scipy.special.smirnov for n = %d', (n, points) => {
    for (const [x, sf] of points) expectAgreement(smirnovSf(n, x), sf, seriesTolerance(n), `smirnov(${n}, ${x})`);
  });

  it('gammaP and gammaQ = scipy.special.gammainc and gammaincc', () => {
    for (const [a, x, p, q] of reference.gamma) {
      expectAgreement(gammaP(a, x), p, 1e-11, `gammainc(${a}, ${x})`);
      expectAgreement(gammaQ(a, x), q, 1e-11, `gammaincc(${a}, ${x})`);
    }
  });

  it('logFactorialOverPower = ln(n!/nⁿ) at 30 digits (mpmath), where n·d ≤ 1 for n > 140 needs it', () => {
    for (const [n, value] of reference.logFactorialOverPower) expectAgreement(logFactorialOverPower(n), value, 1e-14, `ln(${n}!/${n}^${n})`);
  });

  it('logGamma = scipy.special.gammaln', () => {
    // ln Γ is 0 at 1 and 2, so the error allowed there is absolute.
    for (const [x, value] of reference.logGamma) {
      expect(Math.abs(logGamma(x) - value), `gammaln(${x})`).toBeLessThanOrEqual(1e-14 * Math.max(1, Math.abs(value)));
    }
  });

  it('chiSquareSf = scipy.stats.chi2.sf', () => {
    for (const [statistic, df, sf] of reference.chiSquareSf) expectAgreement(chiSquareSf(statistic, df), sf, 1e-13, `chi2.sf(${statistic}, ${df})`);
  });

  it('upperNormalTail = scipy.stats.norm.sf', () => {
    for (const [z, sf] of reference.normalSf) expectAgreement(upperNormalTail(z), sf, 1e-14, `norm.sf(${z})`);
  });

  it('chiSquare = scipy.stats.chisquare, with and without ddof', () => {
    for (const { observed, expected, ddof, statistic, pValue } of reference.chiSquare) {
      const result = chiSquare(observed, expected, ddof);
      const what = `chisquare([${observed.join(', ')}], [${expected.join(', ')}], ddof=${ddof})`;
      expectAgreement(result.statistic, statistic, 1e-14, what);
      expectAgreement(result.pValue, pValue, 1e-13, what);
      expect(result.df).toBe(observed.length - 1 - ddof);
    }
  });

  it('jensenShannon = the square of scipy.spatial.distance.jensenshannon(base=2)', () => {
    for (const { p, q, divergence } of reference.jensenShannon) {
      // scipy's square root then squared again loses a few ulps; 1e-12 is still far below any threshold.
      expect(Math.abs(jensenShannon(p, q) - divergence), `jensenshannon([${p.join(', ')}], [${q.join(', ')}])`).toBeLessThanOrEqual(1e-12);
    }
  });

  it.each(reference.ks2samp.map((c) => [`${c.name}, method=${c.method}`, c] as const))('ks2samp = scipy.stats.ks_2samp: %s', (what, c) => {
    const result = ks2samp(build(c.first), build(c.second), c.method);
    expectAgreement(result.statistic, c.statistic, 1e-14, what);
    expectAgreement(result.pValue, c.pValue ?? Number.NaN, 1e-13, what);
    expect(result.location).toBe(c.location);
    expect(result.sign).toBe(c.sign);
  });

  it('binaryMetrics = scikit-learn: roc_auc_score, accuracy, precision, recall, f1 (zero_division=0), log_loss', () => {
    for (const { labels, scores, threshold, ...expected } of reference.binaryMetrics) {
      const metrics = binaryMetrics(labels, scores, threshold);
      for (const name of ['auc', 'accuracy', 'precision', 'recall', 'f1', 'logLoss'] as const) {
        expect(Math.abs(metrics[name] - expected[name]), `${name} over ${labels.length} rows at threshold ${threshold}`).toBeLessThanOrEqual(1e-12);
      }
      expect(metrics.positives).toBe(labels.filter((label) => label === 1).length);
      expect(metrics.rows).toBe(labels.length);
    }
  });

  it('regressionMetrics = scikit-learn: root of mean_squared_error, mean_absolute_error, r2_score', () => {
    for (const { labels, predictions, ...expected } of reference.regressionMetrics) {
      const metrics = regressionMetrics(labels, predictions);
      for (const name of ['rmse', 'mae', 'r2'] as const) {
        expect(Math.abs(metrics[name] - expected[name]), `${name} over ${labels.length} rows`).toBeLessThanOrEqual(1e-12);
      }
    }
  });

  it('referenceBins = numpy.quantile at 1/bins … (bins−1)/bins, repeated edges dropped', () => {
    for (const { values, bins, edges } of reference.quantileBins) expect(referenceBins(build(values), bins)).toEqual(edges);
  });
});
