import { gammaQ } from './gamma.js';

/** P(Z > z) for a standard normal Z, through erfc(x) = Q(1/2, x²). */
export function upperNormalTail(z: number): number {
  const tail = 0.5 * gammaQ(0.5, (z * z) / 2);
  return z >= 0 ? tail : 1 - tail;
}
