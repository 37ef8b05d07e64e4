/**
 * The two-sided one-sample Kolmogorov–Smirnov distribution: P(Dₙ ≥ d), a port of
 * scipy.stats.kstwo.sf (scipy/stats/_ksstats.py). Following Simard & L'Ecuyer (2011), it picks
 * per (n, d) among the Ruben–Gambino closed forms, Durbin's matrix algorithm (Marsaglia, Tsang
 * & Wang 2003), Pomeranz's recursion, the Pelz–Good expansion and twice the one-sided tail.
 * ks_2samp's 'asymp' method evaluates it at n = round(n₁n₂ / (n₁ + n₂)).
 */
import { smirnovSf } from './smirnov.js';

const E128 = 128;
const P128 = 2 ** E128;
const M128 = 2 ** -E128;
const MIN_LOG = -708;
/** Bernoulli-number coefficients B₂ⱼ / (2j(2j−1)) of Stirling's series, j = 8 … 1. */
const STIRLING = [
  -0.029550653594771242, 0.00641025641025641, -0.0019175269175269176, 0.0008417508417508417, -0.0005952380952380953,
  0.0007936507936507937, -0.002777777777777778, 0.08333333333333333,
];

/** P(Dₙ ≥ d) for the two-sided statistic of a sample of n against a continuous distribution. */
export function kolmogorovSmirnovSf(n: number, d: number): number {
  if (!(Number.isInteger(n) && n > 0) || Number.isNaN(d)) return Number.NaN;
  // Stryker disable EqualityOperator: at each switch below both sides give the same value, so < or <= only picks which computes it
  if (d >= 1) return 0;
  if (d <= 0) return 1;
  const t = n * d;
  if (t <= 1) {
    if (t <= 0.5) return 1;
    let cdf: number;
    if (n <= 140) {
      cdf = 1;
      for (let i = 1; i <= n; i++) cdf *= i * (1 / n) * (2 * t - 1);
    } else {
      cdf = Math.exp(logFactorialOverPower(n) + n * Math.log(2 * t - 1));
    }
    return clip(1 - cdf);
  }
  if (t >= n - 1) return clip(2 * Math.pow(1 - d, n));
  if (d >= 0.5) return clip(2 * smirnovSf(n, d));

  const nd2 = t * d;
  if (n <= 140) {
    if (nd2 <= 0.754693) return clip(1 - durbinCdf(n, d));
    if (nd2 <= 4) return clip(1 - pomeranzCdf(n, d));
    return clip(2 * smirnovSf(n, d));
  }
  if (nd2 >= 370) return 0;
  if (nd2 >= 2.2) return clip(2 * smirnovSf(n, d));
  const cdf = n <= 100_000 && n * d ** 1.5 <= 1.4 ? durbinCdf(n, d) : pelzGoodCdf(n, d);
  // Stryker restore EqualityOperator
  return clip(1 - cdf);
}

/** ln(n! / nⁿ) by Stirling's series, with n·ln n removed up front (exported for its test against mpmath). */
export function logFactorialOverPower(n: number): number {
  const rn = 1 / n;
  let series = 0;
  for (const c of STIRLING) series = series * (rn / n) + c;
  return Math.log(n) / 2 - n + Math.log(2 * Math.PI) / 2 + rn * series;
}

/** P(Dₙ ≤ d) by Durbin's matrix algorithm: a power of a (2k−1)² matrix, rescaled as it grows. */
function durbinCdf(n: number, d: number): number {
  // Called only for 1 < n·d and d < 0.5: the closed forms take the ends.
  const nd = n * d;
  const k = Math.ceil(nd);
  const h = k - nd;
  const m = 2 * k - 1;

  const v = new Float64Array(m);
  const w = new Float64Array(m);
  let factorial = 1;
  for (let j = 1; j <= m; j++) {
    w[j - 1] = factorial;
    factorial /= j;
    v[j - 1] = (1 - h ** j) * factorial;
  }
  v[m - 1] = (1 + (Math.max(2 * h - 1, 0) ** m - 2 * h ** m)) * factorial;

  let base: Float64Array = new Float64Array(m * m);
  // Stryker disable EqualityOperator: a typed array ignores writes past its end, so a loop bound of <= m is the same loop
  for (let i = 1; i < m; i++) {
    for (let r = i - 1; r < m; r++) base[r * m + i] = w[r - i + 1] as number;
  }
  for (let r = 0; r < m; r++) base[r * m] = v[r] as number;
  for (let c = 0; c < m; c++) base[(m - 1) * m + c] = v[m - 1 - c] as number;
  // Stryker restore EqualityOperator

  let power: Float64Array = identity(m);
  let exponent = 0;
  let baseExponent = 0;
  for (let rest = n; rest > 0; rest = Math.floor(rest / 2)) {
    if (rest % 2) {
      power = multiply(power, base, m);
      exponent += baseExponent;
    }
    base = multiply(base, base, m);
    baseExponent *= 2;
    if (Math.abs(base[(k - 1) * m + (k - 1)] as number) > P128) {
      base = base.map((value) => value / P128);
      baseExponent += E128;
    }
  }

  let p = power[(k - 1) * m + (k - 1)] as number;
  for (let i = 1; i <= n; i++) {
    p = (i * p) / n;
    if (Math.abs(p) < M128) {
      p *= P128;
      exponent -= E128;
    }
  }
  return clip(ldexp(p, exponent));
}

/** P(Dₙ ≤ d) by Pomeranz's recursion: 2n + 1 convolutions with Poisson-like weights. */
function pomeranzCdf(n: number, d: number): number {
  const t = n * d;
  const ll = Math.floor(t);
  const f = t - ll;
  const g = Math.min(f, 1 - f);
  const ceilf = f > 0 ? 1 : 0;
  const roundf = f > 0.5 ? 1 : 0;
  const powers = 2 * (ll + 1);
  const gPower = new Float64Array(powers);
  const twoGPower = new Float64Array(powers);
  const oneMinusTwoGPower = new Float64Array(powers);
  gPower[0] = twoGPower[0] = oneMinusTwoGPower[0] = 1;
  // Stryker disable next-line EqualityOperator: a typed array ignores writes past its end, so a loop bound of <= powers is the same loop
  for (let i = 1; i < powers; i++) {
    gPower[i] = ((gPower[i - 1] as number) * (g / n)) / i;
    twoGPower[i] = ((twoGPower[i - 1] as number) * ((2 * g) / n)) / i;
    oneMinusTwoGPower[i] = ((oneMinusTwoGPower[i - 1] as number) * ((1 - 2 * g) / n)) / i;
  }

  let previous = new Float64Array(powers);
  let current = new Float64Array(powers);
  current[0] = 1;
  let previousStart = 0;
  let currentStart = 0;
  let exponent = 0;
  let [j1, j2] = pomeranzBounds(0, n, ll, ceilf, roundf);
  for (let i = 1; i < 2 * n + 2; i++) {
    const k1 = j1;
    [previous, current] = [current, previous];
    [previousStart, currentStart] = [currentStart, previousStart];
    current.fill(0);
    [j1, j2] = pomeranzBounds(i, n, ll, ceilf, roundf);
    const weights = i === 1 || i === 2 * n + 1 ? gPower : i % 2 ? twoGPower : oneMinusTwoGPower;
    const span = j2 - k1 + 1;
    if (span > 0) {
      // Python-slice semantics, as scipy's V0[k1 - V0s : k1 - V0s + ln2].
      const a = previous.subarray(k1 - previousStart, k1 - previousStart + span);
      const b = weights.subarray(0, span);
      const offset = j1 - k1;
      let largest = 0;
      for (let jj = 0; jj < j2 - j1 + 1; jj++) {
        const value = convolutionAt(a, b, offset + jj);
        current[jj] = value;
        largest = Math.max(largest, value);
      }
      if (largest > 0 && largest < M128) {
        current = current.map((value) => value * P128);
        exponent -= E128;
      }
      currentStart = previousStart + j1 - k1;
    }
  }

  let answer = current[n - currentStart] as number;
  for (let m = 1; m <= n; m++) {
    if (Math.abs(answer) > P128) {
      answer *= M128;
      exponent += E128;
    }
    answer *= m;
  }
  return clip(ldexp(answer, exponent));
}

function pomeranzBounds(i: number, n: number, ll: number, ceilf: number, roundf: number): [number, number] {
  let j1: number;
  let j2: number;
  if (i === 0) {
    j1 = -ll - ceilf - 1;
    j2 = ll + ceilf - 1;
  } else {
    const half = Math.floor((i + 1) / 2);
    if ((i + 1) % 2 === 0) {
      if (half === n + 1) {
        j1 = n - ll - ceilf - 1;
        j2 = n + ll + ceilf - 1;
      } else {
        j1 = half - 1 - ll - roundf - 1;
        j2 = half + ll - 1 + ceilf - 1;
      }
    } else {
      j1 = half - 1 - ll - 1;
      j2 = half + ll + roundf - 1;
    }
  }
  return [Math.max(j1 + 2, 0), Math.min(j2, n)];
}

/** Entry `index` of the full discrete convolution of a and b (numpy.convolve). */
function convolutionAt(a: Float64Array, b: Float64Array, index: number): number {
  let sum = 0;
  for (let i = Math.max(0, index - b.length + 1); i <= Math.min(index, a.length - 1); i++) {
    sum += (a[i] as number) * (b[index - i] as number);
  }
  return sum;
}

/** P(Dₙ ≤ d) by the Pelz–Good asymptotic expansion (Li-Chien/Korolyuk terms via theta functions). */
function pelzGoodCdf(n: number, d: number): number {
  // Called only for 0 < d < 0.5 and n > 140.
  const z = Math.sqrt(n) * d;
  const z2 = z ** 2;
  const z3 = z ** 3;
  const z4 = z ** 4;
  const z6 = z ** 6;
  const pi2 = Math.PI ** 2;
  const pi4 = Math.PI ** 4;
  const pi6 = Math.PI ** 6;
  const sqrt2pi = Math.sqrt(2 * Math.PI);

  const qlog = -pi2 / 8 / z2;
  if (qlog < MIN_LOG) return 0;
  let q = Math.exp(qlog);

  const k1a = -z2;
  const k1b = pi2 / 4;
  const k2a = 6 * z6 + 2 * z4;
  const k2b = ((2 * z4 - 5 * z2) * pi2) / 4;
  const k2c = (pi4 * (1 - 2 * z2)) / 16;
  const k3d = (pi6 * (5 - 30 * z2)) / 64;
  const k3c = (pi4 * (-60 * z2 + 212 * z4)) / 16;
  const k3b = (pi2 * (135 * z4 - 96 * z6)) / 4;
  const k3a = -30 * z6 - 90 * z ** 8;

  let terms = [0, 0, 0, 0];
  const maxK = Math.ceil((16 * z) / Math.PI);
  for (let k = maxK; k > 0; k--) {
    const m = 2 * k - 1;
    const m2 = m ** 2;
    const m4 = m ** 4;
    const m6 = m ** 6;
    const qPower = Math.pow(q, 8 * k);
    const coefficients = [1, k1a + k1b * m2, k2a + k2b * m2 + k2c * m4, k3a + k3b * m2 + k3c * m4 + k3d * m6];
    terms = terms.map((term, i) => term * qPower + (coefficients[i] as number));
  }
  const divisors = [z, 6 * z4, 72 * z ** 7, 6480 * z ** 10];
  terms = terms.map((term, i) => (term * q * sqrt2pi) / (divisors[i] as number));

  q = Math.exp(-pi2 / 2 / z2);
  let k2extra = 0;
  let k3extra = 0;
  const sqrt3z = Math.sqrt(3) * z;
  for (let k = maxK; k > 0; k--) {
    const k2 = k ** 2;
    const qPower = q ** k2;
    const kpi = Math.PI * k;
    k2extra += k2 * qPower;
    k3extra += (sqrt3z + kpi) * (sqrt3z - kpi) * k2 * qPower;
  }
  terms[2] = (terms[2] as number) + (k2extra * pi2 * sqrt2pi) / (-36 * z3);
  terms[3] = (terms[3] as number) + (k3extra * pi2 * sqrt2pi) / (216 * z6);
  let sum = 0;
  for (let i = 0; i < 4; i++) sum += (terms[i] as number) / Math.pow(n, i / 2);
  return sum;
}

function identity(m: number): Float64Array {
  const matrix = new Float64Array(m * m);
  // Stryker disable next-line EqualityOperator: a typed array ignores writes past its end, so a loop bound of <= m is the same loop
  for (let i = 0; i < m; i++) matrix[i * m + i] = 1;
  return matrix;
}

function multiply(a: Float64Array, b: Float64Array, m: number): Float64Array {
  const product = new Float64Array(m * m);
  // Stryker disable next-line EqualityOperator: a typed array ignores writes past its end, so a loop bound of <= m is the same loop
  for (let i = 0; i < m; i++) {
    for (let k = 0; k < m; k++) {
      const aik = a[i * m + k] as number;
      // Stryker disable next-line ConditionalExpression: skipping zero entries (most of the band matrix) only saves work
      if (aik === 0) continue;
      for (let j = 0; j < m; j++) product[i * m + j] = (product[i * m + j] as number) + aik * (b[k * m + j] as number);
    }
  }
  return product;
}

/** x · 2^e without overflowing or underflowing the power of two on the way (exported for its test). */
export function ldexp(x: number, e: number): number {
  let result = x;
  let rest = e;
  while (rest > 1000) {
    result *= 2 ** 1000;
    rest -= 1000;
  }
  while (rest < -1000) {
    result *= 2 ** -1000;
    rest += 1000;
  }
  return result * 2 ** rest;
}

function clip(p: number): number {
  return Math.min(Math.max(p, 0), 1);
}
