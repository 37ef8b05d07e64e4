/**
 * The streaming feature step against the array-based one it replaced: the same split, the same
 * fitted transform (bit for bit), the same matrices and test rows, the same stored objects. The
 * array-based split and fit as they were before streaming are kept below as the reference, since
 * splitIndices and fitTransform now run on the streaming code themselves.
 */
import { createHash } from 'node:crypto';
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFeatureActivities, toMatrix } from '../../activities/feature.js';
import { dvcFileText } from '../../infra/dvc.js';
import { dvcVersionOf } from '../../activities/dataset.js';
import type { ActivityDependencies } from '../../activities/dependencies.js';
import type { IngestManifest, ObjectRef } from '../../contracts/pipeline-run.js';
import type { PipelineSpec, SplitSpec } from '../../contracts/pipeline-spec.js';
import { labelOf } from '../../features/label.js';
import { categorySlots, encodedWidth, expandRows } from '../../features/row-encoding.js';
import { LinesFile, SplitMatrixWriter } from '../../features/split-files.js';
import type { SplitIndices, SplitName } from '../../features/split.js';
import { hashSplit, SPLIT_NAMES, SplitError, SplitRecorder, splitIndices, splitNameOf } from '../../features/split.js';
import { timePart } from '../../features/time.js';
import type { CategoricalFeature, FeatureTransform, NumericFeature } from '../../features/feature-transform.js';
import { applyTransform, FeatureFitError, fitTransform, TransformFitter } from '../../features/transform.js';
import { FEATURE_TRANSFORM_VERSION, featureWidth } from '../../features/feature-transform.js';
import { readCategory, readNumber, readTime } from '../../features/values.js';
import type { InputRow } from '../../features/values.js';
import { readRows } from '../../tabular/read.js';
import type { TableRow as TabularRow } from '../../tabular/row.js';
import { seededRandom } from '../../tabular/seeded-random.js';
import type { ObjectStore } from '../../storage/gateway.js';

type TransformSpec = Pick<PipelineSpec, 'features' | 'label'>;

// --- The reference: the array-based split and fit as they were before streaming. ---

function referenceSplitIndices(rows: readonly InputRow[], split: SplitSpec): SplitIndices {
  const names = split.by === 'time' ? referenceTimeSplit(rows, split.column, split) : rows.map((row) => hashSplit(row, split.keys, split));
  const indices: SplitIndices = { train: [], validation: [], test: [] };
  names.forEach((name, i) => indices[name].push(i));
  return indices;
}

function referenceTimeSplit(rows: readonly InputRow[], column: string, { test, validation }: SplitSpec): SplitName[] {
  const times = rows.map((row, i) => {
    const time = readTime(row, column);
    if (time === undefined) throw new SplitError(`row ${i}: "${column}" is missing, and a time split needs a time on every row`);
    return time;
  });
  const order = times.map((_, i) => i).sort((a, b) => (times[a] ?? 0) - (times[b] ?? 0) || a - b);
  const testCount = Math.round(rows.length * test);
  const validationCount = Math.round(rows.length * validation);
  const trainCount = rows.length - testCount - validationCount;
  const names = new Array<SplitName>(rows.length);
  order.forEach((row, rank) => {
    names[row] = rank < trainCount ? 'train' : rank < trainCount + validationCount ? 'validation' : 'test';
  });
  return names;
}

function referenceFit(trainingRows: readonly InputRow[], spec: TransformSpec): FeatureTransform {
  if (trainingRows.length === 0) throw new FeatureFitError('the training split is empty: there is nothing to fit the feature transform on');
  const { numeric, categorical, timeParts, impute, maxVocabulary } = spec.features;
  const numericInputs: Pick<NumericFeature, 'name' | 'column' | 'timePart'>[] = [
    ...numeric.map((column) => ({ name: column, column })),
    ...(timeParts?.parts.map((part) => ({ name: `${timeParts.column}.${part}`, column: timeParts.column, timePart: part })) ?? []),
  ];
  return {
    version: FEATURE_TRANSFORM_VERSION,
    fittedRows: trainingRows.length,
    numeric: numericInputs.map((input) => referenceFitNumeric(input, trainingRows, impute)),
    categorical: categorical.map((column) => referenceFitCategorical(column, trainingRows, maxVocabulary)),
    label: spec.label,
  };
}

function referenceNumericValue(feature: Pick<NumericFeature, 'column' | 'timePart'>, row: InputRow): number | undefined {
  if (feature.timePart === undefined) return readNumber(row, feature.column);
  const ms = readTime(row, feature.column);
  return ms === undefined ? undefined : timePart(ms, feature.timePart);
}

function referenceFitNumeric(input: Pick<NumericFeature, 'name' | 'column' | 'timePart'>, rows: readonly InputRow[], impute: 'mean' | 'median'): NumericFeature {
  const values = Float64Array.from(rows.flatMap((row) => referenceNumericValue(input, row) ?? []));
  if (values.length === 0) throw new FeatureFitError(`numeric feature "${input.name}" has no values in the training split`);
  const mean = values.reduce((sum, v) => sum + v, 0) / values.length;
  const variance = values.reduce((sum, v) => sum + (v - mean) ** 2, 0) / values.length;
  const std = Math.sqrt(variance);
  const sorted = values.slice().sort();
  const middle = sorted.length >> 1;
  const median = sorted.length % 2 === 1 ? (sorted[middle] ?? 0) : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
  return { ...input, impute: impute === 'mean' ? mean : median, mean, std: std > 1e-12 ? std : 1 };
}

function referenceFitCategorical(column: string, rows: readonly InputRow[], maxVocabulary: number): CategoricalFeature {
  const counts = new Map<string, number>();
  for (const row of rows) {
    const value = readCategory(row, column);
    if (value !== undefined) counts.set(value, (counts.get(value) ?? 0) + 1);
  }
  const ranked = [...counts].sort(([a, countA], [b, countB]) => countB - countA || (a < b ? -1 : a > b ? 1 : 0));
  return { column, encoding: 'one-hot', vocabulary: ranked.slice(0, maxVocabulary).map(([value]) => value) };
}

function pick<T>(rows: readonly T[], indices: SplitIndices): Record<SplitName, T[]> {
  const of = (list: number[]) => list.map((i) => rows[i] as T);
  return { train: of(indices.train), validation: of(indices.validation), test: of(indices.test) };
}

// --- Synthetic rows: ties in time, several time formats, missing values, skewed categories. ---

const CITIES = ['Oslo', 'Lima', 'Pune', 'Kyiv', 'Baku', 'Riga', 'Bern', 'Doha', 'Lodz', 'Nice', 'Ürümqi', '東京'];

function syntheticRows(count: number, seed = 7): TabularRow[] {
  const random = seededRandom(seed);
  const chance = (p: number) => random() < p;
  return Array.from({ length: count }, (_, id) => {
    // 40 distinct times over `count` rows: many ties, each written as a date-time, epoch ms, or (at midnight) a date.
    const day = Math.floor(random() * 40);
    const iso = new Date(Date.UTC(2024, 0, 1 + day, day % 2 === 0 ? 0 : day % 24)).toISOString();
    const formats = [iso, Date.parse(iso), iso.replace('Z', '+00:00'), iso.endsWith('T00:00:00.000Z') ? iso.slice(0, 10) : iso];
    const row: TabularRow = {
      id,
      t: formats[id % formats.length] ?? iso,
      // Doubles with every digit, so any change in summation order would show in the mean.
      x: chance(0.15) ? (chance(0.5) ? null : '') : (random() - 0.3) * 1e3 + 1 / (id + 3),
      w: Math.floor(random() * 9),
      c: 5,
      // Skewed (squared uniform), so counts differ, some equal, and the vocabulary cut bites.
      city: chance(0.1) ? null : (CITIES[Math.floor(random() ** 2 * CITIES.length)] ?? 'Oslo'),
      flag: chance(0.05) ? null : chance(0.5),
      code: Math.floor(random() * 4),
      y: chance(0.07) ? null : random() * 100,
    };
    if (chance(0.05)) delete row.x;
    return row;
  });
}

function featureSpec(overrides: Partial<PipelineSpec['features']> = {}): TransformSpec {
  return {
    features: {
      numeric: ['x', 'w', 'c'],
      categorical: ['city', 'flag', 'code'],
      timeParts: { column: 't', parts: ['dayOfWeek', 'hour', 'month'] },
      impute: 'mean',
      maxVocabulary: 5,
      ...overrides,
    },
    label: { column: 'y', kind: 'regression' },
  };
}

const timeSplit: SplitSpec = { by: 'time', column: 't', test: 0.2, validation: 0.15 };
const hashSplitSpec: SplitSpec = { by: 'hash', keys: ['id', 'city'], test: 0.25, validation: 0.1 };

const rows = syntheticRows(400);
const labelled = rows.filter((row) => labelOf(featureSpec().label, row) !== undefined);

function streamedIndices(input: readonly InputRow[], split: SplitSpec): SplitIndices {
  const recorder = new SplitRecorder(split);
  input.forEach((row) => recorder.add(row));
  const indices: SplitIndices = { train: [], validation: [], test: [] };
  recorder.result().forEach((code, i) => indices[splitNameOf(code)].push(i));
  return indices;
}

function streamedFit(training: readonly InputRow[], spec: TransformSpec): FeatureTransform {
  const fitter = new TransformFitter(spec);
  for (const row of training) fitter.add(row);
  return fitter.result();
}

const thrown = (fn: () => unknown): unknown => {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
};

describe('streaming split', () => {
  it('by time, with ties and mixed time formats, places every row as the array split did', () => {
    const reference = referenceSplitIndices(labelled, timeSplit);
    expect(streamedIndices(labelled, timeSplit)).toEqual(reference);
    expect(splitIndices(labelled, timeSplit)).toEqual(reference);
    // The fixture does hold ties across the train/validation and validation/test boundaries' days.
    const days = new Set(labelled.map((row) => readTime(row, 't')));
    expect(days.size).toBeLessThan(labelled.length / 5);
    const counts = SPLIT_NAMES.map((name) => reference[name].length);
    expect(counts).toEqual([labelled.length - Math.round(labelled.length * 0.2) - Math.round(labelled.length * 0.15), Math.round(labelled.length * 0.15), Math.round(labelled.length * 0.2)]);
  });

  it('by hash places every row as the array split did', () => {
    const reference = referenceSplitIndices(labelled, hashSplitSpec);
    expect(streamedIndices(labelled, hashSplitSpec)).toEqual(reference);
    expect(splitIndices(labelled, hashSplitSpec)).toEqual(reference);
    expect(reference.validation.length).toBeGreaterThan(0);
  });

  it('refuses the first row without a time, or with a bad one, with the array split’s error', () => {
    const missing = labelled.map((row, i) => (i === 17 || i === 30 ? { ...row, t: null } : row));
    const bad = labelled.map((row, i) => (i === 12 ? { ...row, t: 'soon' } : i === 20 ? { ...row, t: null } : row));
    for (const input of [missing, bad]) {
      const expected = thrown(() => referenceSplitIndices(input, timeSplit));
      const actual = thrown(() => streamedIndices(input, timeSplit));
      expect(actual).toBeInstanceOf((expected as Error).constructor);
      expect((actual as Error).message).toBe((expected as Error).message);
    }
    expect((thrown(() => streamedIndices(missing, timeSplit)) as Error).message).toBe('row 17: "t" is missing, and a time split needs a time on every row');
  });
});

describe('TransformFitter', () => {
  const train = pick(labelled, referenceSplitIndices(labelled, timeSplit)).train;

  it.each([
    ['mean', featureSpec()],
    ['median', featureSpec({ impute: 'median' })],
    ['median, one row fewer (other counts odd and even)', featureSpec({ impute: 'median' })],
    ['a vocabulary cut at 2', featureSpec({ maxVocabulary: 2 })],
    ['no time parts', featureSpec({ timeParts: undefined })],
  ])('fits bit for bit what the array fit gives: %s', (label, spec) => {
    const rowsToFit = label.startsWith('median, one row fewer') ? train.slice(1) : train;
    const reference = referenceFit(rowsToFit, spec);
    const streamed = streamedFit(rowsToFit, spec);
    expect(JSON.stringify(streamed, null, 2)).toBe(JSON.stringify(reference, null, 2));
    expect(JSON.stringify(fitTransform(rowsToFit, spec), null, 2)).toBe(JSON.stringify(reference, null, 2));
    expect(streamed.numeric.every((feature, i) => Object.is(feature.mean, reference.numeric[i]?.mean) && Object.is(feature.std, reference.numeric[i]?.std))).toBe(true);
  });

  it('exercises what it claims: missing values, a constant column, a cut vocabulary, a median unlike the mean', () => {
    const byMedian = streamedFit(train, featureSpec({ impute: 'median' }));
    const x = byMedian.numeric.find((feature) => feature.name === 'x');
    expect(x?.impute).not.toBe(x?.mean);
    expect(byMedian.numeric.find((feature) => feature.name === 'c')?.std).toBe(1);
    expect(train.some((row) => row.x === null || row.x === '' || !('x' in row))).toBe(true);
    const city = byMedian.categorical.find((feature) => feature.column === 'city');
    expect(city?.vocabulary).toHaveLength(5);
    expect(new Set(train.map((row) => row.city)).size).toBeGreaterThan(6);
  });

  it('fails with the array fit’s error, feature by feature in spec order', () => {
    const cases: [string, InputRow[], TransformSpec][] = [
      ['an empty split', [], featureSpec()],
      // "x" has no values, "w" a bad one in an earlier row: the array fit meets "x" first.
      ['a feature without values before one with a bad value', train.map((row, i) => ({ ...row, x: null, w: i === 0 ? 'nine' : row.w })), featureSpec()],
      ['a bad value in a later row of an earlier feature', train.map((row, i) => ({ ...row, x: i === 50 ? 'ten' : row.x, w: i === 3 ? 'nine' : row.w })), featureSpec()],
      ['a bad time part', train.map((row, i) => (i === 9 ? { ...row, t: 'later' } : row)), featureSpec()],
      ['a bad category', train.map((row, i) => (i === 4 ? { ...row, city: { name: 'Oslo' } } : row)), featureSpec()],
    ];
    for (const [, input, spec] of cases) {
      const expected = thrown(() => referenceFit(input, spec)) as Error;
      const actual = thrown(() => streamedFit(input, spec)) as Error;
      expect(actual.constructor).toBe(expected.constructor);
      expect(actual.message).toBe(expected.message);
    }
  });
});

describe('split files', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ctrain-feature-streaming-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('a split matrix writer writes rows that expand to the bytes of toMatrix, over several write chunks', async () => {
    // Over 1 MiB of stored rows (9 floats each), and 2^18 floats a chunk is no whole number of rows: one row straddles the chunk boundary.
    const many = syntheticRows(52_000, 11).filter((row) => labelOf(featureSpec().label, row) !== undefined);
    const transform = fitTransform(many, featureSpec());
    const encoding = categorySlots(transform);
    expect(many.length * encodedWidth(encoding) * 4).toBeGreaterThan(1 << 20);
    expect((1 << 18) % encodedWidth(encoding)).not.toBe(0);
    const writer = await SplitMatrixWriter.create(encoding, join(dir, 'm.features.f32'), join(dir, 'm.labels.f32'));
    for (const row of many) await writer.add(applyTransform(transform, row));
    await writer.finish();
    const { features, labels } = toMatrix(transform, many, featureWidth(transform));
    const stored = await readFile(join(dir, 'm.features.f32'));
    expect(stored.length).toBe(many.length * encodedWidth(encoding) * 4);
    const dense = expandRows(encoding, new Float32Array(stored.buffer, stored.byteOffset, stored.length / 4), many.length);
    expect(Buffer.from(dense.buffer).equals(Buffer.from(features.buffer))).toBe(true);
    expect((await readFile(join(dir, 'm.labels.f32'))).equals(Buffer.from(labels.buffer))).toBe(true);
    expect(writer.rows).toBe(many.length);
    // The digests taken on the way are those of the files' bytes, stored with them as their checksums.
    const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
    expect(writer.sha256).toEqual({ features: sha256(stored), labels: sha256(await readFile(join(dir, 'm.labels.f32'))) });
  });

  it('a split matrix writer of no rows writes empty files, as toMatrix of none', async () => {
    const writer = await SplitMatrixWriter.create({ kind: 'category-slots', numeric: 2, blocks: [3] }, join(dir, 'e.features.f32'), join(dir, 'e.labels.f32'));
    await writer.finish();
    expect(writer.sha256.features).toBe(createHash('sha256').digest('hex'));
    expect(await readFile(join(dir, 'e.features.f32'))).toHaveLength(0);
    expect(await readFile(join(dir, 'e.labels.f32'))).toHaveLength(0);
  });

  it('a lines file writes lines.join("\\n"), multi-byte text included, over several write chunks', async () => {
    const lines = syntheticRows(9_000, 3).map((row) => JSON.stringify(row));
    for (const [name, input] of [['many', lines], ['one', lines.slice(0, 1)], ['none', []]] as const) {
      const file = await LinesFile.create(join(dir, `${name}.jsonl`));
      for (const line of input) await file.add(line);
      await file.finish();
      expect((await readFile(join(dir, `${name}.jsonl`))).equals(Buffer.from(input.join('\n')))).toBe(true);
    }
    expect(Buffer.byteLength(lines.join('\n'))).toBeGreaterThan(1 << 20);
  });
});

// --- The whole feature step, on a storage double that keeps objects in memory and holds the snapshot as its one dataset version. ---

interface Stored {
  body: Buffer;
  contentType: string;
}

async function doubles(snapshot: string): Promise<{ storage: ObjectStore; objects: Map<string, Stored> }> {
  const objects = new Map<string, Stored>();
  const dvcFile = Buffer.from(dvcFileText(await dvcVersionOf(snapshot, basename(snapshot))));
  const storage: Partial<ObjectStore> = {
    getBuffer: () => Promise.resolve(dvcFile),
    download: (_ref: ObjectRef, path: string) => copyFile(snapshot, path),
    getJson: () => Promise.resolve(undefined),
    putBuffer: (ref: ObjectRef, body: Buffer, contentType = 'application/octet-stream') => Promise.resolve({ etag: String(void objects.set(`${ref.bucket}/${ref.key}`, { body, contentType })) }),
    putJson: (ref: ObjectRef, value: unknown) => Promise.resolve(void objects.set(`${ref.bucket}/${ref.key}`, { body: Buffer.from(JSON.stringify(value, null, 2)), contentType: 'application/json' })),
    putFile: async (ref: ObjectRef, path: string, contentType = 'application/octet-stream') => void objects.set(`${ref.bucket}/${ref.key}`, { body: await readFile(path), contentType }),
  };
  return { storage: storage as ObjectStore, objects };
}

/** What the array-based feature step stored, by object name. */
async function referenceObjects(snapshot: string, spec: TransformSpec & Pick<PipelineSpec, 'split'>): Promise<Map<string, { body: Buffer; contentType: string }>> {
  const read: TabularRow[] = [];
  for await (const row of readRows(snapshot, 'jsonl')) if (labelOf(spec.label, row) !== undefined) read.push(row);
  const splits = pick(read, referenceSplitIndices(read, spec.split));
  const transform = referenceFit(splits.train, spec);
  const width = featureWidth(transform);
  const objects = new Map<string, { body: Buffer; contentType: string }>([['transform.json', { body: Buffer.from(JSON.stringify(transform, null, 2)), contentType: 'application/json' }]]);
  for (const name of SPLIT_NAMES) {
    const { features, labels } = toMatrix(transform, splits[name], width);
    objects.set(`${name}.features.f32`, { body: Buffer.from(features.buffer), contentType: 'application/octet-stream' });
    objects.set(`${name}.labels.f32`, { body: Buffer.from(labels.buffer), contentType: 'application/octet-stream' });
  }
  objects.set('test.rows.jsonl', { body: Buffer.from(splits.test.map((row) => JSON.stringify(row)).join('\n')), contentType: 'application/x-ndjson' });
  return objects;
}

describe('the feature step', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ctrain-feature-step-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function runStep(spec: TransformSpec & Pick<PipelineSpec, 'split'>, input: readonly InputRow[], name: string) {
    const snapshot = join(dir, `${name}.jsonl`);
    await writeFile(snapshot, `${input.map((row) => JSON.stringify(row)).join('\n')}\n`);
    const { storage, objects } = await doubles(snapshot);
    const ingest = { snapshot: { bucket: 'datasets', key: `${name}.jsonl` }, dvcFile: { bucket: 'datasets', key: `${name}.dvc` }, contentHash: name, datasetVersion: name } as IngestManifest;
    const activities = createFeatureActivities({ storage } as ActivityDependencies);
    const manifest = await activities.feature({ spec: { name: 'streaming', ...spec } as PipelineSpec, ingest, cache: { enabled: false } });
    return { manifest, objects, snapshot };
  }

  it.each([
    ['a time split', timeSplit],
    ['a hash split', hashSplitSpec],
  ])('stores the objects the array-based step stored, with %s', async (label, split) => {
    const spec = { ...featureSpec({ impute: 'median' }), split };
    const { manifest, objects, snapshot } = await runStep(spec, rows, label.replace(/ /g, '-'));
    const expected = await referenceObjects(snapshot, spec);
    const stored = (ref: ObjectRef) => objects.get(`${ref.bucket}/${ref.key}`);
    const byName = (name: string) => stored({ bucket: manifest.transform.bucket, key: manifest.transform.key.replace(/transform\.json$/, name) });
    const transform = JSON.parse(expected.get('transform.json')?.body.toString() ?? '{}') as FeatureTransform;
    expect(manifest.rowEncoding).toEqual(categorySlots(transform));
    for (const [name, { body, contentType }] of expected) {
      const object = byName(name);
      // Features are stored encoded: expanded, they are the array-based step's dense rows.
      const rows = manifest.splits[name.split('.')[0] as SplitName]?.rows ?? 0;
      const stored = name.endsWith('.features.f32') && object ? Buffer.from(expandRows(manifest.rowEncoding!, new Float32Array(object.body.buffer, object.body.byteOffset, object.body.length / 4), rows).buffer) : object?.body;
      expect(stored?.equals(body), name).toBe(true);
      expect(object?.contentType, name).toBe(contentType);
    }
    expect(manifest.width).toBe(featureWidth(transform));
    for (const name of SPLIT_NAMES) expect(manifest.splits[name].rows * 4).toBe(expected.get(`${name}.labels.f32`)?.body.length);
    expect(manifest.splits.test.rows).toBeGreaterThan(0);
    expect(Object.keys(manifest)).toEqual(['step', 'cacheKey', 'cached', 'contentHash', 'finishedAt', 'transform', 'splits', 'testRows', 'width', 'rowEncoding', 'format']);
    expect(stored(manifest.testRows)?.body.equals(expected.get('test.rows.jsonl')?.body ?? Buffer.alloc(1))).toBe(true);
  });

  it('fails without retries on bad data, with the message of the array-based step', async () => {
    const spec = { ...featureSpec(), split: timeSplit };
    const noTime = rows.map((row, i) => (i === 40 || i === 60 ? { ...row, t: null, y: 1 } : row));
    // Rows are counted among the labelled ones, as the array-based step counted them.
    const index = noTime.slice(0, 40).filter((row) => labelOf(spec.label, row) !== undefined).length;
    expect(index).toBeLessThan(40);
    await expect(runStep(spec, noTime, 'no-time')).rejects.toMatchObject({ type: 'DataValidationError', nonRetryable: true, message: `row ${index}: "t" is missing, and a time split needs a time on every row` });
    const unlabelled = rows.map((row) => ({ ...row, y: null }));
    await expect(runStep(spec, unlabelled, 'unlabelled')).rejects.toMatchObject({ type: 'DataValidationError', message: 'No row of dataset unlabelled has a label "y".' });
  });
});
