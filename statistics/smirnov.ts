/**
 * The one-sided Kolmogorov–Smirnov (Smirnov) distribution: P(D⁺ₙ ≥ x), as scipy.special.smirnov
 * computes it (xsf/cephes/kolmogorov.h, after van Mulbregt, arXiv:1802.06966). scipy sums the
 * Birnbaum–Tingey series in double-double arithmetic; here each term is formed in log space
 * with its sign, which keeps about 12 significant digits for the sample sizes drift checks see.
 */

/** Beyond this n scipy switches to an approximation instead of summing ~n terms. */
const MAX_COMPUTE_N = 1_000_000;
/** cephes MINLOG: exp() of anything below underflows. */
const MINLOG = -708.3964185322641;
const UPPER_SUM_MIN_N = 10;
const UPPER_SUM_MAX_TERMS = 3;

/** P(D⁺ₙ ≥ x): the survival function of the one-sided KS statistic for a sample of size n. */
export function smirnovSf(n: number, x: number): number {
  // n = 1, x = 0 and x = 1 need no cases of their own: the closed forms below give 1 − x, 1 and 0.
  if (!(Number.isInteger(n) && n > 0 && x >= 0 && x <= 1)) return Number.NaN;

  let { floor: nxFloor, alpha } = floorOfProduct(n, x);
  if (alpha === 1) {
    nxFloor += 1;
    alpha = 0;
  }
  // The last term of either sum is left out when n·x is an integer.
  let lowerLast = n - nxFloor - (alpha === 0 ? 0 : 1);
  let upperFirst = n - nxFloor;
  if (alpha === 0) {
    lowerLast -= 1;
    upperFirst += 1;
  }

  if (nxFloor === 0 || (nxFloor === 1 && alpha === 0)) return clip(1 - x * Math.pow(1 + x, n - 1));
  // Stryker disable next-line all: a shortcut only; the sum below underflows to the same 0, more slowly
  if (-2 * n * x * x < MINLOG) return 0;
  if (nxFloor >= n - 1) return clip(Math.pow(1 - x, n));
  if (n > MAX_COMPUTE_N) {
    const logp = -Math.pow(6 * n * x + 1, 2) / 18 / n;
    return clip(logp < -Math.LN2 ? Math.exp(logp) : 1 + Math.expm1(logp));
  }

  // The upper sum alternates in sign; use it only when it has very few terms.
  const upperTerms = n - upperFirst + 1;
  const useUpper =
    // Stryker disable next-line all: both sums are exact; the choice only keeps the alternating one short (the grid against scipy agrees either way)
    (upperTerms <= 1 && x < 0.5) || (n >= UPPER_SUM_MIN_N && upperTerms <= UPPER_SUM_MAX_TERMS && x <= 0.5 / Math.sqrt(n));
  const start = useUpper ? n : 0;
  const step = useUpper ? -1 : 1;
  const terms = useUpper ? upperTerms : lowerLast + 1;
  let sum = useUpper ? Math.pow(1 + x, n - 1) : Math.pow(1 - x, n) / x;
  let logBinomial = 0; // ln C(n, j), j being the step count from the sum's start
  for (let j = 1; j < terms; j++) {
    logBinomial += Math.log((n - j + 1) / j);
    const term = birnbaumTingeyTerm(n, x, start + j * step, logBinomial);
    sum += term;
    if (term !== 0) {
      // Stryker disable next-line all: when to stop trades work against terms far below the sum's last digit
      if (4 * (terms - j) * Math.abs(term) < Number.EPSILON * sum && j !== terms - 1) break;
      // Stryker disable next-line all: past the middle, a term that underflowed says the rest underflow too: stopping saves work
    } else if (j > n / 2) {
      break;
    }
  }
  const probability = x * sum;
  return clip(useUpper ? 1 - probability : probability);
}

/** C(n, v) · (x + v/n)^(v−1) · (1 − x − v/n)^(n−v), with ln C(n, v) given. */
function birnbaumTingeyTerm(n: number, x: number, v: number, logBinomial: number): number {
  const rising = x + v / n;
  const falling = (n - v) / n - x;
  const power = n - v;
  if (falling === 0) return power === 0 ? Math.exp(logBinomial + (v - 1) * Math.log(rising)) : 0;
  const sign = falling < 0 && power % 2 === 1 ? -1 : 1;
  return sign * Math.exp(logBinomial + (v - 1) * Math.log(rising) + power * Math.log(Math.abs(falling)));
}

/** floor(n·x) and the fractional part, from the exact product (Dekker's two-product). */
function floorOfProduct(n: number, x: number): { floor: number; alpha: number } {
  const hi = n * x;
  const lo = twoProductError(n, x, hi);
  let floor = Math.floor(hi);
  if (floor === hi && lo < 0) floor -= 1;
  return { floor, alpha: hi - floor + lo };
}

/** The rounding error of a·b, so that a·b = product + error exactly. */
function twoProductError(a: number, b: number, product: number): number {
  const [aHi, aLo] = split(a);
  const [bHi, bLo] = split(b);
  return aHi * bHi - product + aHi * bLo + aLo * bHi + aLo * bLo;
}

function split(a: number): [number, number] {
  const c = 134217729 * a; // 2^27 + 1
  const hi = c - (c - a);
  return [hi, a - hi];
}

function clip(p: number): number {
  return Math.min(Math.max(p, 0), 1);
}
