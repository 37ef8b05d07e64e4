import { describe, expect, it } from 'vitest';
import { numericSummary } from '../../drift/engine-summaries.js';
import { binCounts, psi, referenceBins, toShares } from '../../drift/psi.js';
import { ksAgainstReference } from '../../statistics/ks.js';
import { snapToReference } from '../../statistics/ties.js';
import { sqlDouble, withEngine } from '../../tabular/engine.js';
import { seededRandom } from '../../tabular/seeded-random.js';

// Scores as a small network gives them: a fifth of rows share one score (every ReLU off for them),
// the rest spread. The model server's backend answers the shared score 1e-7 above the trainer's.
const SHARED = 0.1636682;
function scores(rows: number, seed: number, shared: number): number[] {
  const next = seededRandom(seed);
  return Array.from({ length: rows }, (_, i) => (i % 5 === 0 ? shared : 0.1 + 0.4 * next()));
}
const reference = scores(1000, 1, SHARED);
const live = scores(800, 2, SHARED + 1e-7);

describe('live values that tie with reference values', () => {
  it('fall in the reference bin of the value they tie with: no PSI from the last bits of another backend', () => {
    const edges = referenceBins(reference);
    expect(edges.some((edge) => edge === SHARED)).toBe(true);
    const index = psi(toShares(binCounts(edges, reference)), toShares(binCounts(edges, live)));
    expect(index).toBeLessThan(0.05);
    // A value past the tolerance is another value.
    expect(psi(toShares(binCounts(edges, reference)), toShares(binCounts(edges, scores(800, 2, SHARED + 1e-5))))).toBeGreaterThan(0.2);
  });

  it('bin alike in the engine, whose reference summaries the drift check keeps', async () => {
    const counts = await withEngine(async (engine) => {
      await engine.run(`create table scores as select * from (values ${reference.map((score) => `(${sqlDouble(score)})`).join(', ')}) as v(score)`);
      const summary = await numericSummary(engine, 'scores', 'score');
      return { edges: summary.edges, shares: summary.shares };
    });
    expect(counts.shares).toEqual(toShares(binCounts(counts.edges, reference)).slice(0, -1));
  });

  it('are taken as the reference value by the KS test, so a shared score moved by 1e-7 is no gap', () => {
    const sorted = [...reference].sort((a, b) => a - b);
    expect(ksAgainstReference(sorted, live).pValue).toBeGreaterThan(0.05);
    expect(snapToReference(sorted, [SHARED + 1e-7, SHARED + 1e-5, 0.05])).toEqual([SHARED, SHARED + 1e-5, 0.05]);
  });
});
