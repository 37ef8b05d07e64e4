import { readFileSync } from 'node:fs';
import { describe, it, expect, afterEach } from 'vitest';
import type { PipelineSpec, SplitSpec } from '../../contracts/pipeline-spec.js';
import { hashFraction, splitIndices, splitRows, SplitError } from '../../features/split.js';
import { timePart, toEpochMs } from '../../features/time.js';
import { applyTransform, fitTransform, FeatureFitError } from '../../features/transform.js';
import { featureNames, featureWidth, inputColumns, readFeatureTransform } from '../../features/feature-transform.js';
import { validateServingRow } from '../../features/serving-row.js';
import { FeatureValueError } from '../../features/values.js';
import type { InputRow } from '../../features/values.js';
import { loadPipeline } from '../../pipelines/index.js';

type TransformSpec = Pick<PipelineSpec, 'features' | 'label'>;

function transformSpec(features: Partial<PipelineSpec['features']>, label: PipelineSpec['label'] = { column: 'y', kind: 'regression' }): TransformSpec {
  return { features: { numeric: [], categorical: [], impute: 'mean', maxVocabulary: 1000, ...features }, label };
}

const timeSplit: SplitSpec = { by: 'time', column: 't', test: 0.2, validation: 0.1 };
const hashSplit: SplitSpec = { by: 'hash', keys: ['id'], test: 0.2, validation: 0.1 };

/** 100 rows, one per day, in shuffled order: row i has day (37 i mod 100). */
const days = Array.from({ length: 100 }, (_, i) => ({ id: i, t: Date.UTC(2024, 0, 1 + ((37 * i) % 100)) }));

describe('split', () => {
  it('by time puts the latest rows in test and the ones before them in validation', () => {
    const { train, validation, test } = splitIndices(days, timeSplit);
    const dayOf = (i: number) => (37 * i) % 100;
    expect([train.length, validation.length, test.length]).toEqual([70, 10, 20]);
    expect(Math.max(...train.map(dayOf))).toBe(69);
    expect(validation.map(dayOf).sort((a, b) => a - b)).toEqual([70, 71, 72, 73, 74, 75, 76, 77, 78, 79]);
    expect(Math.min(...test.map(dayOf))).toBe(80);
    // Indices come back in input order.
    expect(test).toEqual([...test].sort((a, b) => a - b));
  });

  it('by time keeps input order among equal times, and reads ISO strings and Dates alike', () => {
    const rows = [{ t: '2024-01-02' }, { t: new Date('2024-01-01T00:00:00Z') }, { t: '2024-01-02T00:00:00Z' }, { t: Date.UTC(2024, 0, 1) }];
    expect(splitIndices(rows, { by: 'time', column: 't', test: 0.25, validation: 0.25 })).toEqual({ train: [1, 3], validation: [0], test: [2] });
  });

  it('is the same on every call', () => {
    expect(splitIndices(days, timeSplit)).toEqual(splitIndices(days, timeSplit));
    expect(splitIndices(days, hashSplit)).toEqual(splitIndices(days, hashSplit));
  });

  it('by hash keeps a row in its split whatever other rows there are, with fractions close to the spec', () => {
    const rows = Array.from({ length: 20_000 }, (_, id) => ({ id }));
    const split = splitRows(rows, hashSplit);
    expect(split.test.length / rows.length).toBeCloseTo(0.2, 1);
    expect(split.validation.length / rows.length).toBeCloseTo(0.1, 1);
    const fewer = splitRows(rows.slice(5_000, 6_000), hashSplit);
    const testIds = new Set(split.test.map((row) => row.id));
    expect(fewer.test.every((row) => testIds.has(row.id))).toBe(true);
    expect(hashFraction({ id: 7 }, ['id'])).toBe(hashFraction({ id: 7, other: 'ignored' }, ['id']));
  });

  it('refuses a time split over a row without a time, naming the row', () => {
    expect(() => splitIndices([{ t: '2024-01-01' }, { t: null }], timeSplit)).toThrow(SplitError);
    expect(() => splitIndices([{ t: '2024-01-01' }, { t: null }], timeSplit)).toThrow('row 1: "t" is missing');
    expect(() => splitIndices([{ t: 'yesterday' }], timeSplit)).toThrow('column "t": expected an ISO 8601 date-time');
  });
});

describe('fitTransform', () => {
  it('imputes and standardises numbers as computed by hand', () => {
    const rows = [{ x: 1 }, { x: 2 }, { x: 3 }, { x: 10 }, { x: null }];
    const byMean = fitTransform(rows, transformSpec({ numeric: ['x'] }));
    // mean 4, population variance (9 + 4 + 1 + 36) / 4 = 12.5
    expect(byMean.numeric[0]).toEqual({ name: 'x', column: 'x', impute: 4, mean: 4, std: Math.sqrt(12.5) });
    expect(applyTransform(byMean, { x: 10 }).features[0]).toBeCloseTo(6 / Math.sqrt(12.5), 6);
    expect(applyTransform(byMean, { x: null }).features[0]).toBe(0);
    expect(applyTransform(byMean, {}).features[0]).toBe(0);

    const byMedian = fitTransform(rows, transformSpec({ numeric: ['x'], impute: 'median' }));
    expect(byMedian.numeric[0]?.impute).toBe(2.5);
    expect(applyTransform(byMedian, { x: '' }).features[0]).toBeCloseTo((2.5 - 4) / Math.sqrt(12.5), 6);
  });

  it('maps a constant column to 0 rather than dividing by zero', () => {
    const transform = fitTransform([{ x: 5 }, { x: 5 }], transformSpec({ numeric: ['x'] }));
    expect(transform.numeric[0]?.std).toBe(1);
    expect(applyTransform(transform, { x: 5 }).features[0]).toBe(0);
  });

  it('orders the vocabulary by frequency then value, caps it, and sends the rest to the OOV slot', () => {
    const rows = ['b', 'a', 'c', 'a', 'b', 'd', null].map((color) => ({ color }));
    const transform = fitTransform(rows, transformSpec({ categorical: ['color'], maxVocabulary: 3 }));
    expect(transform.categorical[0]).toEqual({ column: 'color', encoding: 'one-hot', vocabulary: ['a', 'b', 'c'] });
    expect(featureNames(transform)).toEqual(['color=a', 'color=b', 'color=c', 'color=<oov>']);
    const encode = (color: unknown) => Array.from(applyTransform(transform, { color }).features);
    expect(encode('b')).toEqual([0, 1, 0, 0]);
    expect(encode('d')).toEqual([0, 0, 0, 1]);
    expect(encode('never seen')).toEqual([0, 0, 0, 1]);
    expect(encode(null)).toEqual([0, 0, 0, 1]);
  });

  it('learns nothing from rows outside the training split', () => {
    const rows: InputRow[] = days.map(({ id, t }) => ({ t, x: id, city: 'Oslo' }));
    // Give the latest 20 days (the test split) extreme values and a city of their own.
    const late = rows.map((row) => ((row.t as number) >= Date.UTC(2024, 0, 81) ? { ...row, x: 1e6, city: 'Lima' } : row));
    const { train, test } = splitRows(late, timeSplit);
    expect(test.every((row) => row.city === 'Lima')).toBe(true);
    const transform = fitTransform(train, transformSpec({ numeric: ['x'], categorical: ['city'] }));
    const trainMean = train.reduce((sum, row) => sum + (row.x as number), 0) / train.length;
    expect(transform.numeric[0]?.mean).toBeCloseTo(trainMean, 9);
    expect(transform.numeric[0]?.mean).toBeLessThan(100);
    expect(transform.categorical[0]?.vocabulary).toEqual(['Oslo']);
    expect(transform.fittedRows).toBe(70);
    expect(Array.from(applyTransform(transform, test[0] ?? {}).features.slice(1))).toEqual([0, 1]);
  });

  it('refuses an empty training split and a feature with no values', () => {
    expect(() => fitTransform([], transformSpec({ numeric: ['x'] }))).toThrow(FeatureFitError);
    expect(() => fitTransform([{ x: null }], transformSpec({ numeric: ['x'] }))).toThrow('numeric feature "x" has no values in the training split');
  });

  it('names the column of a wrongly typed training value', () => {
    expect(() => fitTransform([{ x: 'seven' }], transformSpec({ numeric: ['x'] }))).toThrow(FeatureValueError);
    expect(() => fitTransform([{ x: 'seven' }], transformSpec({ numeric: ['x'] }))).toThrow('column "x": expected a finite number, got string "seven"');
  });
});

describe('time parts', () => {
  const originalTz = process.env.TZ;
  afterEach(() => {
    if (originalTz === undefined) delete process.env.TZ;
    else process.env.TZ = originalTz;
  });

  it('are taken in UTC whatever the local time zone', () => {
    process.env.TZ = 'America/Los_Angeles';
    const spec = transformSpec({ timeParts: { column: 'when', parts: ['hour', 'dayOfWeek', 'dayOfMonth', 'month'] } });
    const transform = fitTransform([{ when: '2024-03-10T23:30:00' }, { when: '2024-03-11T04:30:00Z' }], spec);
    expect(featureNames(transform)).toEqual(['when.hour', 'when.dayOfWeek', 'when.dayOfMonth', 'when.month']);
    // A zone-less time is UTC wall-clock: 23:30 on Sunday 10 March; the offset form is 04:30 UTC on Monday 11 March.
    expect(transform.numeric.map((f) => f.mean)).toEqual([(23 + 4) / 2, (0 + 1) / 2, (10 + 11) / 2, 3]);
    const ms = toEpochMs('2024-03-10T23:30:00-05:00') ?? Number.NaN;
    expect(['hour', 'dayOfWeek', 'dayOfMonth', 'month'].map((part) => timePart(ms, part as 'hour'))).toEqual([4, 1, 11, 3]);
    expect(toEpochMs('2024-03-10T23:30:00-0500')).toBe(ms);
    expect(toEpochMs(new Date(ms))).toBe(ms);
    expect(toEpochMs(BigInt(ms))).toBe(ms);
    expect(toEpochMs('2012-01-01')).toBe(Date.UTC(2012, 0, 1));
    expect(toEpochMs('1 March 2024')).toBeUndefined();
  });
});

describe('labels', () => {
  const late: PipelineSpec['label'] = { column: 'late', kind: 'binary', positiveWhen: { column: 'delay', greaterThan: 15 } };

  it('derives a binary label by a documented comparison, and none when the source is missing', () => {
    const transform = fitTransform([{ distance: 100 }], transformSpec({ numeric: ['distance'] }, late));
    expect([16, 15, -3, null].map((delay) => applyTransform(transform, { distance: 1, delay }).label)).toEqual([1, 0, 0, undefined]);
    expect('label' in applyTransform(transform, { distance: 1 })).toBe(false);
  });

  it('reads a binary column and a regression target', () => {
    const binary = fitTransform([{ x: 1 }], transformSpec({ numeric: ['x'] }, { column: 'y', kind: 'binary' }));
    expect([true, false, 1, 0, 'true'].map((y) => applyTransform(binary, { x: 1, y }).label)).toEqual([1, 0, 1, 0, 1]);
    expect(() => applyTransform(binary, { x: 1, y: 2 })).toThrow('column "y": expected a binary label');
    const regression = fitTransform([{ x: 1 }], transformSpec({ numeric: ['x'] }));
    expect(applyTransform(regression, { x: 1, y: 12.5 }).label).toBe(12.5);
  });

  it('derives from a category with equals', () => {
    const rainy: PipelineSpec['label'] = { column: 'rainy', kind: 'binary', positiveWhen: { column: 'weather', equals: 'rain' } };
    const transform = fitTransform([{ wind: 1 }], transformSpec({ numeric: ['wind'] }, rainy));
    expect(['rain', 'sun'].map((weather) => applyTransform(transform, { wind: 1, weather }).label)).toEqual([1, 0]);
  });
});

describe('validateServingRow', () => {
  const transform = fitTransform(
    [{ distance: 100, origin: 'SEA', date: '2024-01-01T10:00:00Z' }],
    transformSpec({ numeric: ['distance'], categorical: ['origin'], timeParts: { column: 'date', parts: ['hour'] } }),
  );

  it('accepts a complete row, nulls for unknown values, and extra fields', () => {
    expect(inputColumns(transform)).toEqual(['distance', 'date', 'origin']);
    expect(validateServingRow(transform, { distance: 90, origin: 'PDX', date: 1_700_000_000_000, requestId: 'r1' })).toEqual([]);
    expect(validateServingRow(transform, { distance: null, origin: null, date: null })).toEqual([]);
  });

  it('names each missing or wrongly typed field', () => {
    expect(validateServingRow(transform, { distance: '90', date: 'tomorrow' })).toEqual([
      { field: 'distance', message: 'must be a finite number' },
      { field: 'date', message: 'must be an ISO 8601 date-time (such as 2000-01-31 or 2000-01-31T08:30:00Z), a Date or epoch milliseconds' },
      { field: 'origin', message: 'is missing (send null when the value is unknown)' },
    ]);
    expect(validateServingRow(transform, { distance: 1, date: null, origin: { code: 'SEA' } })).toEqual([{ field: 'origin', message: 'must be a string' }]);
    expect(validateServingRow(transform, [1, 2])).toEqual([{ field: '(row)', message: 'must be a JSON object mapping column names to values' }]);
  });
});

/** seattle-weather.csv with numbers cast, as a reader with type casting gives it. */
function seattleRows(): InputRow[] {
  const url = new URL('../../node_modules/vega-datasets/data/seattle-weather.csv', import.meta.url);
  const [header = '', ...lines] = readFileSync(url, 'utf8').trim().split('\n');
  const columns = header.split(',');
  return lines.map((line) => {
    const cells = line.split(',');
    return Object.fromEntries(columns.map((column, i) => [column, column === 'date' || column === 'weather' ? cells[i] : Number(cells[i])]));
  });
}

describe('seattle-weather.csv through the seattle-temperature spec', () => {
  const spec = loadPipeline('seattle-temperature');
  const rows = seattleRows();
  const split = splitRows(rows, spec.split);
  const transform = fitTransform(split.train, spec);

  it('splits the 1461 days by date', () => {
    expect(rows).toHaveLength(1461);
    expect([split.train.length, split.validation.length, split.test.length]).toEqual([1023, 146, 292]);
    const lastTrain = split.train.map((row) => row.date as string).sort().at(-1) ?? '';
    expect(split.test.every((row) => (row.date as string) > lastTrain)).toBe(true);
  });

  it('produces finite features, standardised on the training split, and the temp_max label', () => {
    expect(featureNames(transform)).toEqual([
      'precipitation',
      'temp_min',
      'wind',
      'date.month',
      // Training-split counts: sun 456, rain 455, drizzle 46, fog 41, snow 25.
      'weather=sun',
      'weather=rain',
      'weather=drizzle',
      'weather=fog',
      'weather=snow',
      'weather=<oov>',
    ]);
    const train = split.train.map((row) => applyTransform(transform, row));
    for (let column = 0; column < 4; column++) {
      const values = train.map((row) => row.features[column] ?? Number.NaN);
      const mean = values.reduce((a, b) => a + b, 0) / values.length;
      const std = Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length);
      expect(mean).toBeCloseTo(0, 5);
      expect(std).toBeCloseTo(1, 5);
    }
    const test = split.test.map((row) => applyTransform(transform, row));
    expect(test.every((row) => row.features.length === featureWidth(transform) && row.features.every(Number.isFinite))).toBe(true);
    expect(test.map((row) => row.label)).toEqual(split.test.map((row) => row.temp_max));
  });

  it('gives identical outputs after a round trip through JSON', () => {
    const restored = readFeatureTransform(JSON.parse(JSON.stringify(transform)));
    expect(restored).toEqual(transform);
    for (const row of rows) expect(applyTransform(restored, row)).toEqual(applyTransform(transform, row));
    expect(() => readFeatureTransform({ ...transform, version: 2 })).toThrow('not a version 1 feature transform');
  });
});
