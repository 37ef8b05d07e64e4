import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { readRows } from '../../tabular/read.js';
import type { TableRow } from '../../tabular/row.js';
import { StatisticsAccumulator, computeStatistics } from '../../tabular/statistics.js';
import type { ColumnStatistics, DatasetStatistics } from '../../tabular/statistics-types.js';

const SEATTLE = join(import.meta.dirname, '../../node_modules/vega-datasets/data/seattle-weather.csv');

function column(stats: DatasetStatistics, name: string): ColumnStatistics {
  const found = stats.columns.find((candidate) => candidate.name === name);
  if (!found) throw new Error(`no column ${name}`);
  return found;
}

describe('computeStatistics on a tiny hand-computed input', () => {
  const rows: TableRow[] = [
    { x: 1, c: 'b', d: '2024-01-02', f: true, m: 1, e: null, y: 1 },
    { x: 2, c: 'a', d: '2024-01-01T10:00:00Z', f: false, m: '1', e: null, y: NaN },
    { x: 4, c: 'b', d: null, f: true, m: 'z', e: null, y: Infinity },
    { x: null, c: 'a', d: '2023-12-31', e: null, y: 3 },
    { x: 5, c: null, d: '2024-03-01 00:00', f: true, e: null, y: -Infinity, late: 'q' },
  ];
  let stats: DatasetStatistics;
  beforeAll(async () => {
    stats = await computeStatistics(rows);
  });

  it('counts rows and lists columns in first-seen order', () => {
    expect(stats.rowCount).toBe(5);
    expect(stats.columns.map((entry) => entry.name)).toEqual(['x', 'c', 'd', 'f', 'm', 'e', 'y', 'late']);
  });

  it('summarizes a numeric column: Welford mean, population std, interpolated quantiles, histogram', () => {
    const x = column(stats, 'x');
    expect(x).toMatchObject({ kind: 'numeric', count: 4, nulls: 1, min: 1, max: 5, mean: 3 });
    if (x.kind !== 'numeric') throw new Error('not numeric');
    expect(x.std).toBeCloseTo(Math.sqrt(2.5), 12); // deviations -2, -1, 1, 2 → 10 / 4
    const expected = { p01: 1.03, p05: 1.15, p25: 1.75, p50: 3, p75: 4.25, p95: 4.85, p99: 4.97 };
    for (const [name, value] of Object.entries(expected)) expect(x.quantiles[name as keyof typeof expected]).toBeCloseTo(value, 12);
    expect(x.histogram.edges).toHaveLength(7);
    expect(x.histogram.counts).toEqual([1, 0, 0, 1, 1, 0, 0, 1]);
    expect(x.histogram.source).toBe('exact');
  });

  it('treats NaN and ±Infinity as nulls', () => {
    expect(column(stats, 'y')).toMatchObject({ kind: 'numeric', count: 2, nulls: 3, min: 1, max: 3, mean: 2, std: 1 });
  });

  it('counts categories, ties in text order', () => {
    expect(column(stats, 'c')).toEqual({
      name: 'c', kind: 'categorical', count: 4, nulls: 1,
      distinct: 2, distinctExact: true, top: [{ value: 'a', count: 2 }, { value: 'b', count: 2 }], otherCount: 0,
    });
  });

  it('recognizes ISO dates and date-times and keeps the extremes as written', () => {
    expect(column(stats, 'd')).toEqual({ name: 'd', kind: 'datetime', count: 4, nulls: 1, min: '2023-12-31', max: '2024-03-01 00:00' });
  });

  it('counts booleans, and a key absent from a row as null', () => {
    expect(column(stats, 'f')).toEqual({ name: 'f', kind: 'boolean', count: 4, nulls: 1, trueCount: 3, falseCount: 1 });
  });

  it('reports a column of mixed types as categorical text, merging 1 and "1"', () => {
    expect(column(stats, 'm')).toMatchObject({ kind: 'categorical', count: 3, nulls: 2, distinct: 2, top: [{ value: '1', count: 2 }, { value: 'z', count: 1 }] });
  });

  it('reports an all-null column and a late column with the right null counts', () => {
    expect(column(stats, 'e')).toEqual({ name: 'e', kind: 'categorical', count: 0, nulls: 5, distinct: 0, distinctExact: true, top: [], otherCount: 0 });
    expect(column(stats, 'late')).toMatchObject({ kind: 'categorical', count: 1, nulls: 4 });
  });

  it('is plain JSON', () => {
    expect(JSON.parse(JSON.stringify(stats))).toEqual(stats);
  });
});

describe('computeStatistics on seattle-weather.csv', () => {
  let rows: TableRow[];
  let stats: DatasetStatistics;
  beforeAll(async () => {
    rows = [];
    for await (const row of readRows(SEATTLE, 'csv')) rows.push(row);
    stats = await computeStatistics(readRows(SEATTLE, 'csv'));
  });

  it('matches a naive two-pass computation', () => {
    const values = rows.map((row) => row.temp_max as number);
    const mean = values.reduce((sum, value) => sum + value, 0) / values.length;
    const std = Math.sqrt(values.reduce((sum, value) => sum + (value - mean) ** 2, 0) / values.length);
    const sorted = [...values].sort((a, b) => a - b);
    const tempMax = column(stats, 'temp_max');
    if (tempMax.kind !== 'numeric') throw new Error('not numeric');
    expect(tempMax.mean).toBeCloseTo(mean, 10);
    expect(tempMax.std).toBeCloseTo(std, 10);
    expect(tempMax.min).toBe(sorted[0]);
    expect(tempMax.max).toBe(sorted.at(-1));
    expect(tempMax.quantiles.p50).toBe(sorted[730]); // 1461 values: the median is the 731st
    expect(tempMax.histogram.counts.reduce((sum, count) => sum + count, 0)).toBe(1461);
  });

  it('tallies the weather categories', () => {
    const tally = new Map<string, number>();
    for (const row of rows) tally.set(row.weather as string, (tally.get(row.weather as string) ?? 0) + 1);
    const weather = column(stats, 'weather');
    expect(weather).toMatchObject({ kind: 'categorical', count: 1461, nulls: 0, distinct: 5, distinctExact: true, otherCount: 0 });
    if (weather.kind !== 'categorical') throw new Error('not categorical');
    expect(weather.top.map((entry) => entry.value)).toEqual(['rain', 'sun', 'fog', 'drizzle', 'snow']);
    for (const entry of weather.top) expect(entry.count).toBe(tally.get(entry.value));
    expect(column(stats, 'date')).toMatchObject({ kind: 'datetime', min: '2012-01-01', max: '2015-12-31' });
  });

  it('gives the same result for the same input, also when it samples', async () => {
    const sampled = () => computeStatistics(readRows(SEATTLE, 'csv'), { sampleSize: 200 });
    const [first, second] = await Promise.all([sampled(), sampled()]);
    expect(second).toEqual(first);
    const wind = column(first, 'wind');
    const exactWind = column(stats, 'wind');
    if (wind.kind !== 'numeric' || exactWind.kind !== 'numeric') throw new Error('not numeric');
    expect(wind.histogram.source).toBe('sample');
    expect(wind.histogram.counts.reduce((sum, count) => sum + count, 0)).toBe(200);
    expect(wind.mean).toBe(exactWind.mean); // moments never sample
    expect(Math.abs(wind.quantiles.p50 - exactWind.quantiles.p50)).toBeLessThan(0.5);
    expect(wind.quantiles).not.toEqual(exactWind.quantiles);
  });

  it('bins every value on the reference edges when given a reference', async () => {
    const current = await computeStatistics(rows.slice(0, 365), { reference: stats });
    const reference = column(stats, 'temp_max');
    const binned = column(current, 'temp_max');
    if (reference.kind !== 'numeric' || binned.kind !== 'numeric') throw new Error('not numeric');
    expect(binned.histogram.edges).toEqual(reference.histogram.edges);
    expect(binned.histogram.source).toBe('exact');
    const edges = reference.histogram.edges;
    const byHand = new Array<number>(edges.length + 1).fill(0);
    for (const row of rows.slice(0, 365)) byHand[edges.filter((edge) => (row.temp_max as number) >= edge).length]!++;
    expect(binned.histogram.counts).toEqual(byHand);
  });
});

describe('StatisticsAccumulator bounds', () => {
  it('keeps heavy hitters exact and flags the distinct count once it stops tracking every value', () => {
    const accumulator = new StatisticsAccumulator({ maxTrackedValues: 10, topValues: 3 });
    for (let index = 0; index < 1000; index++) {
      accumulator.add({ code: 'hot' });
      accumulator.add({ code: `rare-${index}` });
    }
    const code = accumulator.result().columns[0]!;
    if (code.kind !== 'categorical') throw new Error('not categorical');
    expect(code.count).toBe(2000);
    expect(code.top[0]).toEqual({ value: 'hot', count: 1000 });
    expect(code.top).toHaveLength(3);
    expect(code.distinctExact).toBe(false);
    expect(code.distinct).toBeGreaterThanOrEqual(10);
    expect(code.otherCount).toBe(2000 - code.top.reduce((sum, entry) => sum + entry.count, 0));
  });
});
