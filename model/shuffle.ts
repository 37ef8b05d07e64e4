/**
 * Seeded row order for each epoch. Derived from (seed, epoch) alone, so a run resumed at
 * epoch k visits rows in the same order an uninterrupted run would.
 */
import { permutation, seededRandom } from '../tabular/seeded-random.js';

/** A permutation of 0..n-1 drawn from a generator seeded by (seed, epoch). */
export function epochPermutation(n: number, seed: number, epoch: number): Int32Array {
  return permutation(n, seededRandom(mixSeeds(seed, epoch)));
}

/** Combines two integers into a well-spread 32-bit seed (a murmur3-style finaliser). */
export function mixSeeds(a: number, b: number): number {
  let h = Math.imul(a ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(b + 0x632be5ab, 0xc2b2ae35);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

