import { describe, expect, it } from 'vitest';
import { denseSplitsProblem, loadSplit } from '../../activities/matrices.js';
import type { FeatureManifest, ObjectRef } from '../../contracts/pipeline-run.js';
import type { FeatureTransform } from '../../features/feature-transform.js';
import { FEATURE_TRANSFORM_VERSION, featureWidth } from '../../features/feature-transform.js';
import { categorySlots, encodedWidth, encodeRow, expandRows, RowEncodingError } from '../../features/row-encoding.js';
import { applyTransform } from '../../features/transform.js';
import type { ObjectStore } from '../../storage/gateway.js';

const transform: FeatureTransform = {
  version: FEATURE_TRANSFORM_VERSION,
  fittedRows: 10,
  numeric: [
    { name: 'distance', column: 'distance', impute: 500, mean: 480, std: 120 },
    { name: 'date.hour', column: 'date', timePart: 'hour', impute: 12, mean: 12.5, std: 5 },
  ],
  categorical: [
    { column: 'origin', encoding: 'one-hot', vocabulary: ['OSL', 'BGO', 'TRD'] },
    { column: 'empty', encoding: 'one-hot', vocabulary: [] },
    { column: 'destination', encoding: 'one-hot', vocabulary: ['SVG'] },
  ],
  label: { column: 'late', kind: 'binary' },
};

const rows = [
  { distance: 300, date: '2024-03-01T07:00:00Z', origin: 'BGO', destination: 'SVG', late: 1 },
  { distance: null, date: '2024-03-01T23:00:00Z', origin: 'XXX', destination: 'OSL', late: 0 },
  { distance: 1e6, date: null, origin: 'TRD', empty: 'a', late: 1 },
  { origin: 'OSL', destination: 'SVG', late: 0 },
];

describe('rows encoded as category slots', () => {
  const encoding = categorySlots(transform);

  it('stores a number per numeric feature and a slot per categorical one, and expands to the rows applyTransform gives', () => {
    expect(encoding).toEqual({ kind: 'category-slots', numeric: 2, blocks: [4, 1, 2] });
    expect(encodedWidth(encoding)).toBe(5);
    const dense = rows.map((row) => applyTransform(transform, row).features);
    const encoded = new Float32Array(rows.length * encodedWidth(encoding));
    dense.forEach((features, i) => encodeRow(encoding, features, encoded, i * encodedWidth(encoding)));
    // The second row: distance imputed, hour 23, origin out of vocabulary (slot 3), no `empty` (its only slot), destination out of vocabulary (slot 1).
    expect(Array.from(encoded.subarray(5, 10))).toEqual([(500 - 480) / 120, (23 - 12.5) / 5, 3, 0, 1].map(Math.fround));
    const expanded = expandRows(encoding, encoded, rows.length);
    expect(expanded).toHaveLength(rows.length * featureWidth(transform));
    expect(expanded).toEqual(new Float32Array(dense.flatMap((features) => Array.from(features))));
  });

  it('refuses stored rows that do not fit the encoding: a wrong length, a slot outside its block, a slot that is no whole number', () => {
    expect(() => expandRows(encoding, new Float32Array(9), 2)).toThrow(new RowEncodingError('the stored features hold 9 floats, not 2 rows of 5'));
    expect(() => expandRows(encoding, Float32Array.of(0, 0, 1, 0, 2), 1)).toThrow(new RowEncodingError('row 0: slot 2 of one-hot block 2 is outside its 2 slots'));
    expect(() => expandRows(encoding, Float32Array.of(0, 0, 0.5, 0, 0), 1)).toThrow(new RowEncodingError('row 0: slot 0.5 of one-hot block 0 is outside its 4 slots'));
    expect(() => encodeRow(encoding, new Float32Array(featureWidth(transform)), new Float32Array(5), 0)).toThrow(new RowEncodingError('one-hot block 0 of the row has no hot slot'));
  });
});

describe('loading a split the feature step stored', () => {
  const ref = (key: string): ObjectRef => ({ bucket: 'artifacts', key });
  const storageOf = (objects: Record<string, Float32Array>) => ({ getBuffer: (object: ObjectRef) => Promise.resolve(Buffer.from(objects[object.key]!.buffer)) }) as unknown as ObjectStore;
  const manifestOf = (rowEncoding: FeatureManifest['rowEncoding']): FeatureManifest => {
    const split = { features: ref('train.features.f32'), labels: ref('train.labels.f32'), rows: 2 };
    return { step: 'feature', cacheKey: 'k', cached: false, contentHash: 'k', finishedAt: '', transform: ref('transform.json'), splits: { train: split, validation: split, test: split }, testRows: ref('test.rows.jsonl'), width: featureWidth(transform), ...(rowEncoding ? { rowEncoding } : {}) };
  };
  const dense = new Float32Array(rows.slice(0, 2).flatMap((row) => Array.from(applyTransform(transform, row).features)));
  const labels = Float32Array.of(1, 0);

  it('expands encoded rows, and takes the dense rows of a manifest written before rows were encoded as they are', async () => {
    const encoding = categorySlots(transform);
    const encoded = new Float32Array(2 * encodedWidth(encoding));
    const width = featureWidth(transform);
    for (let i = 0; i < 2; i++) encodeRow(encoding, dense.subarray(i * width, (i + 1) * width), encoded, i * encodedWidth(encoding));
    const fromEncoded = await loadSplit(storageOf({ 'train.features.f32': encoded, 'train.labels.f32': labels }), manifestOf(encoding), 'train');
    const fromDense = await loadSplit(storageOf({ 'train.features.f32': dense, 'train.labels.f32': labels }), manifestOf(undefined), 'train');
    for (const split of [fromEncoded, fromDense]) expect(split).toEqual({ features: dense, labels, rows: 2, width });
  });

  it('says when the dense rows of the splits to train on would not fit in the machine, with what would shrink them', () => {
    const wide = (rows: number, width: number, blocks: number[]): FeatureManifest => {
      const manifest = manifestOf({ kind: 'category-slots', numeric: width - blocks.reduce((sum, block) => sum + block, 0), blocks });
      const split = (n: number) => ({ ...manifest.splits.train, rows: n });
      return { ...manifest, width, splits: { train: split(rows), validation: split(rows / 4), test: split(rows / 4) } };
    };
    // 40 categorical features of up to 778 slots over 700,000 rows: 87 GB of float32, on a 24 GiB machine.
    const many = wide(700_000, 31_155, Array.from({ length: 40 }, () => 778));
    expect(denseSplitsProblem(many, ['train', 'validation'], 24 * 2 ** 30)).toBe(
      "the train and validation rows as the network reads them (875000 rows of 31155 float32 features, every category a feature of its own) take 101.6 GiB, more than this machine's 24.0 GiB of memory. Fewer categorical features (40 now) or a lower feature.maxVocabulary, or fewer rows, would make them fit",
    );
    expect(denseSplitsProblem(many, ['train'], 128 * 2 ** 30)).toBeUndefined();
    expect(denseSplitsProblem(manifestOf(categorySlots(transform)), ['train', 'validation'])).toBeUndefined();
    // Dense rows as stored before rows were encoded: no categories to name.
    expect(denseSplitsProblem({ ...manifestOf(undefined), width: 2 ** 20 }, ['train'], 4 * 2 ** 20)).toMatch(/\(2 rows of 1048576 float32 features, .*\) take 8\.0 MiB, more than this machine's 4\.0 MiB of memory\. Fewer features or fewer rows would make them fit$/);
  });

  it('names the object whose rows do not expand', async () => {
    const load = loadSplit(storageOf({ 'train.features.f32': new Float32Array(7), 'train.labels.f32': labels }), manifestOf(categorySlots(transform)), 'train');
    await expect(load).rejects.toThrow(new RowEncodingError('s3://artifacts/train.features.f32: the stored features hold 7 floats, not 2 rows of 5'));
  });
});
