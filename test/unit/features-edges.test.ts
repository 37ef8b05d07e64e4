import { describe, expect, it } from 'vitest';
import type { PipelineSpec } from '../../contracts/pipeline-spec.js';
import { applyTransform, fitTransform } from '../../features/transform.js';

/** The feature transform's layout and tie-breaks, pinned exactly. */

const spec = (features: Partial<PipelineSpec['features']>): Pick<PipelineSpec, 'features' | 'label'> => ({
  features: { numeric: [], categorical: [], impute: 'mean', maxVocabulary: 1000, ...features },
  label: { column: 'y', kind: 'regression' },
});

describe('one-hot blocks', () => {
  it('follow each other without overlap: each categorical feature has its vocabulary and an OOV slot', () => {
    const rows = [
      { x: 1, a: 'p', b: 'u', y: 0 },
      { x: 3, a: 'q', b: 'v', y: 1 },
      { x: 5, a: 'p', b: 'u', y: 2 },
    ];
    const transform = fitTransform(rows, spec({ numeric: ['x'], categorical: ['a', 'b'] }));
    // x | a: p q OOV | b: u v OOV
    expect([...applyTransform(transform, { x: 3, a: 'q', b: 'v' }).features]).toEqual([0, 0, 1, 0, 0, 1, 0]);
    expect([...applyTransform(transform, { x: 3, a: 'p', b: 'u' }).features]).toEqual([0, 1, 0, 0, 1, 0, 0]);
    expect([...applyTransform(transform, { x: 3, a: 'new', b: 'new' }).features]).toEqual([0, 0, 0, 1, 0, 0, 1]);
    expect([...applyTransform(transform, { x: 3 }).features]).toEqual([0, 0, 0, 1, 0, 0, 1]);
  });
});

describe('the vocabulary', () => {
  it('keeps the most frequent categories, equal counts by value, whatever the row order', () => {
    const values = ['c', 'b', 'a', 'd', 'd'];
    const fit = (order: string[]) => fitTransform(order.map((a, i) => ({ a, y: i })), spec({ categorical: ['a'], maxVocabulary: 3 })).categorical[0]?.vocabulary;
    expect(fit(values)).toEqual(['d', 'a', 'b']);
    expect(fit([...values].reverse())).toEqual(['d', 'a', 'b']);
  });
});

describe('numeric features', () => {
  it('impute the median of an even count as the mean of the middle two, and of an odd count as the middle one', () => {
    const fit = (xs: number[]) => fitTransform(xs.map((x, i) => ({ x, y: i })), spec({ numeric: ['x'], impute: 'median' })).numeric[0]?.impute;
    expect(fit([10, 1, 4, 2])).toBe(3);
    expect(fit([10, 1, 4])).toBe(4);
  });

  it('standardise with the population standard deviation, and map a constant column to 0', () => {
    const transform = fitTransform([{ x: 1, c: 7, y: 0 }, { x: 3, c: 7, y: 1 }], spec({ numeric: ['x', 'c'] }));
    expect(transform.numeric.map(({ mean, std, impute }) => ({ mean, std, impute }))).toEqual([
      { mean: 2, std: 1, impute: 2 },
      { mean: 7, std: 1, impute: 7 },
    ]);
    expect([...applyTransform(transform, { x: 5, c: 7 }).features]).toEqual([3, 0]);
    expect([...applyTransform(transform, { c: 7 }).features]).toEqual([0, 0]);
  });
});
