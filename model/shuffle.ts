/**
 * Seeded row order for each epoch. Derived from (seed, epoch) alone, so a run resumed at
 * epoch k visits rows in the same order an uninterrupted run would.
 */
import { seededRandom } from '../tabular/seeded-random.js';

/** A Fisher–Yates permutation of 0..n-1 drawn from a generator seeded by (seed, epoch). */
export function epochPermutation(n: number, seed: number, epoch: number): Int32Array {
  const random = seededRandom(mix(seed, epoch));
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const swap = order[i] as number;
    order[i] = order[j] as number;
    order[j] = swap;
  }
  return order;
}

/** Combines two integers into a well-spread 32-bit seed (a murmur3-style finaliser). */
function mix(a: number, b: number): number {
  let h = Math.imul(a ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(b + 0x632be5ab, 0xc2b2ae35);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

