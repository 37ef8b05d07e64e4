import { describe, expect, it } from 'vitest';
import { categoricalChiSquare } from '../../drift/categorical.js';
import { chiSquare, jensenShannon } from '../../statistics/chi-square.js';
import { chiSquareSf, gammaQ, logGamma } from '../../statistics/gamma.js';
import { alignCategories, binCounts, binIndex, countCategories, MISSING_BUCKET, psi, PSI_EPSILON, referenceBins, toShares, UNSEEN_BUCKET } from '../../drift/psi.js';

// Reference values come from numpy 2.4.6 / scipy 1.17.1 (Python 3.11), computed in a throwaway
// venv outside the project with the one-liners quoted beside each case. S is the deterministic
// sequence ((i·a) mod 1)·scale + shift, i = 1…n, identical in Python and JavaScript:
//   S=lambda n,a,scale=1,shift=0:[((i*a)%1)*scale+shift for i in range(1,n+1)]
const S = (n: number, a: number, scale = 1, shift = 0): number[] =>
  Array.from({ length: n }, (_, k) => (((k + 1) * a) % 1) * scale + shift);

/** |actual − expected| ≤ 1e-6 · |expected|. */
function expectClose(actual: number, expected: number, relative = 1e-6): void {
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(relative * Math.abs(expected));
}

describe('psi', () => {
  it('matches a hand computation over ten equal reference bins', () => {
    // python -c "import numpy as np; r=np.array([0.1]*10); c=np.array([0.08,0.09,0.1,0.11,0.12,0.1,0.1,0.09,0.11,0.1]); print(np.sum((c-r)*np.log(c/r)))"
    const current = [0.08, 0.09, 0.1, 0.11, 0.12, 0.1, 0.1, 0.09, 0.11, 0.1];
    expectClose(psi(new Array<number>(10).fill(0.1), current), 0.012122716071406312);
  });

  it('counts an empty bin as epsilon (1e-4) instead of dividing by zero', () => {
    // python -c "import numpy as np; r=np.maximum(np.array([0.2,0.3,0.5,0.0]),1e-4); c=np.maximum(np.array([0.1,0.3,0.4,0.2]),1e-4); print(np.sum((c-r)*np.log(c/r)))"
    expect(PSI_EPSILON).toBe(1e-4);
    expectClose(psi([0.2, 0.3, 0.5, 0], [0.1, 0.3, 0.4, 0.2]), 1.6110494748498778);
    expect(psi([0.5, 0.5, 0], [0.5, 0.5, 0])).toBe(0);
  });

  it('is zero for identical shares and refuses misaligned ones', () => {
    expect(psi([0.25, 0.75], [0.25, 0.75])).toBe(0);
    expect(() => psi([0.5, 0.5], [1])).toThrow('PSI needs aligned buckets: 2 reference shares but 1 current ones');
  });
});

describe('reference bins', () => {
  const training = S(1000, 0.6180339887498949);
  const current = S(400, 0.7548776662466927, 1.2, -0.05);

  it('puts edges at the deciles, as numpy.quantile', () => {
    // python -c "import numpy as np; S=...; print(np.quantile(S(1000,0.6180339887498949),np.arange(1,10)/10).tolist())"
    const expected = [
      0.10010131710180303, 0.20020263420360607, 0.3003039513054091, 0.40058650994869827, 0.4997734480731424, 0.5998747651749454,
      0.700293254974349, 0.7993442619426787, 0.8994455790444817,
    ];
    const edges = referenceBins(training);
    expect(edges).toHaveLength(9);
    edges.forEach((edge, i) => expectClose(edge, expected[i]!));
  });

  it('gives the PSI numpy gives for the same bins (values past the training range in the outer bins)', () => {
    // python -c "import numpy as np; S=...; x=np.array(S(1000,0.6180339887498949)); y=np.array(S(400,0.7548776662466927,1.2,-0.05)); e=np.quantile(x,np.arange(1,10)/10); r=np.bincount(np.searchsorted(e,x,'left'),minlength=10)/len(x); c=np.bincount(np.searchsorted(e,y,'left'),minlength=10)/len(y); print(c.tolist(), np.sum((c-r)*np.log(c/r)))"
    const edges = referenceBins(training);
    const referenceShares = toShares(binCounts(edges, training).slice(0, -1));
    const currentShares = toShares(binCounts(edges, current).slice(0, -1));
    expect(currentShares).toEqual([0.1275, 0.085, 0.08, 0.085, 0.085, 0.08, 0.085, 0.0825, 0.08, 0.21]);
    expectClose(psi(referenceShares, currentShares), 0.11480038480206675);
  });

  it('closes bins on the right and drops repeated edges from tied values', () => {
    const edges = referenceBins([0, 0, 0, 0, 0, 0, 0, 1, 2, 3]);
    expect(edges[0]).toBe(0);
    expect(new Set(edges).size).toBe(edges.length);
    expect(binIndex(edges, 0)).toBe(0);
    expect(binIndex(edges, -5)).toBe(0);
    expect(binIndex(edges, 99)).toBe(edges.length);
    expect(referenceBins([7, 7, 7])).toEqual([7]);
    expect(referenceBins([])).toEqual([]);
  });

  it('counts missing values in a bucket of their own, last', () => {
    expect(binCounts([1, 2], [0.5, undefined, 1.5, 3, undefined])).toEqual([1, 1, 1, 2]);
  });
});

describe('categories', () => {
  const reference = countCategories(['a', 'a', 'b', undefined, 'c', 'a', 'b']);

  it('counts categories most frequent first, with missing apart', () => {
    expect(reference).toEqual({
      categories: [
        { value: 'a', count: 3 },
        { value: 'b', count: 2 },
        { value: 'c', count: 1 },
      ],
      otherCount: 0,
      missingCount: 1,
      total: 7,
    });
  });

  it('pools categories past the limit', () => {
    expect(countCategories(['a', 'a', 'b', 'c'], 1)).toMatchObject({ categories: [{ value: 'a', count: 2 }], otherCount: 2, total: 4 });
  });

  it('pools unseen current categories into one explicit bucket, missing into another', () => {
    const aligned = alignCategories(reference, ['a', 'z', 'y', undefined, 'z']);
    expect(aligned.labels).toEqual(['a', 'b', 'c', UNSEEN_BUCKET, MISSING_BUCKET]);
    expect(aligned.reference).toEqual([3, 2, 1, 0, 1]);
    expect(aligned.current).toEqual([1, 0, 0, 3, 1]);
    // The unseen bucket's reference share is 0, so PSI uses epsilon for it and stays finite.
    const value = psi(toShares(aligned.reference), toShares(aligned.current));
    expect(Number.isFinite(value)).toBe(true);
    expect(value).toBeGreaterThan(1);
  });
});

describe('chiSquare matches scipy.stats.chisquare', () => {
  const cases: { observed: number[]; expected: number[]; statistic: number; pValue: number; source: string }[] = [
    {
      source: 'chisquare([16,18,16,14,12,12],[16,16,16,16,16,8])',
      observed: [16, 18, 16, 14, 12, 12],
      expected: [16, 16, 16, 16, 16, 8],
      statistic: 3.5,
      pValue: 0.6233876277495822,
    },
    {
      source: 'chisquare([43,52,54,40],[47.25,47.25,47.25,47.25])',
      observed: [43, 52, 54, 40],
      expected: [47.25, 47.25, 47.25, 47.25],
      statistic: 2.9365079365079363,
      pValue: 0.4015183527259283,
    },
    {
      source: 'chisquare([120,80,60,40],[75,75,75,75])',
      observed: [120, 80, 60, 40],
      expected: [75, 75, 75, 75],
      statistic: 46.666666666666664,
      pValue: 4.0919436338928374e-10,
    },
  ];
  // python -c "from scipy.stats import chisquare; print(<source>)"
  it.each(cases)('$source', ({ observed, expected, statistic, pValue }) => {
    const result = chiSquare(observed, expected);
    expectClose(result.statistic, statistic);
    expect(result.df).toBe(observed.length - 1);
    expectClose(result.pValue, pValue);
  });

  it('tests current categories against reference frequencies, an unseen category expected at epsilon', () => {
    // Reference a 500, b 300, c 150, missing 50; current a 400, b 330, c 218, 2 unseen, 50 missing.
    // python -c "import numpy as np; from scipy.stats import chisquare; s=np.maximum(np.array([500,300,150,0,50])/1000,1e-4); print(chisquare([400,330,218,2,50], 1000*s/s.sum()))"
    const reference = countCategories([...rows('a', 500), ...rows('b', 300), ...rows('c', 150), ...rows(undefined, 50)]);
    const current = [...rows('a', 400), ...rows('b', 330), ...rows('c', 218), 'new', 'newer', ...rows(undefined, 50)];
    const result = categoricalChiSquare(alignCategories(reference, current));
    expectClose(result.statistic, 89.93564933333332);
    expect(result.df).toBe(4);
    expectClose(result.pValue, 1.3588635089479954e-18);
  });

  it('leaves out buckets empty on both sides', () => {
    const reference = countCategories(['a', 'b']);
    expect(categoricalChiSquare(alignCategories(reference, ['a', 'b', 'a', 'b']))).toEqual({ statistic: 0, df: 1, pValue: 1 });
  });

  it('refuses unequal totals, as scipy does', () => {
    expect(() => chiSquare([1, 2], [1, 1])).toThrow('chi-square needs equal totals: observed 3, expected 2');
  });
});

describe('jensenShannon matches scipy.spatial.distance.jensenshannon(p, q, base=2) squared', () => {
  // scipy returns the distance, the square root of the divergence: the literals are its square.
  const cases: { p: number[]; q: number[]; divergence: number; source: string }[] = [
    { source: 'jensenshannon([0.5,0.3,0.2,0.0],[0.4,0.3,0.25,0.05],base=2)**2', p: [0.5, 0.3, 0.2, 0], q: [0.4, 0.3, 0.25, 0.05], divergence: 0.031023659609200026 },
    { source: 'jensenshannon([1,0],[0,1],base=2)**2', p: [1, 0], q: [0, 1], divergence: 1 },
    { source: 'jensenshannon([500,300,200,0,0],[400,300,250,50,10],base=2)**2', p: [500, 300, 200, 0, 0], q: [400, 300, 250, 50, 10], divergence: 0.035892165856107494 },
    { source: 'jensenshannon([500,300,150,0,50],[400,330,218,2,50],base=2)**2', p: [500, 300, 150, 0, 50], q: [400, 330, 218, 2, 50], divergence: 0.0100893094791346 },
  ];
  // python -c "from scipy.spatial.distance import jensenshannon; print(<source>)"
  it.each(cases)('$source', ({ p, q, divergence }) => {
    expectClose(jensenShannon(p, q), divergence);
  });

  it('is 0 for equal distributions', () => {
    expect(jensenShannon([1, 2, 3], [2, 4, 6])).toBe(0);
  });
});

describe('incomplete gamma matches scipy.special', () => {
  // python -c "import scipy.special as sp; print([float(sp.gammaincc(a,x)) for a,x in [(0.5,0.1),(1.5,4.0),(10,3),(10,25),(250,300),(2,0.001)]])"
  const upper: [number, number, number][] = [
    [0.5, 0.1, 0.6547208460185768],
    [1.5, 4, 0.04601170568923136],
    [10, 3, 0.9988975118698845],
    [10, 25, 0.0002214766382487835],
    [250, 300, 0.001377471877528201],
    [2, 0.001, 0.9999995003332084],
  ];
  it.each(upper)('gammaincc(%d, %d) = %d', (a, x, q) => {
    expectClose(gammaQ(a, x), q);
  });

  // python -c "import scipy.special as sp; print([float(sp.gammaln(x)) for x in [0.1,0.5,3.7,50,1000]])"
  const logs: [number, number][] = [
    [0.1, 2.252712651734206],
    [0.5, 0.5723649429247],
    [3.7, 1.428072326665388],
    [50, 144.56574394634487],
    [1000, 5905.220423209181],
  ];
  it.each(logs)('gammaln(%d) = %d', (x, value) => {
    expectClose(logGamma(x), value);
  });

  it('gives chi-square tail probabilities', () => {
    // python -c "from scipy.stats import chi2; print(chi2.sf(3.5, 5))"
    expectClose(chiSquareSf(3.5, 5), 0.6233876277495822);
    expect(chiSquareSf(0, 3)).toBe(1);
  });
});

function rows<T>(value: T, count: number): T[] {
  return new Array<T>(count).fill(value);
}
