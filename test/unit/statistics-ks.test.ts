import { describe, expect, it } from 'vitest';
import { kolmogorovSmirnovSf } from '../../statistics/kolmogorov.js';
import { ks2samp, ksAgainstReference } from '../../statistics/ks.js';
import { smirnovSf } from '../../statistics/smirnov.js';

// Reference values come from scipy 1.17.1 / numpy 2.4.6 (Python 3.11), computed in a throwaway
// venv outside the project with the one-liners quoted beside each case. Larger samples are the
// deterministic sequence S(n, a, scale, shift)[i] = ((i·a) mod 1)·scale + shift, i = 1…n, which
// Python and JavaScript evaluate to identical doubles; in Python:
//   S=lambda n,a,scale=1,shift=0:[((i*a)%1)*scale+shift for i in range(1,n+1)]
const S = (n: number, a: number, scale = 1, shift = 0): number[] =>
  Array.from({ length: n }, (_, k) => (((k + 1) * a) % 1) * scale + shift);
const PHI = 0.6180339887498949;
const PLASTIC = 0.7548776662466927;

/** |actual − expected| ≤ 1e-6 · |expected| (so an expected 0 must be exactly 0). */
function expectClose(actual: number, expected: number, relative = 1e-6): void {
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(relative * Math.abs(expected));
}

interface KsCase {
  name: string;
  data1: number[];
  data2: number[];
  /** From ks_2samp(data1, data2) (method='auto'): statistic, pvalue, statistic_location. */
  statistic: number;
  pValue: number;
  location: number;
  method: 'exact' | 'asymp';
}

const cases: KsCase[] = [
  {
    // python -c "from scipy.stats import ks_2samp; print(ks_2samp([0.61,1.43,-0.25,2.07,0.88,1.12,-0.9,0.35],[1.9,2.4,0.75,3.1,1.55,2.85,0.2,2.2,1.05,3.6]))"
    name: 'small samples of unequal size (exact, inside-band recursion)',
    data1: [0.61, 1.43, -0.25, 2.07, 0.88, 1.12, -0.9, 0.35],
    data2: [1.9, 2.4, 0.75, 3.1, 1.55, 2.85, 0.2, 2.2, 1.05, 3.6],
    statistic: 0.575,
    pValue: 0.07043283513871751,
    location: 1.43,
    method: 'exact',
  },
  {
    // python -c "from scipy.stats import ks_2samp; print(ks_2samp([0.3,1.2,-0.4,0.9,2.2,1.7,0.1,-1.1,0.6,1.4],[1.5,0.8,2.9,2.1,1.1,3.3,0.4,2.6,1.9,2.4]))"
    name: 'small samples of equal size (exact, outside-square series)',
    data1: [0.3, 1.2, -0.4, 0.9, 2.2, 1.7, 0.1, -1.1, 0.6, 1.4],
    data2: [1.5, 0.8, 2.9, 2.1, 1.1, 3.3, 0.4, 2.6, 1.9, 2.4],
    statistic: 0.5,
    pValue: 0.16782134274394334,
    location: 1.4,
    method: 'exact',
  },
  {
    // python -c "from scipy.stats import ks_2samp; print(ks_2samp([1,2,2,3,3,3,4],[2,3,3,4,4,5,5,6]))"
    name: 'ties within and across samples',
    data1: [1, 2, 2, 3, 3, 3, 4],
    data2: [2, 3, 3, 4, 4, 5, 5, 6],
    statistic: 0.48214285714285715,
    pValue: 0.2522144522144522,
    location: 3,
    method: 'exact',
  },
  {
    // python -c "from scipy.stats import ks_2samp; S=...; print(ks_2samp(S(300,0.6180339887498949),S(200,0.7548776662466927,1,0.15)))"
    name: 'medium samples, shifted (exact)',
    data1: S(300, PHI),
    data2: S(200, PLASTIC, 1, 0.15),
    statistic: 0.15833333333333333,
    pValue: 0.004465325185520557,
    location: 0.4314828612206725,
    method: 'exact',
  },
  {
    // python -c "from scipy.stats import ks_2samp; S=...; print(ks_2samp(S(10000,0.6180339887498949),S(3000,0.7548776662466927,1.05,0.01)))"
    name: 'a full 10,000-value reference sample against 3,000 current values (still exact)',
    data1: S(10_000, PHI),
    data2: S(3000, PLASTIC, 1.05, 0.01),
    statistic: 0.0567,
    pValue: 6.885922354498611e-7,
    location: 0.9986406884388543,
    method: 'exact',
  },
  {
    // python -c "from scipy.stats import ks_2samp; S=...; print(ks_2samp(S(12000,0.6180339887498949),S(15000,0.7548776662466927,1,0.02)))"
    name: 'large samples (asymp; kstwo via the one-sided Smirnov tail)',
    data1: S(12_000, PHI),
    data2: S(15_000, PLASTIC, 1, 0.02),
    statistic: 0.020166666666666666,
    pValue: 0.008708359036966196,
    location: 0.28377241205544124,
    method: 'asymp',
  },
  {
    // python -c "from scipy.stats import ks_2samp; S=...; print(ks_2samp(S(12000,0.6180339887498949),S(15000,0.7548776662466927,1,0.01)))"
    name: 'large samples (asymp; kstwo via Pelz–Good)',
    data1: S(12_000, PHI),
    data2: S(15_000, PLASTIC, 1, 0.01),
    statistic: 0.010183333333333332,
    pValue: 0.49069002108180093,
    location: 0.015181959532583278,
    method: 'asymp',
  },
  {
    // python -c "from scipy.stats import ks_2samp; S=...; print(ks_2samp([int(v*20) for v in S(12000,0.6180339887498949)],[int(v*20) for v in S(15000,0.7548776662466927,1,0.01)]))"
    name: 'large samples with heavy ties (asymp)',
    data1: S(12_000, PHI).map((v) => Math.floor(v * 20)),
    data2: S(15_000, PLASTIC, 1, 0.01).map((v) => Math.floor(v * 20)),
    statistic: 0.010016666666666646,
    pValue: 0.512114266600689,
    location: 4,
    method: 'asymp',
  },
];

describe('ks2samp matches scipy.stats.ks_2samp', () => {
  it.each(cases)('$name', ({ data1, data2, statistic, pValue, location, method }) => {
    const result = ks2samp(data1, data2);
    expectClose(result.statistic, statistic);
    expectClose(result.pValue, pValue);
    expect(result.location).toBe(location);
    expect(result.method).toBe(method);
  });

  it('is symmetric in its samples apart from the sign', () => {
    const forward = ks2samp(cases[0]!.data1, cases[0]!.data2);
    const backward = ks2samp(cases[0]!.data2, cases[0]!.data1);
    expect(backward.statistic).toBe(forward.statistic);
    expect(backward.pValue).toBe(forward.pValue);
    expect(backward.sign).toBe(-forward.sign);
  });

  it('gives statistic 0 and p-value 1 for identical samples', () => {
    expect(ks2samp([3, 1, 2], [2, 3, 1])).toMatchObject({ statistic: 0, pValue: 1, method: 'exact' });
  });

  it("uses the asymptotic distribution for small samples when asked, as method='asymp'", () => {
    // python -c "from scipy.stats import ks_2samp; print(ks_2samp([0.61,1.43,-0.25,2.07,0.88,1.12,-0.9,0.35],[1.9,2.4,0.75,3.1,1.55,2.85,0.2,2.2,1.05,3.6],method='asymp').pvalue)"
    const result = ks2samp(cases[0]!.data1, cases[0]!.data2, 'asymp');
    expect(result.method).toBe('asymp');
    expectClose(result.pValue, 0.08990390625000004);
  });

  it('rejects empty samples and values that are not finite numbers', () => {
    expect(() => ks2samp([], [1])).toThrow('KS test: the first sample is empty');
    expect(() => ks2samp([1, Number.NaN], [1])).toThrow('KS test: the first sample holds NaN at index 1, not a finite number');
  });
});

describe('ksAgainstReference', () => {
  it('equals the two-sample test with the stored sorted sample as the first sample', () => {
    const reference = [...cases[3]!.data1].sort((a, b) => a - b);
    const result = ksAgainstReference(reference, cases[3]!.data2);
    expectClose(result.statistic, cases[3]!.statistic);
    expectClose(result.pValue, cases[3]!.pValue);
  });

  it('refuses a reference sample that is not sorted', () => {
    expect(() => ksAgainstReference([1, 3, 2], [1])).toThrow('reference sample is not sorted ascending at index 2');
  });
});

describe('kolmogorovSmirnovSf matches scipy.stats.kstwo.sf in every regime', () => {
  // python -c "import scipy.stats as st; print([float(st.kstwo.sf(d,n)) for n,d in [(10,0.08),(50,0.1),(50,0.2),(50,0.35),(20,0.6),(10,0.95),(1000,0.0009),(1000,0.01),(1000,0.03),(1000,0.06),(10000,0.2),(6667,0.02),(6667,0.01),(140,0.05),(141,0.1)]])"
  const grid: [n: number, d: number, sf: number, regime: string][] = [
    [10, 0.08, 0.9999978058034054, 'n·d ≤ 1 (Ruben–Gambino)'],
    [50, 0.1, 0.6623112704658186, 'n ≤ 140, Durbin matrix'],
    [50, 0.2, 0.03143877776953241, 'n ≤ 140, Pomeranz'],
    [50, 0.35, 5.573523514803185e-6, 'n ≤ 140, twice Smirnov'],
    [20, 0.6, 2.0483011649719853e-7, 'd ≥ 0.5, twice Smirnov'],
    [10, 0.95, 1.9531250000000172e-13, 'n·d ≥ n − 1 (Ruben–Gambino)'],
    [1000, 0.0009, 1, 'n > 140, n·d ≤ 1'],
    [1000, 0.01, 0.9999496745370611, 'n > 140, Durbin matrix'],
    [1000, 0.03, 0.3226902143914636, 'n > 140, Pelz–Good'],
    [1000, 0.06, 0.001428597887952891, 'n > 140, twice Smirnov'],
    [10_000, 0.2, 0, 'n·d² ≥ 370'],
    [6667, 0.02, 0.009522631972687882, 'n > 140, twice Smirnov'],
    [6667, 0.01, 0.5142786601234514, 'n > 140, Pelz–Good'],
    [140, 0.05, 0.8576480297656114, 'n = 140, Durbin matrix'],
    [141, 0.1, 0.11128445516467944, 'n = 141, Pelz–Good'],
  ];
  it.each(grid)('n=%d, d=%d: %d (%s)', (n, d, sf) => {
    expectClose(kolmogorovSmirnovSf(n, d), sf);
  });
});

describe('smirnovSf matches scipy.special.smirnov', () => {
  // python -c "import scipy.special as sp; print([float(sp.smirnov(n,x)) for n,x in [(5,0.3),(50,0.2),(1000,0.05),(20,0.01),(200,0.02)]])"
  const grid: [number, number, number][] = [
    [5, 0.3, 0.34282],
    [50, 0.2, 0.01571942744940561],
    [1000, 0.05, 0.006506037390545166],
    [20, 0.01, 0.9879189104955647],
    [200, 0.02, 0.8410019387016985],
  ];
  it.each(grid)('smirnov(%d, %d) = %d', (n, x, sf) => {
    expectClose(smirnovSf(n, x), sf);
  });
});
