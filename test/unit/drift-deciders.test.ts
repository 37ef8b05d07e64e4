import { describe, expect, it } from 'vitest';
import { driftThresholds } from '../../drift/spec-thresholds.js';
import { pipelineSpecSchema } from '../../contracts/pipeline-spec.js';
import { buildDriftReference } from '../../drift/reference.js';
import { compareToReference } from '../../drift/report.js';
import type { InputRow } from '../../features/values.js';
import { seededRandom } from '../../tabular/seeded-random.js';

const BASE = { name: 'm', source: { uri: 'file:///tmp/x.csv', format: 'csv' }, label: { column: 'y', kind: 'binary' }, features: { numeric: ['x'] }, split: { by: 'hash', keys: ['x'] }, evaluation: { metric: 'auc', threshold: 0.6 } };
const driftOf = (drift: Record<string, unknown> = {}) => pipelineSpecSchema.parse({ ...BASE, drift }).drift;

/** Rows with x ~ N(shift, 1) (the sum of 12 uniforms less 6) and a category drawn with the given shares. */
function rows(n: number, seed: number, shift = 0, shares = [1 / 3, 1 / 3, 1 / 3]): InputRow[] {
  const next = seededRandom(seed);
  return Array.from({ length: n }, () => {
    let x = shift - 6;
    for (let k = 0; k < 12; k++) x += next();
    const u = next();
    const city = u < shares[0]! ? 'paris' : u < shares[0]! + shares[1]! ? 'lyon' : 'nice';
    return { x, city };
  });
}

describe('which statistics decide drift', () => {
  it('by default PSI alone decides; the spec may name others, each with its effect-size guard', () => {
    expect(driftThresholds(driftOf())).toEqual({ psi: 0.2, minRows: 500 });
    expect(driftThresholds(driftOf({ decideBy: ['ks', 'chiSquare', 'jensenShannon'] }))).toEqual({
      psi: 0.2,
      minRows: 500,
      psiDecides: false,
      ksPValue: 0.001,
      ksStatistic: 0.1,
      chiSquarePValue: 0.001,
      chiSquareEffect: 0.1,
      jensenShannon: 0.1,
    });
    expect(() => driftOf({ decideBy: [] })).toThrow(/must name at least one statistic/);
    expect(() => driftOf({ decideBy: ['psi', 'psi'] })).toThrow(/must not name a statistic twice/);
    expect(() => driftOf({ decideBy: ['t-test'] })).toThrow();
  });

  const reference = buildDriftReference({ rows: rows(20_000, 1), numeric: ['x'], categorical: ['city'], scores: Array.from({ length: 20_000 }, (_, i) => (i % 100) / 100) });
  // A real but tiny shift over many rows: x by 0.06 deviations, the categories by about a point.
  const live = rows(300_000, 2, 0.06, [0.35, 0.33, 0.32]);
  const scores = live.map((_, i) => (i % 100) / 100);

  it('on a large window a tiny shift has tiny p-values: alone they would alarm, the guards do not, and PSI never did', () => {
    const unguarded = compareToReference(reference, live, scores, { psi: 0.2, minRows: 100, psiDecides: false, ksPValue: 0.001, chiSquarePValue: 0.001 });
    expect(unguarded.driftedFeatures).toEqual(['x', 'city']);
    const guarded = compareToReference(reference, live, scores, driftThresholds(driftOf({ decideBy: ['ks', 'chiSquare'] })));
    expect(guarded.verdict).toBe('no-drift');
    expect(guarded.features[0]!.reason).toMatch(/^"x" did not drift: KS p-value [\d.e-]+ \(statistic 0\.0\d+\) is below 0\.001, and its statistic 0\.0\d+ is below 0\.1\.$/);
    expect(guarded.features[1]!.reason).toMatch(/^"city" did not drift: chi-square p-value [\d.e-]+ \(statistic [\d.]+, 2 df\) is below 0\.001, and its Cohen's w 0\.0\d+ is below 0\.1\.$/);
    expect(compareToReference(reference, live, scores, driftThresholds(driftOf())).verdict).toBe('no-drift');
  });

  it('a large shift passes the guards too', () => {
    const moved = rows(5_000, 3, 0.8, [0.6, 0.2, 0.2]);
    const judged = compareToReference(reference, moved, moved.map((_, i) => (i % 100) / 100), driftThresholds(driftOf({ decideBy: ['ks', 'chiSquare'] })));
    expect(judged.driftedFeatures).toEqual(['x', 'city']);
    expect(judged.features[0]!.reason).toMatch(/and its statistic 0\.\d+ is at least 0\.1\.$/);
  });
});
