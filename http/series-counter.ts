/**
 * A Prometheus counter for the request path. prom-client's Counter sorts, checks and hashes the
 * labels on every inc(), some microseconds a request when a server answers tens of thousands a
 * second; this one finds a series by its label values joined in label order, one Map lookup. It
 * registers in a prom-client registry and is exposed exactly as prom-client's own counters.
 */
import type { Metric, MetricValue, Registry } from 'prom-client';

export interface SeriesCounterConfig<Label extends string> {
  name: string;
  help: string;
  labelNames: readonly Label[];
  registers: readonly Registry[];
}

/** The key of the series `labels` name: their values in `labelNames` order, joined by a character no label value holds here. */
export function seriesKey<Label extends string>(labelNames: readonly Label[], labels: Record<Label, string>): string {
  let key = '';
  for (const name of labelNames) key += `${labels[name]}\u0000`;
  return key;
}

/** A new series' labels: only the names declared, so what the caller's object holds besides is not exposed. */
export function declaredLabels<Label extends string>(labelNames: readonly Label[], labels: Record<Label, string>): Record<string, string> {
  return Object.fromEntries(labelNames.map((name) => [name, labels[name]]));
}

export class SeriesCounter<Label extends string> {
  readonly name: string;
  readonly help: string;
  readonly type = 'counter';
  readonly aggregator = 'sum';
  private readonly series = new Map<string, { labels: Record<string, string>; value: number }>();

  constructor(private readonly config: SeriesCounterConfig<Label>) {
    this.name = config.name;
    this.help = config.help;
    // The registry reads name, help, type and get(): the shape of prom-client's own metrics.
    for (const registry of config.registers) registry.registerMetric(this as unknown as Metric);
  }

  /** Adds `value` (1 unless given) to the series of `labels`; a counter only goes up. */
  inc(labels: Record<Label, string>, value = 1): void {
    if (!(value >= 0)) throw new RangeError(`counter ${this.name} can only go up, by a number of at least 0: got ${value}`);
    const key = seriesKey(this.config.labelNames, labels);
    const series = this.series.get(key);
    if (series) series.value += value;
    else this.series.set(key, { labels: declaredLabels(this.config.labelNames, labels), value });
  }

  reset(): void {
    this.series.clear();
  }

  get(): Promise<{ name: string; help: string; type: 'counter'; aggregator: 'sum'; values: MetricValue<string>[] }> {
    const values = [...this.series.values()].map(({ labels, value }) => ({ labels, value }));
    return Promise.resolve({ name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values });
  }
}
