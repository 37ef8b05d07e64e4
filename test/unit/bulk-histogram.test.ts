import { Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { BulkHistogram } from '../../http/bulk-histogram.js';

const buckets = [0.1, 0.25, 0.5, 1];

describe('BulkHistogram', () => {
  it('exposes what prom-client’s Histogram does for the same values, several series and edge values included', async () => {
    const ours = new Registry();
    const theirs = new Registry();
    const bulk = new BulkHistogram({ name: 'score', help: 'Scores', labelNames: ['model', 'version'], buckets, registers: [ours] });
    const reference = new Histogram({ name: 'score', help: 'Scores', labelNames: ['model', 'version'], buckets, registers: [theirs] });
    const requests: [Record<'model' | 'version', string>, number[]][] = [
      [{ model: 'flights', version: '1' }, [0, 0.1, 0.1000001, 0.25, 0.7, 1, 1.5, -2]],
      [{ model: 'flights', version: '2' }, [0.3]],
      [{ version: '1', model: 'flights' }, [0.05, 0.5, 3]],
    ];
    for (const [labels, values] of requests) {
      bulk.observeMany(labels, values);
      for (const value of values) reference.observe(labels, value);
    }
    expect(await ours.metrics()).toBe(await theirs.metrics());
  });

  it('counts single values as prom-client does, whatever else the labels object holds', async () => {
    const ours = new Registry();
    const theirs = new Registry();
    const bulk = new BulkHistogram({ name: 'latency', help: 'Latency', labelNames: ['route'], buckets, registers: [ours] });
    const reference = new Histogram({ name: 'latency', help: 'Latency', labelNames: ['route'], buckets, registers: [theirs] });
    for (const [route, value] of [['/a', 0.2], ['/b', 0.7], ['/a', 0.1], ['/a', 2]] as const) {
      bulk.observe({ route, status: '200' } as Record<'route', string>, value);
      reference.observe({ route }, value);
    }
    expect(await ours.metrics()).toBe(await theirs.metrics());
  });

  it('leaves out values that are no number, which fit no bucket, and starts over on reset', async () => {
    const registry = new Registry();
    const bulk = new BulkHistogram({ name: 'score', help: 'Scores', labelNames: ['model'], buckets, registers: [registry] });
    bulk.observeMany({ model: 'm' }, [Number.NaN, 0.2, Number.POSITIVE_INFINITY]);
    const text = await registry.metrics();
    expect(text).toContain('score_count{model="m"} 1\n');
    expect(text).toContain('score_bucket{le="0.25",model="m"} 1\n');
    expect(text).toContain('score_sum{model="m"} 0.2\n');
    bulk.reset();
    expect(await registry.metrics()).not.toContain('score_count');
  });
});
