/**
 * The two-sample Kolmogorov–Smirnov test (two-sided), matching scipy.stats.ks_2samp: the same
 * statistic, the exact null distribution (Hodges' lattice-path counts, Viehmann's stable
 * recursion) and, for large samples, the asymptotic one, chosen as scipy's method='auto' does.
 */
import { kolmogorovSmirnovSf } from './kolmogorov.js';
import { snapToReference } from './ties.js';

/** 'auto' is exact when neither sample is larger than KS_MAX_EXACT_N, else asymptotic. */
export type KsMethod = 'auto' | 'exact' | 'asymp';

/** scipy's MAX_AUTO_N: the largest sample 'auto' still computes exactly. */
export const KS_MAX_EXACT_N = 10_000;

export interface KsResult {
  /** The largest gap between the two empirical CDFs, in [0, 1]. */
  statistic: number;
  /** Two-sided p-value under the hypothesis that both samples come from one distribution. */
  pValue: number;
  /** How the p-value was computed; 'exact' falls back to 'asymp' when it cannot be computed. */
  method: 'exact' | 'asymp';
  /** The value at which the gap is largest. */
  location: number;
  /** +1 when the first sample's CDF is above the second's there (the second sample lies to the right), −1 otherwise. */
  sign: 1 | -1;
}

/** Two-sided two-sample KS test, as scipy.stats.ks_2samp(data1, data2, method=method). */
export function ks2samp(data1: readonly number[], data2: readonly number[], method: KsMethod = 'auto'): KsResult {
  return ksSorted(sortedCopy(data1, 'first sample'), sortedCopy(data2, 'second sample'), method);
}

/**
 * KS test of a current sample against a reference kept as a sorted, bounded sample of the
 * training values (see DriftReference), so a check never re-reads the training set. The
 * p-value is the two-sample one, so it accounts for the reference being a sample too. A current
 * value that ties with a reference value (statistics/ties.ts) is taken as that value.
 */
export function ksAgainstReference(referenceSample: readonly number[], current: readonly number[], method: KsMethod = 'auto'): KsResult {
  checkSample(referenceSample, 'reference sample');
  for (let i = 1; i < referenceSample.length; i++) {
    if ((referenceSample[i] as number) < (referenceSample[i - 1] as number)) {
      throw new RangeError(`reference sample is not sorted ascending at index ${i}`);
    }
  }
  return ksSorted(referenceSample, sortedCopy(snapToReference(referenceSample, current), 'current sample'), method);
}

function ksSorted(data1: readonly number[], data2: readonly number[], method: KsMethod): KsResult {
  const n1 = data1.length;
  const n2 = data2.length;
  // scipy evaluates both ECDFs at every observation, first sample's then second's, and takes the first extreme.
  let maxGap = -Infinity;
  let maxAt = 0;
  let minGap = Infinity;
  let minAt = 0;
  const visit = (value: number): void => {
    const gap = countAtMost(data1, value) / n1 - countAtMost(data2, value) / n2;
    if (gap > maxGap) [maxGap, maxAt] = [gap, value];
    if (gap < minGap) [minGap, minAt] = [gap, value];
  };
  data1.forEach(visit);
  data2.forEach(visit);
  const lowerGap = Math.min(Math.max(-minGap, 0), 1);
  const [d, location, sign] = lowerGap > maxGap ? [lowerGap, minAt, -1 as const] : [maxGap, maxAt, 1 as const];

  const auto = method === 'auto';
  if (auto ? Math.max(n1, n2) <= KS_MAX_EXACT_N : method === 'exact') {
    const exact = exactPValue(n1, n2, d);
    if (exact) return { statistic: exact.statistic, pValue: clip(exact.pValue), method: 'exact', location, sign };
  }
  // Smirnov's asymptotic: the one-sample distribution at n₁n₂/(n₁+n₂), rounded half to even as numpy does.
  const effective = roundHalfEven((n1 * n2) / (n1 + n2));
  return { statistic: d, pValue: clip(kolmogorovSmirnovSf(effective, d)), method: 'asymp', location, sign };
}

/**
 * scipy's _attempt_exact_2kssamp, two-sided: the statistic rounded to a multiple of 1/lcm(n₁, n₂)
 * and P(D ≥ d) from lattice-path counts; undefined when the lcm is too large or the result is
 * not a probability, so the caller falls back to the asymptotic distribution.
 */
function exactPValue(n1: number, n2: number, d: number): { statistic: number; pValue: number } | undefined {
  const g = gcd(n1, n2);
  if (n1 / g >= 2147483647 / (n2 / g)) return undefined;
  const lcm = (n1 / g) * n2;
  const h = roundHalfEven(d * lcm);
  const statistic = h / lcm;
  if (h === 0) return { statistic, pValue: 1 };
  const pValue = n1 === n2 ? probabilityOutsideSquare(n1, h) : probabilityOutsideInside(n1, n2, g, h);
  return pValue >= 0 && pValue <= 1 ? { statistic, pValue } : undefined;
}

/** P(D_{n,n} ≥ h/n) = 2 Σ (−1)^(k+1) C(2n, n − kh) / C(2n, n), evaluated Horner-style to avoid cancellation. */
function probabilityOutsideSquare(n: number, h: number): number {
  let p = 0;
  for (let k = Math.floor(n / h); k >= 0; k--) {
    let term = 1;
    for (let j = 0; j < h; j++) term = ((n - k * h - j) * term) / (n + k * h + j + 1);
    p = term * (1 - p);
  }
  return 2 * p;
}

/**
 * The share of lattice paths from (0, 0) to (m, n) that leave the band |x/m − y/n| < h/lcm(m, n),
 * computed directly as 1 − (inside share) column by column (Viehmann, arXiv:2102.08037), as
 * scipy's _compute_outer_prob_inside_method.
 */
function probabilityOutsideInside(first: number, second: number, g: number, h: number): number {
  const m = Math.max(first, second);
  const n = Math.min(first, second);
  const mg = m / g;
  const ng = n / g;
  let minj = 0;
  let maxj = Math.min(Math.ceil(h / mg), n + 1);
  let curlen = maxj - minj;
  const column = new Float64Array(Math.min(2 * maxj + 2, n + 1)).fill(1);
  column.fill(0, minj, maxj);
  for (let i = 1; i <= m; i++) {
    const lastminj = minj;
    const lastlen = curlen;
    minj = Math.min(Math.max(Math.floor((ng * i - h) / mg) + 1, 0), n);
    maxj = Math.min(Math.ceil((ng * i + h) / mg), n + 1);
    if (maxj <= minj) return 1;
    let value = minj === 0 ? 0 : 1;
    for (let jj = 0; jj < maxj - minj; jj++) {
      const j = jj + minj;
      value = ((column[jj + minj - lastminj] as number) * i + value * j) / (i + j);
      column[jj] = value;
    }
    curlen = maxj - minj;
    if (lastlen > curlen) column.fill(1, curlen, curlen + (lastlen - curlen));
  }
  return column[maxj - minj - 1] as number;
}

/** How many of the sorted values are ≤ value (numpy.searchsorted side='right'). */
function countAtMost(sorted: readonly number[], value: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((sorted[mid] as number) <= value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function sortedCopy(values: readonly number[], what: string): number[] {
  checkSample(values, what);
  return Array.from(Float64Array.from(values).sort());
}

function checkSample(values: readonly number[], what: string): void {
  if (values.length === 0) throw new RangeError(`KS test: the ${what} is empty`);
  const bad = values.findIndex((v) => !Number.isFinite(v));
  if (bad >= 0) throw new RangeError(`KS test: the ${what} holds ${values[bad]} at index ${bad}, not a finite number`);
}

function gcd(a: number, b: number): number {
  let [x, y] = [a, b];
  while (y) [x, y] = [y, x % y];
  return x;
}

function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

function clip(p: number): number {
  return Math.min(Math.max(p, 0), 1);
}
