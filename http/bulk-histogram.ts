/**
 * A Prometheus histogram for the request path, fed one value or a request's values all at once
 * (its rows' scores). prom-client's Histogram checks and hashes the labels on every observe(): at
 * 100 scores a request that cost more than scoring them. This one finds the series once per call
 * (http/series-counter.ts) and counts in a typed array; it registers in a prom-client registry and
 * is exposed exactly as prom-client's own histograms.
 */
import type { Metric, MetricValueWithName, Registry } from 'prom-client';
import { declaredLabels, seriesKey } from './series-counter.js';

interface Series {
  labels: Record<string, string>;
  /** Per bucket, values up to its bound and above the one before; cumulated when exposed. */
  counts: Float64Array;
  sum: number;
  count: number;
}

export interface BulkHistogramConfig<Label extends string> {
  name: string;
  help: string;
  labelNames: readonly Label[];
  /** Upper bounds, ascending; +Inf is added. */
  buckets: readonly number[];
  registers: readonly Registry[];
}

export class BulkHistogram<Label extends string> {
  readonly name: string;
  readonly help: string;
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  private readonly series = new Map<string, Series>();

  constructor(private readonly config: BulkHistogramConfig<Label>) {
    this.name = config.name;
    this.help = config.help;
    // The registry reads name, help, type and get(): the shape of prom-client's own metrics.
    for (const registry of config.registers) registry.registerMetric(this as unknown as Metric);
  }

  /** Counts every finite value of `values` in the series of `labels`; a value that is no number (NaN) fits no bucket and is left out. */
  observeMany(labels: Record<Label, string>, values: ArrayLike<number>): void {
    const series = this.seriesOf(labels);
    for (let i = 0; i < values.length; i++) this.count(series, values[i]!);
  }

  /** Counts `value` in the series of `labels`, unless it is no finite number. */
  observe(labels: Record<Label, string>, value: number): void {
    this.count(this.seriesOf(labels), value);
  }

  private seriesOf(labels: Record<Label, string>): Series {
    const key = seriesKey(this.config.labelNames, labels);
    let series = this.series.get(key);
    if (!series) this.series.set(key, (series = { labels: declaredLabels(this.config.labelNames, labels), counts: new Float64Array(this.config.buckets.length + 1), sum: 0, count: 0 }));
    return series;
  }

  private count(series: Series, value: number): void {
    if (!Number.isFinite(value)) return;
    const { buckets } = this.config;
    let bucket = 0;
    while (bucket < buckets.length && value > buckets[bucket]!) bucket++;
    series.counts[bucket]!++;
    series.sum += value;
    series.count++;
  }

  reset(): void {
    this.series.clear();
  }

  /** The series as prom-client's registry writes them: cumulative buckets (le), then sum and count. */
  get(): Promise<{ name: string; help: string; type: 'histogram'; aggregator: 'sum'; values: MetricValueWithName<string>[] }> {
    const values: MetricValueWithName<string>[] = [];
    for (const { labels, counts, sum, count } of this.series.values()) {
      let cumulative = 0;
      this.config.buckets.forEach((bound, i) => {
        cumulative += counts[i]!;
        values.push({ labels: { le: bound, ...labels }, value: cumulative, metricName: `${this.name}_bucket` });
      });
      values.push({ labels: { le: '+Inf', ...labels }, value: count, metricName: `${this.name}_bucket` });
      values.push({ labels, value: sum, metricName: `${this.name}_sum` });
      values.push({ labels, value: count, metricName: `${this.name}_count` });
    }
    return Promise.resolve({ name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values });
  }
}
