import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { readRows } from '../../tabular/read.js';
import type { TableRow } from '../../tabular/row.js';
import { inferSchema } from '../../tabular/schema.js';
import { checkAgainstSchema } from '../../tabular/schema-check.js';
import type { DatasetSchema } from '../../tabular/schema.js';
import type { Anomaly, SchemaCheckOptions } from '../../tabular/schema-check.js';
import { computeStatistics } from '../../tabular/statistics.js';

const SEATTLE = join(import.meta.dirname, '../../node_modules/vega-datasets/data/seattle-weather.csv');
const LABEL: SchemaCheckOptions = { labelColumn: 'weather' };

let rows: TableRow[];
let reference: DatasetSchema;
beforeAll(async () => {
  rows = [];
  for await (const row of readRows(SEATTLE, 'csv')) rows.push(row);
  reference = inferSchema(await computeStatistics(rows));
});

async function check(crafted: TableRow[], options: SchemaCheckOptions = LABEL): Promise<Anomaly[]> {
  return checkAgainstSchema(reference, await computeStatistics(crafted), options);
}

const withEvery = (step: number, change: TableRow) => (all: TableRow[]) => all.map((row, index) => (index % step === 0 ? { ...row, ...change } : row));
const without = (name: string) => (all: TableRow[]) => all.map((row) => Object.fromEntries(Object.entries(row).filter(([key]) => key !== name)));

describe('inferSchema', () => {
  it('records kind, nullability, numeric range and categorical domain', async () => {
    const stats = await computeStatistics([
      { n: 3, c: 'b', d: '2024-01-01', e: null },
      { n: -1, c: 'a', d: null, e: null },
      { n: null, c: 'b', d: '2024-02-01', e: null },
      { n: 7, c: 'c', d: '2024-03-01', e: null },
    ]);
    expect(inferSchema(stats)).toEqual({
      columns: [
        { name: 'n', kind: 'numeric', nullable: true, nullRate: 0.25, range: { min: -1, max: 7 } },
        { name: 'c', kind: 'categorical', nullable: false, nullRate: 0, domain: ['a', 'b', 'c'] },
        { name: 'd', kind: 'datetime', nullable: true, nullRate: 0.25 },
        { name: 'e', kind: 'categorical', nullable: true, nullRate: 1 },
      ],
    });
    expect(inferSchema(stats, { maxDomainSize: 2 }).columns[1]).not.toHaveProperty('domain');
  });

  it('infers the seattle-weather schema', () => {
    expect(reference.columns.map((column) => [column.name, column.kind])).toEqual([
      ['date', 'datetime'], ['precipitation', 'numeric'], ['temp_max', 'numeric'], ['temp_min', 'numeric'], ['wind', 'numeric'], ['weather', 'categorical'],
    ]);
    expect(reference.columns[5]!.domain).toEqual(['drizzle', 'fog', 'rain', 'snow', 'sun']);
    expect(reference.columns[2]!.range).toEqual({ min: -1.6, max: 35.6 });
  });
});

describe('checkAgainstSchema', () => {
  it('finds nothing on a clean re-read of the reference data', async () => {
    expect(checkAgainstSchema(reference, await computeStatistics(readRows(SEATTLE, 'csv')), LABEL)).toEqual([]);
  });

  const cases: { code: Anomaly['code']; column?: string; severity?: Anomaly['severity']; craft: (all: TableRow[]) => TableRow[]; message: RegExp }[] = [
    { code: 'empty_dataset', craft: () => [], message: /no rows/ },
    { code: 'label_missing', column: 'weather', craft: without('weather'), message: /Label column "weather" is not in this dataset \(its columns: date, precipitation, temp_max, temp_min, wind\)/ },
    { code: 'label_all_null', column: 'weather', craft: withEvery(1, { weather: null }), message: /"weather" is null in all 1461 rows/ },
    { code: 'missing_column', column: 'wind', craft: without('wind'), message: /"wind" \(numeric\) is in the reference schema but not in this dataset/ },
    {
      code: 'retyped_column', column: 'temp_max',
      craft: (all) => all.map((row) => ({ ...row, temp_max: `${String(row.temp_max)} C` })),
      message: /"temp_max" was numeric in the reference but is categorical now \(most frequent values: "[\d.-]+ C"/,
    },
    { code: 'unexpected_column', column: 'station', severity: 'warning', craft: withEvery(1, { station: 'SEA' }), message: /"station" \(categorical\) is not in the reference schema/ },
    { code: 'unseen_categories', column: 'weather', craft: withEvery(20, { weather: 'hail' }), message: /5\.1% of rows \(74 of 1461\).*"hail" \(74\); the tolerance is 1\.0%/ },
    { code: 'null_rate_jump', column: 'wind', craft: withEvery(5, { wind: null }), message: /null in 20\.1% of rows \(293 of 1461\); the reference had 0\.0% and the allowed rise is 10\.0 percentage points/ },
    { code: 'out_of_range', column: 'temp_max', craft: withEvery(1000, { temp_max: 99 }), message: /values up to 99, above 39\.32: the reference range is \[-1\.6, 35\.6\] with 10\.0% slack/ },
  ];

  for (const { code, column, severity = 'error', craft, message } of cases) {
    it(`reports ${code} on a dataset crafted to show it, and nothing else`, async () => {
      const anomalies = await check(craft(rows));
      expect(anomalies).toHaveLength(1);
      expect(anomalies[0]).toMatchObject({ code, severity, ...(column ? { column } : {}) });
      expect(anomalies[0]!.message).toMatch(message);
    });
  }

  it('reports a value below the reference minimum too', async () => {
    const [anomaly] = await check(withEvery(700, { temp_min: -40 })(rows));
    expect(anomaly).toMatchObject({ code: 'out_of_range', column: 'temp_min' });
    expect(anomaly!.message).toMatch(/values down to -40, below -9\.64/);
  });

  it('honours the tolerances: within them nothing, past them an anomaly', async () => {
    const oneHail = withEvery(1461, { weather: 'hail' })(rows); // a single row: 0.07%
    expect(await check(oneHail)).toEqual([]);
    expect((await check(oneHail, { ...LABEL, unseenCategoryTolerance: 0 })).map((anomaly) => anomaly.code)).toEqual(['unseen_categories']);

    const someNulls = withEvery(20, { wind: null })(rows); // 5.1%
    expect(await check(someNulls)).toEqual([]);
    expect((await check(someNulls, { ...LABEL, nullRateJump: 0.05 })).map((anomaly) => anomaly.code)).toEqual(['null_rate_jump']);

    const warm = withEvery(1000, { temp_max: 38 })(rows); // within 10% of the range beyond the max
    expect(await check(warm)).toEqual([]);
    expect((await check(warm, { ...LABEL, rangeSlack: 0 })).map((anomaly) => anomaly.code)).toEqual(['out_of_range']);
  });

  it('judges ranges and unseen categories on the columns the model reads alone; other columns may grow', async () => {
    const later = withEvery(1, { temp_max: 99, weather: 'hail' })(rows);
    const codes = async (modelColumns: string[]) => (await check(later, { ...LABEL, modelColumns })).map((anomaly) => `${anomaly.code}:${anomaly.column}`);
    expect(await codes(['temp_max', 'weather'])).toEqual(['out_of_range:temp_max', 'unseen_categories:weather']);
    expect(await codes(['temp_min', 'wind'])).toEqual([]);
  });

  it('reports every fault of a dataset that has several', async () => {
    const broken = without('wind')(withEvery(2, { weather: 'hail', temp_max: null, extra: 1 })(rows));
    expect((await check(broken)).map((anomaly) => `${anomaly.code}:${anomaly.column}`)).toEqual([
      'null_rate_jump:temp_max', 'missing_column:wind', 'unseen_categories:weather', 'unexpected_column:extra',
    ]);
  });
});
