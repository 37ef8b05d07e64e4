import { seededRandom } from './seeded-random.js';

/** The quantiles every numeric column reports. */
export const QUANTILES = { p01: 0.01, p05: 0.05, p25: 0.25, p50: 0.5, p75: 0.75, p95: 0.95, p99: 0.99 } as const;

export type Quantiles = Record<keyof typeof QUANTILES, number>;

/**
 * Counts per bin. Bin 0 holds values below `edges[0]`, bin i values in [edges[i-1], edges[i]),
 * the last bin values at or above the last edge; so `counts.length === edges.length + 1`.
 */
export interface Histogram {
  edges: number[];
  counts: number[];
  /** 'exact': every value was counted; 'sample': counts are over the quantile sample only. */
  source: 'exact' | 'sample';
}

export interface NumericSummaryResult {
  min: number;
  max: number;
  mean: number;
  /** Population standard deviation (divides by n), as standardization uses it. */
  std: number;
  quantiles: Quantiles;
  histogram: Histogram;
}

/** Index of the bin `value` falls in, for ascending `edges` (see Histogram). */
export function binIndex(edges: readonly number[], value: number): number {
  let low = 0;
  let high = edges.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (value < edges[middle]!) high = middle;
    else low = middle + 1;
  }
  return low;
}

/** Linear interpolation between closest ranks (the default of R, NumPy and pandas). */
function quantile(sorted: Float64Array, p: number): number {
  const h = (sorted.length - 1) * p;
  const below = Math.floor(h);
  const lower = sorted[below]!;
  const upper = sorted[Math.min(below + 1, sorted.length - 1)]!;
  return lower + (h - below) * (upper - lower);
}

/**
 * One numeric column in one pass: Welford's mean and variance, min and max, and a uniform
 * reservoir sample of `sampleSize` values for quantiles (exact while the column fits in it).
 * Given reference `edges`, it also counts every value into those bins.
 */
export class NumericSummary {
  count = 0;
  private min = Infinity;
  private max = -Infinity;
  private mean = 0;
  private m2 = 0;
  private readonly sample: Float64Array;
  private readonly random = seededRandom(0x9e3779b9);
  private readonly binCounts: number[] | undefined;

  constructor(
    sampleSize: number,
    private readonly edges?: readonly number[],
  ) {
    this.sample = new Float64Array(sampleSize);
    this.binCounts = edges ? new Array<number>(edges.length + 1).fill(0) : undefined;
  }

  add(value: number): void {
    this.count++;
    if (value < this.min) this.min = value;
    if (value > this.max) this.max = value;
    const delta = value - this.mean;
    this.mean += delta / this.count;
    this.m2 += delta * (value - this.mean);
    if (this.count <= this.sample.length) {
      this.sample[this.count - 1] = value;
    } else {
      const slot = Math.floor(this.random() * this.count);
      if (slot < this.sample.length) this.sample[slot] = value;
    }
    if (this.binCounts && this.edges) this.binCounts[binIndex(this.edges, value)]!++;
  }

  /** Undefined when no value was added. */
  result(): NumericSummaryResult | undefined {
    if (this.count === 0) return undefined;
    const sorted = this.sample.slice(0, Math.min(this.count, this.sample.length)).sort();
    const quantiles = Object.fromEntries(
      Object.entries(QUANTILES).map(([name, p]) => [name, quantile(sorted, p)]),
    ) as Quantiles;
    return {
      min: this.min,
      max: this.max,
      mean: this.mean,
      std: Math.sqrt(this.m2 / this.count),
      quantiles,
      histogram: this.histogram(sorted, quantiles),
    };
  }

  private histogram(sorted: Float64Array, quantiles: Quantiles): Histogram {
    if (this.binCounts && this.edges) return { edges: [...this.edges], counts: [...this.binCounts], source: 'exact' };
    // Without reference edges, bin on this column's own quantiles, counted over the sample.
    const edges = [...new Set(Object.values(quantiles))];
    const counts = new Array<number>(edges.length + 1).fill(0);
    for (const value of sorted) counts[binIndex(edges, value)]!++;
    return { edges, counts, source: sorted.length === this.count ? 'exact' : 'sample' };
  }
}
