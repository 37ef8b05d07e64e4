import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withEngine } from '../../tabular/engine.js';
import { readRows } from '../../tabular/read.js';
import type { TabularFormat } from '../../tabular/read.js';
import { snapshotStatistics } from '../../tabular/snapshot-statistics.js';
import { writeSnapshot } from '../../tabular/snapshot.js';
import { computeStatistics } from '../../tabular/statistics.js';
import type { DatasetStatistics, StatisticsOptions } from '../../tabular/index.js';

let dir: string;
let files = 0;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ctrain-snapshot-statistics-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** The source as a snapshot, and its statistics twice: by the engine, and by the row accumulator over the snapshot's rows. */
async function bothWays(name: string, content: string, format: TabularFormat, options: Pick<StatisticsOptions, 'reference' | 'topValues'> = {}): Promise<{ engine: DatasetStatistics; rows: DatasetStatistics }> {
  const source = join(dir, `${files++}-${name}`);
  await writeFile(source, content);
  const snapshot = join(dir, `${files++}-snapshot.parquet`);
  const engine = await withEngine(async (opened) => {
    await writeSnapshot(opened, { path: source, format }, snapshot, dir);
    return snapshotStatistics(opened, snapshot, options);
  });
  return { engine, rows: await computeStatistics(readRows(snapshot, 'parquet'), options) };
}

/** Every number to 12 significant digits. */
const rounded = (value: unknown): unknown =>
  typeof value === 'number' ? Number(value.toPrecision(12)) : Array.isArray(value) ? value.map(rounded) : value && typeof value === 'object' ? Object.fromEntries(Object.entries(value).map(([key, nested]) => [key, rounded(nested)])) : value;

/** Rows of a mixed table: numbers with gaps, booleans, a few categories, dates, an all-empty column, whole numbers over a narrow span and a wide one. */
function mixedCsv(rows: number): string {
  const lines = ['amount,flag,city,day,empty,ratio,seats,account'];
  for (let i = 0; i < rows; i++) {
    const amount = i % 11 === 0 ? '' : String(((i * 7919) % 1000) / 8 - 40);
    const day = `2024-0${1 + (i % 9)}-${String(1 + (i % 28)).padStart(2, '0')}${i % 2 ? 'T10:30:00Z' : ''}`;
    lines.push([amount, i % 3 === 0 ? 'true' : 'false', ['Oslo', 'Bergen', 'Tromsø', 'Bodø'][i % 4 === 3 ? 0 : i % 4], day, '', String((i % 17) / 3), i % 13 === 0 ? '' : String((i * 31) % 500 - 100), String(i * 100_003)].join(','));
  }
  return `${lines.join('\n')}\n`;
}

describe('statistics of a snapshot by the engine', () => {
  it('equal the row accumulator’s where its quantiles are exact: counts, moments, quantiles, histograms, top values, date ranges', async () => {
    const { engine, rows } = await bothWays('mixed.csv', mixedCsv(2000), 'csv');

    expect(engine.rowCount).toBe(2000);
    expect(engine.columns.map((column) => [column.name, column.kind])).toEqual(rows.columns.map((column) => [column.name, column.kind]));
    expect(engine.columns.map((column) => column.kind)).toEqual(['numeric', 'boolean', 'categorical', 'datetime', 'categorical', 'numeric', 'numeric', 'numeric']);
    // Interpolated quantiles and summed moments may differ in the last bits between the two.
    expect(rounded(engine)).toEqual(rounded(rows));
  });

  it('count every distinct category, past the most frequent ones kept, as the row accumulator does', async () => {
    const { engine, rows } = await bothWays('top.csv', mixedCsv(400), 'csv', { topValues: 2 });
    const city = engine.columns.find((column) => column.name === 'city')!;
    expect(city).toMatchObject({ kind: 'categorical', distinct: 3, distinctExact: true });
    expect(city.kind === 'categorical' && city.top.length).toBe(2);
    expect(city).toEqual(rows.columns.find((column) => column.name === 'city'));
  });

  it('count every value into a reference’s bins, as drift compares them', async () => {
    const reference = (await bothWays('reference.csv', mixedCsv(500), 'csv')).engine;
    const { engine, rows } = await bothWays('live.csv', mixedCsv(1500), 'csv', { reference });

    const [amount, rowsAmount] = [engine.columns[0]!, rows.columns[0]!];
    if (amount.kind !== 'numeric' || rowsAmount.kind !== 'numeric') throw new Error(`amount is ${amount.kind}`);
    expect(amount.histogram.source).toBe('exact');
    expect(amount.histogram).toEqual(rowsAmount.histogram);
    const referenceAmount = reference.columns[0]!;
    expect(amount.histogram.edges).toEqual(referenceAmount.kind === 'numeric' ? referenceAmount.histogram.edges : []);
    expect(amount.histogram.counts.reduce((sum, count) => sum + count, 0)).toBe(amount.count);
  });

  it('count NaN and missing cells as nulls, and keep a text column that mixes numbers and words categorical', async () => {
    const jsonl = [{ x: 1.5, tag: 'a', label: true }, { x: null, tag: 7, label: false }, { x: 2.5, tag: 'b', label: null }, { tag: 'a' }].map((row) => JSON.stringify(row)).join('\n');
    const { engine, rows } = await bothWays('mixed.jsonl', `${jsonl}\n`, 'jsonl');

    expect(rounded(engine)).toEqual(rounded(rows));
    expect(engine.columns.map((column) => [column.name, column.kind, column.nulls])).toEqual([
      ['x', 'numeric', 2],
      ['tag', 'categorical', 0],
      ['label', 'boolean', 2],
    ]);
  });

  it('keep quantiles exact past the row accumulator’s sample', async () => {
    const lines = ['v', ...Array.from({ length: 30_001 }, (_, i) => String(i))];
    const { engine } = await bothWays('ramp.csv', `${lines.join('\n')}\n`, 'csv');

    expect(engine.columns[0]).toMatchObject({ kind: 'numeric', count: 30_001, min: 0, max: 30_000, quantiles: { p01: 300, p50: 15_000, p99: 29_700 }, histogram: { source: 'exact' } });
  });

  it('read integer columns of a Parquet source as the row accumulator does: narrow, wide, huge, with nulls', async () => {
    const source = join(dir, `${files++}-integers.parquet`);
    const snapshot = join(dir, `${files++}-snapshot.parquet`);
    const engine = await withEngine(async (opened) => {
      await opened.run(
        `copy (select (i % 97)::tinyint as small, case when i % 7 = 0 then null else (i * 7919) % 100003 end::integer as wide, (i * 1000000007)::bigint as big, (i - 900)::hugeint as huge, (i % 3)::ubigint as unsigned from range(2000) t(i)) to '${source}' (format parquet)`,
      );
      await writeSnapshot(opened, { path: source, format: 'parquet' }, snapshot, dir);
      return snapshotStatistics(opened, snapshot);
    });
    const rows = await computeStatistics(readRows(snapshot, 'parquet'));
    expect(engine.columns.map((column) => column.kind)).toEqual(['numeric', 'numeric', 'numeric', 'numeric', 'numeric']);
    expect(rounded(engine)).toEqual(rounded(rows));
  });
});
