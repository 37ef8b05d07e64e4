import { describe, expect, it } from 'vitest';
import { upperNormalTail } from '../../statistics/normal.js';

describe('upperNormalTail', () => {
  // Reference: python -c "from scipy.stats import norm; print([norm.sf(z) for z in (0, 1.6448536269514722, 1.959963984540054, -1, 3.5)])"
  it('matches scipy.stats.norm.sf', () => {
    expect(upperNormalTail(0)).toBeCloseTo(0.5, 12);
    expect(upperNormalTail(1.6448536269514722)).toBeCloseTo(0.05, 10);
    expect(upperNormalTail(1.959963984540054)).toBeCloseTo(0.025, 10);
    expect(upperNormalTail(-1)).toBeCloseTo(0.8413447460685429, 10);
    expect(upperNormalTail(3.5)).toBeCloseTo(0.00023262907903552502, 12);
  });
});
