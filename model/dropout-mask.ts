import { fillSeededBits } from '../tabular/seeded-random.js';
import { mixSeeds } from './shuffle.js';

/**
 * The dropout mask of one layer for one training batch: each unit kept with probability
 * 1 - rate and then scaled by 1 / (1 - rate), dropped as 0. A pure function of (seed, epoch,
 * batch), so a resumed run draws the masks an unbroken one would, on every backend alike.
 * Drawn in JavaScript by the project's seeded generator rather than by tf.randomUniform with a
 * seed, whose seedrandom generator took 0.4 ms for a 1024 × 32 mask here, a sixth of a whole
 * training step on the native backend; this takes about a tenth of that.
 */
export function dropoutMask(rows: number, units: number, rate: number, seed: number, epoch: number, batch: number): Float32Array {
  const kept = 1 / (1 - rate);
  const mask = new Float32Array(rows * units);
  // Each 32-bit draw decides two units by its halves: the rate is matched to 1/65536.
  const bits = fillSeededBits(mixSeeds(mixSeeds(seed, epoch), batch), new Uint32Array(Math.ceil(mask.length / 2)));
  const dropBelow = Math.round(rate * 0x10000) | 0;
  for (let i = 0; i < bits.length; i++) {
    const draw = bits[i]!;
    mask[2 * i] = draw >>> 16 < dropBelow ? 0 : kept;
    // An odd-length mask ignores the last draw's low half (a write past the end does nothing).
    mask[2 * i + 1] = (draw & 0xffff) < dropBelow ? 0 : kept;
  }
  return mask;
}
