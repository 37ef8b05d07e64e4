import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toMatrix } from '../../activities/feature.js';
import type { PipelineSpec } from '../../contracts/pipeline-spec.js';
import { loadPipeline } from '../../pipelines/index.js';
import { featureWidth } from '../../features/feature-transform.js';
import { labelOf } from '../../features/label.js';
import { featureOnEngine } from '../../features/snapshot-features.js';
import type { FilesWritten } from '../../features/snapshot-features.js';
import { splitFileNames, TEST_ROWS_PARQUET } from '../../features/split-files.js';
import { readParquetBytes } from '../../tabular/read-parquet.js';
import { SPLIT_NAMES, splitRows } from '../../features/split.js';
import type { SplitName } from '../../features/split.js';
import type { FeatureTransform } from '../../features/feature-transform.js';
import { categorySlots, encodedWidth, encodeRow, expandRows } from '../../features/row-encoding.js';
import { applyTransform, fitTransform } from '../../features/transform.js';
import { withEngine } from '../../tabular/engine.js';
import type { EngineOptions } from '../../tabular/engine.js';
import { readRows } from '../../tabular/read.js';
import type { TableRow } from '../../tabular/row.js';
import { snapshotColumns } from '../../tabular/snapshot-statistics.js';
import { writeSnapshot } from '../../tabular/snapshot.js';

let dir: string;
let runs = 0;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ctrain-snapshot-features-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Flights-like rows: a time, a distance with gaps, two airports, a delay that decides the label, some rows unlabelled. */
function flightsCsv(rows: number): string {
  const airports = ['OSL', 'BGO', 'TRD', 'SVG', 'TOS', 'BOO'];
  const lines = ['date,distance,origin,destination,delay'];
  for (let i = 0; i < rows; i++) {
    const date = new Date(Date.UTC(2024, 0, 1) + ((i * 7919) % rows) * 3_600_000 * 1.7).toISOString().replace('.000Z', i % 3 ? 'Z' : '');
    const distance = i % 13 === 0 ? '' : String(100 + ((i * 31) % 900) / 4);
    const delay = i % 17 === 0 ? '' : String(((i * 53) % 120) - 30);
    lines.push([date, distance, airports[i % 6], airports[(i * 5) % 6 === 3 ? 0 : (i * 5) % 6], delay].join(','));
  }
  return `${lines.join('\n')}\n`;
}

const flightSpec = (overrides: Partial<PipelineSpec['features']> = {}): PipelineSpec => {
  const flights = loadPipeline('flight-delay');
  return {
    ...flights,
    label: { column: 'late', kind: 'binary', positiveWhen: { column: 'delay', greaterThan: 15 } },
    features: { ...flights.features, numeric: ['distance'], categorical: ['origin', 'destination'], timeParts: { column: 'date', parts: ['hour', 'dayOfWeek', 'dayOfMonth', 'month'] }, maxVocabulary: 4, ...overrides },
    split: { by: 'time', column: 'date', test: 0.2, validation: 0.1 },
  };
};

/** The feature step on the engine over the CSV's snapshot: its answer and the folder of its files. */
async function onEngine(csv: string, spec: PipelineSpec, typed?: string, onFilesWritten?: FilesWritten, options?: EngineOptions) {
  const run = join(dir, String(runs++));
  await rm(run, { recursive: true, force: true });
  await mkdir(run, { recursive: true });
  const source = join(run, 'source.csv');
  await writeFile(source, csv);
  const snapshot = join(run, 'snapshot.parquet');
  const engine = await withEngine(async (opened) => {
    if (typed) {
      // The CSV retyped by `typed` (a SELECT over it as `source`) into a Parquet source, as real data comes.
      const parquet = join(run, 'source.parquet');
      await opened.run(`copy (${typed.replace('source', `read_csv('${source}')`)}) to '${parquet}' (format parquet)`);
      await writeSnapshot(opened, { path: parquet, format: 'parquet' }, snapshot, run);
    } else {
      await writeSnapshot(opened, { path: source, format: 'csv' }, snapshot, run);
    }
    return featureOnEngine(opened, snapshot, await snapshotColumns(opened, snapshot), spec, run, onFilesWritten);
  }, options);
  return { engine, run, snapshot };
}

/** The feature step both ways over the same snapshot: on the engine (its files), and row by row in memory (split, fit, toMatrix). */
async function bothWays(csv: string, spec: PipelineSpec, typed?: string) {
  const { engine, run, snapshot } = await onEngine(csv, spec, typed);
  const rows: TableRow[] = [];
  for await (const row of readRows(snapshot, 'parquet')) if (labelOf(spec.label, row) !== undefined) rows.push(row);
  const splits = splitRows(rows, spec.split);
  const transform = fitTransform(splits.train, spec);
  return { engine, run, rowByRow: { transform, splits } };
}

const float32s = async (path: string): Promise<Float32Array> => {
  const bytes = await readFile(path);
  return new Float32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4);
};

/** The test rows the engine wrote, read back as evaluation reads them. */
const testRowsOf = async (run: string): Promise<TableRow[]> => readParquetBytes(TEST_ROWS_PARQUET, await readFile(join(run, TEST_ROWS_PARQUET)));

/** A split's stored features, expanded to dense rows as the trainer's loader expands them. */
const denseFeatures = async (run: string, split: SplitName, transform: FeatureTransform, rows: number): Promise<Float32Array> => expandRows(categorySlots(transform), await float32s(join(run, splitFileNames(split).features)), rows);

/**
 * The row-by-row path's rows as the feature step stores them (a slot per category): wide transforms
 * are compared so, since comparing thousands of dense floats a row would take the test's whole time.
 */
function storedRows(transform: FeatureTransform, rows: readonly TableRow[]): Float32Array {
  const encoding = categorySlots(transform);
  const stored = new Float32Array(rows.length * encodedWidth(encoding));
  rows.forEach((row, i) => encodeRow(encoding, applyTransform(transform, row).features, stored, i * encodedWidth(encoding)));
  return stored;
}

describe('the feature step on the engine', () => {
  it('splits, fits and transforms as the row-by-row path does: same transform, same matrices, same test rows', async () => {
    const spec = flightSpec();
    const { engine, run, rowByRow } = await bothWays(flightsCsv(3000), spec);

    expect(engine).toBeDefined();
    const { transform } = rowByRow;
    expect(engine!.transform.categorical).toEqual(transform.categorical);
    expect(engine!.transform.fittedRows).toBe(transform.fittedRows);
    expect(engine!.transform.numeric.map((feature) => feature.name)).toEqual(transform.numeric.map((feature) => feature.name));
    engine!.transform.numeric.forEach((feature, i) => {
      for (const field of ['impute', 'mean', 'std'] as const) expect(feature[field]).toBeCloseTo(transform.numeric[i]![field], 9);
    });
    const width = featureWidth(transform);
    for (const split of SPLIT_NAMES) {
      expect(engine!.rows[split]).toBe(rowByRow.splits[split].length);
      const expected = toMatrix(engine!.transform, rowByRow.splits[split], width);
      expect(await denseFeatures(run, split, engine!.transform, engine!.rows[split])).toEqual(expected.features);
      expect(await float32s(join(run, splitFileNames(split).labels))).toEqual(expected.labels);
    }
    expect(await testRowsOf(run)).toEqual(rowByRow.splits.test);
  });

  it('gives each category of a vocabulary of thousands its own slot, as the row-by-row path does: text that differs only in case, accents or quotes, categories out of the vocabulary', async () => {
    // 3,000 routes, the lower numbers more frequent (so the vocabulary is ranked by count, ties by
    // value), each in spellings that differ in ways a lookup must not confuse; the rarest are left out.
    const spellings = (route: number): string[] => [`r${route}`, `R${route}`, `r${route}é`, `r${route}e\u0301`, `r'${route}`];
    const lines = ['date,distance,origin,destination,delay'];
    for (let i = 0; i < 24_000; i++) {
      const route = Math.floor(3000 * ((i * 7919) % 24_000) ** 2 / 24_000 ** 2);
      const date = new Date(Date.UTC(2024, 0, 1) + i * 60_000).toISOString();
      lines.push([date, String(100 + (i % 700)), spellings(route)[i % 5], `D${i % 1300}`, String((i * 53) % 120 - 30)].join(','));
    }
    const spec = flightSpec({ timeParts: undefined, maxVocabulary: 2500 });
    const { engine, run, rowByRow } = await bothWays(`${lines.join('\n')}\n`, spec);

    expect(engine).toBeDefined();
    expect(engine!.transform.categorical).toEqual(rowByRow.transform.categorical);
    const vocabularies = engine!.transform.categorical.map(({ vocabulary }) => vocabulary.length);
    expect(vocabularies).toEqual([2500, 1300]);
    for (const split of SPLIT_NAMES) expect(await float32s(join(run, splitFileNames(split).features))).toEqual(storedRows(engine!.transform, rowByRow.splits[split]));
  });

  it('reports each file once, as soon as it is complete: time-ordered rows finish the training split while the test split is still unwritten', async () => {
    // In time order, so each split's rows come together: train first, over several of the engine's chunks.
    const [header, ...lines] = flightsCsv(12_000).trimEnd().split('\n');
    const ordered = [header, ...lines.sort((a, b) => Date.parse(`${a.slice(0, 19)}Z`) - Date.parse(`${b.slice(0, 19)}Z`))].join('\n');
    const reports: { name: string; sha256?: string; bytes: Buffer; testFeaturesBytes: number }[] = [];
    let run = '';
    const heard: FilesWritten = (files) => {
      // What the file holds when it is reported, read at once (synchronously, before the engine goes on).
      for (const [name, sha256] of Object.entries(files)) reports.push({ name, sha256, bytes: readFileSync(join(run, name)), testFeaturesBytes: statSync(join(run, splitFileNames('test').features), { throwIfNoEntry: false })?.size ?? 0 });
    };
    run = join(dir, String(runs));
    const { engine } = await onEngine(`${ordered}\n`, flightSpec(), undefined, heard);

    const names = [...SPLIT_NAMES.flatMap((split) => Object.values(splitFileNames(split))), TEST_ROWS_PARQUET];
    expect(reports.map((report) => report.name).sort()).toEqual([...names].sort());
    for (const report of reports) {
      // Complete when reported: the bytes then are the bytes at the end, and the digest is theirs.
      expect(report.bytes).toEqual(await readFile(join(run, report.name)));
      if (report.name !== TEST_ROWS_PARQUET) expect(report.sha256).toBe(createHash('sha256').update(report.bytes).digest('hex'));
    }
    const train = reports.find((report) => report.name === splitFileNames('train').features)!;
    expect(train.bytes.length).toBeGreaterThan(0);
    expect(train.testFeaturesBytes).toBe(0);
    expect((await stat(join(run, splitFileNames('test').features))).size).toBeGreaterThan(0);
    expect(engine!.rows.train + engine!.rows.validation + engine!.rows.test).toBe(lines.filter((line) => !line.endsWith(',')).length);
  });

  it('reads Parquet timestamps and integers as the row-by-row path does', async () => {
    const spec = flightSpec();
    const typed = 'select date::timestamp as date, distance::bigint as distance, origin, destination, delay::bigint as delay from source';
    const { engine, run, rowByRow } = await bothWays(flightsCsv(1500), spec, typed);

    expect(engine).toBeDefined();
    expect(engine!.transform.categorical).toEqual(rowByRow.transform.categorical);
    const width = featureWidth(rowByRow.transform);
    for (const split of SPLIT_NAMES) {
      const expected = toMatrix(engine!.transform, rowByRow.splits[split], width);
      expect(await denseFeatures(run, split, engine!.transform, engine!.rows[split])).toEqual(expected.features);
      expect(await float32s(join(run, splitFileNames(split).labels))).toEqual(expected.labels);
    }
    expect(await testRowsOf(run)).toEqual(rowByRow.splits.test);
  });

  // In time order, the row groups outside a split's times are skipped by their statistics, whatever the time's stored type.
  it.each([
    ['in any order (chunks mixing splits)', false, undefined],
    ['in time order (chunks of one split each)', true, undefined],
    ['in time order, the time a TIMESTAMP', true, 'timestamp'],
    ['in time order, the time a DATE', true, 'date'],
  ])('splits as the row-by-row path does over several row groups, with ties in time at the cut-offs, rows kept in input order: rows %s', async (_, sorted, timeType) => {
    // 130k rows (two of the snapshot’s row groups), the time in 40 values: the cut-offs fall among equal times.
    const coarse = flightsCsv(130_000).replace(/^(\d{4}-\d{2}-)(\d{2})T\d{2}:\d{2}:\d{2}(Z?)/gm, (_, month: string, day: string) => `${month}${String((Number(day) % 20) + 1).padStart(2, '0')}T0${Number(day) % 2}:00:00Z`);
    const [header, ...lines] = coarse.trimEnd().split('\n');
    const csv = sorted ? `${[header, ...lines.sort((a, b) => (a.slice(0, 20) < b.slice(0, 20) ? -1 : a.slice(0, 20) > b.slice(0, 20) ? 1 : 0))].join('\n')}\n` : coarse;
    const typed = timeType && `select date::timestamptz::timestamp::${timeType} as date, distance, origin, destination, delay from source`;
    const { engine, run, rowByRow } = await bothWays(csv, flightSpec({ timeParts: { column: 'date', parts: ['hour'] } }), typed);

    expect(engine).toBeDefined();
    const width = featureWidth(rowByRow.transform);
    for (const split of SPLIT_NAMES) {
      expect(engine!.rows[split]).toBe(rowByRow.splits[split].length);
      const expected = toMatrix(engine!.transform, rowByRow.splits[split], width);
      expect(await float32s(join(run, splitFileNames(split).labels))).toEqual(expected.labels);
      expect(await denseFeatures(run, split, engine!.transform, engine!.rows[split])).toEqual(expected.features);
    }
    expect(await testRowsOf(run)).toEqual(rowByRow.splits.test);
  });

  it('reads calendar parts of stored times as the row-by-row path does, before 1970 and after, a fraction of a millisecond before the hour', async () => {
    const spec = flightSpec({ timeParts: { column: 'date', parts: ['hour', 'dayOfWeek', 'dayOfMonth', 'month'] } });
    // September 1969 to February 1970, each time half a millisecond before a whole hour.
    const typed = `select date::timestamptz::timestamp - interval 54 years - interval 4 months - interval 500 microseconds as date, distance, origin, destination, delay from source`;
    const { engine, run, rowByRow } = await bothWays(flightsCsv(2500), spec, typed);

    expect(engine).toBeDefined();
    for (const split of SPLIT_NAMES) expect(await float32s(join(run, splitFileNames(split).features))).toEqual(storedRows(engine!.transform, rowByRow.splits[split]));
  });

  it('splits times whose span is too wide for a double as the row-by-row path does', async () => {
    const typed = `select (case when delay::bigint % 3 = 0 then 1e308 when delay::bigint % 3 = 1 then -1e308 else 0 end) as date, distance::bigint as distance, origin, destination, delay::bigint as delay from source`;
    const { engine, run, rowByRow } = await bothWays(flightsCsv(600), flightSpec({ timeParts: undefined }), typed);
    expect(engine).toBeDefined();
    for (const split of SPLIT_NAMES) {
      expect(engine!.rows[split]).toBe(rowByRow.splits[split].length);
      expect(await float32s(join(run, splitFileNames(split).labels))).toEqual(toMatrix(engine!.transform, rowByRow.splits[split], featureWidth(rowByRow.transform)).labels);
    }
  });

  it('fits a vocabulary for each of 70 categorical features, as the row-by-row path does', async () => {
    // Past 63 columns one GROUPING() bit mask cannot tell the columns apart (past 53 not even as a JavaScript number).
    const names = Array.from({ length: 70 }, (_, j) => `c${j}`);
    const lines = [['date', 'delay', ...names].join(',')];
    for (let i = 0; i < 2000; i++) lines.push([new Date(Date.UTC(2024, 0, 1) + i * 60_000).toISOString(), String((i * 53) % 120 - 30), ...names.map((_, j) => (i * (j + 3)) % (j + 2) === 0 ? '' : `v${(i * (j + 7)) % (j + 2)}`)].join(','));
    const spec = flightSpec({ numeric: [], categorical: names, timeParts: undefined, maxVocabulary: 50 });
    const { engine, run, rowByRow } = await bothWays(`${lines.join('\n')}\n`, spec);

    expect(engine).toBeDefined();
    expect(engine!.transform.categorical).toEqual(rowByRow.transform.categorical);
    expect(engine!.transform.categorical.at(-1)!.vocabulary.length).toBe(50);
    for (const split of SPLIT_NAMES) expect(await float32s(join(run, splitFileNames(split).features))).toEqual(storedRows(engine!.transform, rowByRow.splits[split]));
  });

  it('fits 20 numeric and 20 categorical features of 3,000 values each within a small engine\'s memory', async () => {
    // The moments of every numeric feature, kept for each category of each categorical one, ran this engine out of memory.
    const numeric = Array.from({ length: 20 }, (_, j) => `n${j}`);
    const categorical = Array.from({ length: 20 }, (_, j) => `c${j}`);
    const lines = [['date', 'delay', ...numeric, ...categorical].join(',')];
    for (let i = 0; i < 60_000; i++) {
      const date = new Date(Date.UTC(2024, 0, 1) + i * 60_000).toISOString();
      lines.push([date, String((i * 53) % 120 - 30), ...numeric.map((_, j) => String((i * (j + 11)) % 997)), ...categorical.map((_, j) => `v${(i * 7919 + j * 104_729) % 3000}`)].join(','));
    }
    const spec = flightSpec({ numeric, categorical, timeParts: undefined, maxVocabulary: 3000 });
    const { engine } = await onEngine(`${lines.join('\n')}\n`, spec, undefined, undefined, { memoryLimit: '24MB', threads: 2 });

    expect(engine).toBeDefined();
    expect(engine!.transform.numeric.map((feature) => feature.name)).toEqual(numeric);
    expect(engine!.transform.categorical.map(({ vocabulary }) => vocabulary.length)).toEqual(categorical.map(() => 3000));
  });

  it('refuses a numeric feature with no value in the training split, as the row-by-row fit does', async () => {
    const typed = 'select date::timestamp as date, null::bigint as distance, origin, destination, delay::bigint as delay from source';
    await expect(onEngine(flightsCsv(300), flightSpec(), typed)).rejects.toThrow('numeric feature "distance" has no values in the training split');
  });

  it('imputes medians and reads a regression label like the row-by-row path', async () => {
    const spec = { ...flightSpec({ impute: 'median', timeParts: undefined }), label: { column: 'delay', kind: 'regression' as const } };
    const { engine, run, rowByRow } = await bothWays(flightsCsv(800), spec);

    expect(engine!.transform.numeric[0]!.impute).toBeCloseTo(rowByRow.transform.numeric[0]!.impute, 9);
    const expected = toMatrix(engine!.transform, rowByRow.splits.train, featureWidth(rowByRow.transform));
    expect(await denseFeatures(run, 'train', engine!.transform, engine!.rows.train)).toEqual(expected.features);
    expect(await float32s(join(run, splitFileNames('train').labels))).toEqual(expected.labels);
  });

  it('leaves to the row-by-row path what it must name: text in a numeric feature, a time that is not one, a hash split', async () => {
    const textInNumber = flightsCsv(200).replace(/\n([^,\n]*),[^,\n]*,/, '\n$1,far,');
    expect((await onEngine(textInNumber, flightSpec())).engine).toBeUndefined();
    const badTime = flightsCsv(200).replace(/\n[^,\n]*,/, '\nyesterday,');
    expect((await onEngine(badTime, flightSpec())).engine).toBeUndefined();
    const hashSplit = { ...flightSpec(), split: { by: 'hash' as const, keys: ['origin'], test: 0.2, validation: 0.1 } };
    expect((await onEngine(flightsCsv(200), hashSplit)).engine).toBeUndefined();
  });
});
