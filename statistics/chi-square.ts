/**
 * Tests of observed counts against expected ones: Pearson's chi-square goodness of fit (as
 * scipy.stats.chisquare) and the Jensen–Shannon divergence.
 */
import { chiSquareSf } from './gamma.js';

export interface ChiSquareResult {
  statistic: number;
  /** Degrees of freedom: buckets − 1 − ddof. */
  df: number;
  /** P(χ²_df ≥ statistic); 1 when there are no degrees of freedom (nothing can differ). */
  pValue: number;
}

/**
 * Pearson's chi-square statistic Σ (o − e)² / e and its p-value, as
 * scipy.stats.chisquare(observed, expected, ddof). Both must have the same total (relative
 * tolerance 1e-8), and every expected count must be positive.
 */
export function chiSquare(observed: readonly number[], expected: readonly number[], ddof = 0): ChiSquareResult {
  if (observed.length !== expected.length) {
    throw new RangeError(`chi-square needs aligned buckets: ${observed.length} observed but ${expected.length} expected`);
  }
  const observedTotal = observed.reduce((sum, o) => sum + o, 0);
  const expectedTotal = expected.reduce((sum, e) => sum + e, 0);
  if (Math.abs(observedTotal - expectedTotal) > 1e-8 * Math.max(observedTotal, expectedTotal)) {
    throw new RangeError(`chi-square needs equal totals: observed ${observedTotal}, expected ${expectedTotal}`);
  }
  let statistic = 0;
  for (let i = 0; i < observed.length; i++) {
    const e = expected[i] as number;
    if (!(e > 0)) throw new RangeError(`chi-square needs positive expected counts; bucket ${i} expects ${e}`);
    statistic += ((observed[i] as number) - e) ** 2 / e;
  }
  const df = observed.length - 1 - ddof;
  return { statistic, df, pValue: df > 0 ? chiSquareSf(statistic, df) : 1 };
}

/**
 * Jensen–Shannon divergence in bits, in [0, 1]: ½ KL(p ‖ m) + ½ KL(q ‖ m) with m = (p + q) / 2.
 * Inputs are normalized first, so counts work as well as shares; zero entries are fine.
 * scipy.spatial.distance.jensenshannon(p, q, base=2) returns its square root (the distance).
 */
export function jensenShannon(p: readonly number[], q: readonly number[]): number {
  if (p.length !== q.length) throw new RangeError(`Jensen–Shannon needs aligned buckets: ${p.length} against ${q.length}`);
  const pTotal = p.reduce((sum, x) => sum + x, 0);
  const qTotal = q.reduce((sum, x) => sum + x, 0);
  if (!(pTotal > 0 && qTotal > 0)) throw new RangeError('Jensen–Shannon needs two non-empty distributions');
  let divergence = 0;
  for (let i = 0; i < p.length; i++) {
    const pi = (p[i] as number) / pTotal;
    const qi = (q[i] as number) / qTotal;
    const mi = (pi + qi) / 2;
    if (pi > 0) divergence += pi * Math.log2(pi / mi);
    if (qi > 0) divergence += qi * Math.log2(qi / mi);
  }
  return Math.min(Math.max(divergence / 2, 0), 1);
}
