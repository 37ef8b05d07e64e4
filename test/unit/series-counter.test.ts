import { Counter, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { SeriesCounter } from '../../http/series-counter.js';

describe('SeriesCounter', () => {
  it('exposes what prom-client’s Counter does for the same increments, labels in any key order and extra keys left out', async () => {
    const ours = new Registry();
    const theirs = new Registry();
    const counter = new SeriesCounter({ name: 'requests_total', help: 'Requests', labelNames: ['model', 'status'], registers: [ours] });
    const reference = new Counter({ name: 'requests_total', help: 'Requests', labelNames: ['model', 'status'], registers: [theirs] });
    const increments: [Record<'model' | 'status', string>, number][] = [
      [{ model: 'flights', status: '200' }, 1],
      [{ model: 'flights', status: '400' }, 1],
      [{ status: '200', model: 'flights' }, 100],
      [{ model: 'seattle', status: '200' }, 0],
      [{ model: 'flights', status: '200' }, 0.5],
    ];
    for (const [labels, value] of increments) {
      counter.inc({ ...labels, version: '7' } as Record<'model' | 'status', string>, value);
      reference.inc(labels, value);
    }
    expect(await ours.metrics()).toBe(await theirs.metrics());
    expect(await ours.metrics()).toContain('requests_total{model="flights",status="200"} 101.5\n');
  });

  it('refuses to go down, and starts over on reset', async () => {
    const registry = new Registry();
    const counter = new SeriesCounter({ name: 'rows_total', help: 'Rows', labelNames: ['model'], registers: [registry] });
    counter.inc({ model: 'm' });
    expect(() => counter.inc({ model: 'm' }, -1)).toThrow(/can only go up/);
    expect(() => counter.inc({ model: 'm' }, Number.NaN)).toThrow(/can only go up/);
    expect(await registry.metrics()).toContain('rows_total{model="m"} 1\n');
    counter.reset();
    expect(await registry.metrics()).not.toContain('rows_total{');
  });
});
