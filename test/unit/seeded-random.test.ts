import { describe, expect, it } from 'vitest';
import { epochPermutation } from '../../model/shuffle.js';
import { permutation, seededRandom } from '../../tabular/seeded-random.js';

// Training repeats from its seed only while these sequences do: the values below are what the
// generator and shuffle gave before they were made one (model/importance.ts had its own copy).
describe('the seeded generator and shuffle', () => {
  it('draws the same numbers from the same seed', () => {
    const random = seededRandom(42);
    expect([random(), random(), random()]).toEqual([0.6011037519201636, 0.44829055899754167, 0.8524657934904099]);
  });

  it('shuffles the same way from the same generator', () => {
    expect([...permutation(10, seededRandom(9))]).toEqual([6, 0, 2, 8, 3, 4, 5, 9, 7, 1]);
  });

  it('orders an epoch by (seed, epoch) alone', () => {
    expect([...epochPermutation(10, 42, 0)]).toEqual([4, 5, 2, 9, 1, 7, 0, 6, 3, 8]);
    expect([...epochPermutation(10, 42, 3)]).toEqual([1, 3, 7, 0, 2, 6, 8, 4, 5, 9]);
  });

  it('is a permutation for every size', () => {
    for (const n of [0, 1, 2, 17]) expect([...permutation(n, seededRandom(n))].sort((a, b) => a - b)).toEqual([...Array(n).keys()]);
  });
});
