/**
 * Population stability index between a reference distribution and a current sample, over the
 * reference's bins (numeric features) or its categories (categorical ones):
 *
 *   PSI = Σᵢ (cᵢ − rᵢ) · ln(cᵢ / rᵢ)
 *
 * with rᵢ and cᵢ the reference and current shares of bucket i. Missing values are a bucket of
 * their own, so a rise in missing values counts as drift too.
 */
import { significant } from '../format/numbers.js';
import { tieTolerance } from '../statistics/ties.js';

/**
 * Shares below this count as this in PSI, so an empty bucket adds a large but finite term
 * instead of infinity. 1e-4 is one row in ten thousand: a bucket that was empty in training
 * and now holds 5% of rows adds (0.05 − 0.0001) · ln(0.05 / 0.0001) ≈ 0.31.
 */
export const PSI_EPSILON = 1e-4;

/** Most frequent categories a reference keeps per feature; the rest are pooled. */
export const DEFAULT_MAX_CATEGORIES = 1000;

/** PSI over aligned share vectors; each share is raised to at least `epsilon` first. */
export function psi(referenceShares: readonly number[], currentShares: readonly number[], epsilon = PSI_EPSILON): number {
  if (referenceShares.length !== currentShares.length) {
    throw new RangeError(`PSI needs aligned buckets: ${referenceShares.length} reference shares but ${currentShares.length} current ones`);
  }
  if (!(epsilon > 0)) throw new RangeError(`PSI epsilon must be > 0, got ${epsilon}`);
  let total = 0;
  for (let i = 0; i < referenceShares.length; i++) {
    const r = Math.max(referenceShares[i] as number, epsilon);
    const c = Math.max(currentShares[i] as number, epsilon);
    total += (c - r) * Math.log(c / r);
  }
  return total;
}

/**
 * Interior bin edges at the reference's quantiles 1/bins, 2/bins, … (linear interpolation, as
 * numpy.quantile's default), with repeated edges dropped. Bin 0 holds values ≤ edges[0], bin i
 * values in (edges[i−1], edges[i]], and the last bin values > the last edge, so values outside
 * the training range land in the outer bins. Empty input gives no edges (one bin).
 */
export function referenceBins(values: readonly number[], bins = 10): number[] {
  if (!(Number.isInteger(bins) && bins >= 1)) throw new RangeError(`bins must be a positive integer, got ${bins}`);
  const sorted = Float64Array.from(values).sort();
  if (sorted.length === 0) return [];
  return binEdges(bins, (q) => quantile(sorted, q));
}

/** referenceBins' edges from the values' quantile function: at 1/bins, 2/bins, …, repeats dropped. */
export function binEdges(bins: number, quantileAt: (q: number) => number): number[] {
  const edges: number[] = [];
  for (let i = 1; i < bins; i++) {
    const edge = quantileAt(i / bins);
    if (edges.length === 0 || edge > (edges[edges.length - 1] as number)) edges.push(edge);
  }
  return edges;
}

/**
 * The bin a value falls in: the first i with value ≤ edges[i], or edges.length. A value that ties
 * with an edge (statistics/ties.ts) is at most it: an edge often is a score many rows share, which
 * the model server's backend may answer a last bit above the reference's.
 */
export function binIndex(edges: readonly number[], value: number): number {
  let lo = 0;
  let hi = edges.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const edge = edges[mid] as number;
    if (value <= edge + tieTolerance(edge)) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** Rows per bin (edges.length + 1 entries), then missing values (undefined) as the last entry. */
export function binCounts(edges: readonly number[], values: readonly (number | undefined)[]): number[] {
  const counts = new Array<number>(edges.length + 2).fill(0);
  for (const value of values) {
    const i = value === undefined ? edges.length + 1 : binIndex(edges, value);
    counts[i] = (counts[i] as number) + 1;
  }
  return counts;
}

/**
 * A label per bin of binCounts, missing last: '≤ a', '(a, b]', …, '> z', '(missing)'; with no
 * edges, one bin 'all values'. Edges get four significant digits, more where that would make
 * two labels equal.
 */
export function binLabels(edges: readonly number[]): string[] {
  if (edges.length === 0) return ['all values', MISSING_BUCKET];
  let digits = 4;
  const show = (value: number): string => String(significant(value, digits));
  while (digits < 17 && new Set(edges.map(show)).size < edges.length) digits++;
  const shown = edges.map(show);
  return [`≤ ${shown[0]}`, ...shown.slice(1).map((edge, i) => `(${shown[i]}, ${edge}]`), `> ${shown[shown.length - 1]}`, MISSING_BUCKET];
}

/** Category counts as a reference keeps them. */
export interface CategoryCounts {
  /** Kept categories, most frequent first (ties by value), at most the limit given when counting. */
  categories: { value: string; count: number }[];
  /** Rows whose category is beyond the kept ones; 0 unless the limit was reached. */
  otherCount: number;
  /** Rows with the value missing. */
  missingCount: number;
  /** All rows counted: the categories' counts plus otherCount plus missingCount. */
  total: number;
}

/** Counts categories (undefined = missing), keeping the `maxCategories` most frequent. */
export function countCategories(values: Iterable<string | undefined>, maxCategories = DEFAULT_MAX_CATEGORIES): CategoryCounts {
  const counts = new Map<string, number>();
  let missingCount = 0;
  let total = 0;
  for (const value of values) {
    total++;
    if (value === undefined) missingCount++;
    else counts.set(value, (counts.get(value) ?? 0) + 1);
  }
  const ranked = [...counts]
    .map(([value, count]) => ({ value, count }))
    .sort((a, b) => b.count - a.count || (a.value < b.value ? -1 : a.value > b.value ? 1 : 0));
  const categories = ranked.slice(0, maxCategories);
  const otherCount = ranked.slice(maxCategories).reduce((sum, { count }) => sum + count, 0);
  return { categories, otherCount, missingCount, total };
}

/** Bucket label for current categories the reference does not list (with the reference's pooled rest). */
export const UNSEEN_BUCKET = '(unseen)';
/** Bucket label for missing values. */
export const MISSING_BUCKET = '(missing)';

/** Reference and current row counts over the same buckets: each reference category, then unseen, then missing. */
export interface AlignedCounts {
  labels: string[];
  reference: number[];
  current: number[];
}

/**
 * Lines current values up with the reference's buckets. Categories the reference does not list
 * (never seen in training, or pooled past its limit) are counted in one unseen bucket, whose
 * reference count is the reference's otherCount (so usually 0, i.e. epsilon in PSI).
 */
export function alignCategories(reference: CategoryCounts, current: Iterable<string | undefined>): AlignedCounts {
  const index = new Map(reference.categories.map(({ value }, i) => [value, i]));
  const unseen = reference.categories.length;
  const missing = unseen + 1;
  const counts = new Array<number>(missing + 1).fill(0);
  for (const value of current) {
    const i = value === undefined ? missing : (index.get(value) ?? unseen);
    counts[i] = (counts[i] as number) + 1;
  }
  return alignedCounts(reference, counts);
}

/** The reference's buckets beside current counts already in them: each reference category, then unseen, then missing. */
export function alignedCounts(reference: CategoryCounts, current: readonly number[]): AlignedCounts {
  if (current.length !== reference.categories.length + 2) {
    throw new RangeError(`${current.length} current counts for ${reference.categories.length} reference categories, unseen and missing`);
  }
  return {
    labels: [...reference.categories.map(({ value }) => value), UNSEEN_BUCKET, MISSING_BUCKET],
    reference: [...reference.categories.map(({ count }) => count), reference.otherCount, reference.missingCount],
    current: [...current],
  };
}

/** Counts as shares of their total. */
export function toShares(counts: readonly number[]): number[] {
  const total = counts.reduce((sum, c) => sum + c, 0);
  if (total === 0) throw new RangeError('shares need at least one counted row');
  return counts.map((c) => c / total);
}

/** numpy.quantile(sorted, q) with the default 'linear' method, including numpy's lerp. */
export function quantile(sorted: Float64Array, q: number): number {
  const { lower, upper, t } = quantilePositions(sorted.length, q);
  return lerpQuantile(sorted[lower] as number, sorted[upper] as number, t);
}

/** The two order statistics (0-based) numpy's linear quantile q of n values interpolates, and how far between them. */
export function quantilePositions(n: number, q: number): { lower: number; upper: number; t: number } {
  const position = (n - 1) * q;
  const lower = Math.floor(position);
  return { lower, upper: Math.min(lower + 1, n - 1), t: position - lower };
}

/** numpy's lerp between neighbouring order statistics a ≤ b, a fraction t of the way. */
export function lerpQuantile(a: number, b: number, t: number): number {
  const diff = b - a;
  return t >= 0.5 ? b - diff * (1 - t) : a + diff * t;
}
