/**
 * The model server's compiled row encoder against the reference path it replaces:
 * validateServingRow for the problems, clipServingRow and applyTransform for the numbers. Over
 * many generated rows, good and bad, under both out-of-range rules, the two must agree exactly.
 */
import { describe, expect, it } from 'vitest';
import type { FeatureTransform } from '../../features/feature-transform.js';
import type { OutOfRangeRule } from '../../features/serving-row.js';
import { clipServingRow, outOfRangeRule, validateServingRow } from '../../features/serving-row.js';
import { applyTransform, fitTransform } from '../../features/transform.js';
import type { InputRow } from '../../features/values.js';
import { compileRowEncoder } from '../../scoring/row-encoder.js';
import { seededRandom } from '../../tabular/seeded-random.js';

const training: InputRow[] = Array.from({ length: 40 }, (_, i) => ({
  distance: 100 + i * 10,
  fare: i % 5 === 0 ? null : 3.5 * i,
  origin: ['SEA', 'PDX', 'SFO', 'LAX'][i % 4]!,
  seats: i % 3,
  at: `2024-01-0${1 + (i % 7)}T${String(i % 24).padStart(2, '0')}:15:00Z`,
}));
const transform = fitTransform(training, {
  features: { numeric: ['distance', 'fare'], categorical: ['origin', 'seats'], timeParts: { column: 'at', parts: ['hour', 'dayOfWeek', 'month'] }, impute: 'median', maxVocabulary: 3 },
  label: { column: 'late', kind: 'binary' },
});
const RULES = [outOfRangeRule(undefined), outOfRangeRule({ policy: 'clip', maxDeviations: 3 }), outOfRangeRule({ maxDeviations: 2 })];

/** Values good and bad for any column: what a careless or hostile client might post. */
const CELLS: unknown[] = [0, 1, 250, -3, 1e300, -1e39, 3.5, Number.NaN, null, '', 'SEA', 'PDX', 'XXX', '12', true, false, { code: 'SEA' }, [1], '2024-03-05T07:30:00Z', '2024-03-05', 'tomorrow', 1_700_000_000_000];

function generatedRows(count: number, seed: number): unknown[] {
  const random = seededRandom(seed);
  const pick = <T>(values: readonly T[]): T => values[Math.floor(random() * values.length)]!;
  return Array.from({ length: count }, () => {
    if (random() < 0.03) return pick([null, [1, 2], 'row', 7]);
    const row: Record<string, unknown> = {};
    for (const column of ['distance', 'fare', 'origin', 'seats', 'at', 'extra']) {
      if (random() < 0.05) continue;
      // Mostly well-formed rows, so whole requests pass often enough to compare the numbers.
      row[column] = random() < 0.8 ? (training[Math.floor(random() * training.length)]![column] ?? null) : pick(CELLS);
    }
    return row;
  });
}

/** What the server computed before the encoder: each check, then each row clipped and transformed. */
function reference(transform: FeatureTransform, rule: OutOfRangeRule, rows: readonly unknown[]) {
  const problems = rows.flatMap((row, index) => validateServingRow(transform, row, rule).map((problem) => ({ row: index, ...problem })));
  if (problems.length > 0) return { problems };
  const clipped = rows.map((row) => (rule.policy === 'clip' ? clipServingRow(transform, row as InputRow, rule) : { row: row as InputRow, clipped: [] }));
  const features = clipped.flatMap(({ row }) => [...applyTransform(transform, row).features]);
  return { features, rows: clipped.map(({ row }) => row), clipped: clipped.flatMap((result, index) => result.clipped.map((field) => ({ row: index, ...field }))) };
}

describe('compileRowEncoder', () => {
  for (const rule of RULES) {
      it(`gives the reference's problems and numbers (${rule.policy} past ${rule.maxDeviations} deviations)`, () => {
        const encode = compileRowEncoder(transform, rule);
        let passed = 0;
        let failed = 0;
        for (let seed = 1; seed <= 300; seed++) {
          const rows = generatedRows(1 + (seed % 4), seed);
          const expected = reference(transform, rule, rows);
          const actual = encode(rows);
          if ('problems' in expected) {
            failed++;
            expect(actual).toEqual(expected);
          } else {
            passed++;
            expect('problems' in actual).toBe(false);
            if ('problems' in actual) continue;
            // Bit for bit: the same float32 for every slot.
            expect([...actual.features]).toEqual(expected.features);
            expect(actual.rows).toEqual(expected.rows);
            expect(actual.clipped).toEqual(expected.clipped);
          }
        }
        // Both branches were exercised many times.
        expect(passed).toBeGreaterThan(20);
        expect(failed).toBeGreaterThan(20);
      });
  }

  it('refuses a value of a column that is both a number and a category when either reading fails, where the reference path threw', () => {
    const both = fitTransform(training, { features: { numeric: ['seats'], categorical: ['seats', 'origin'], impute: 'mean', maxVocabulary: 10 }, label: { column: 'late', kind: 'binary' } });
    const rule = outOfRangeRule(undefined);
    const encode = compileRowEncoder(both, rule);
    // The reference checks seats as a category only, so the transform met 'SEA' as a number and threw: a 500, not a 400.
    expect(validateServingRow(both, { seats: 'SEA', origin: 'SEA' })).toEqual([]);
    expect(() => applyTransform(both, { seats: 'SEA', origin: 'SEA' })).toThrow(/finite number/);
    expect(encode([{ seats: 'SEA', origin: 'SEA' }])).toEqual({ problems: [{ row: 0, field: 'seats', message: 'must be a finite number' }] });
    // And its number is held to its bounds, which the category reading skipped.
    expect(encode([{ seats: 1e300, origin: 'SEA' }])).toMatchObject({ problems: [{ row: 0, field: 'seats' }] });
    const rows = [{ seats: 2, origin: 'PDX' }, { seats: null, origin: 'XXX' }];
    expect(encode(rows)).toMatchObject({ rows, clipped: [] });
    const encoded = encode(rows) as { features: Float32Array };
    expect([...encoded.features]).toEqual(rows.flatMap((row) => [...applyTransform(both, row).features]));
  });

  it('hands back the posted rows themselves when nothing was clipped, and a copy with the bound when something was', () => {
    const rows = [{ distance: 200, fare: 10, origin: 'SEA', seats: 1, at: '2024-01-02T10:00:00Z' }];
    expect(compileRowEncoder(transform, outOfRangeRule({ policy: 'clip', maxDeviations: 3 }))(rows)).toMatchObject({ rows, clipped: [] });
    const far = [{ ...rows[0]!, distance: 1e9 }];
    const result = compileRowEncoder(transform, outOfRangeRule({ policy: 'clip', maxDeviations: 3 }))(far);
    expect('problems' in result).toBe(false);
    if ('problems' in result) return;
    expect(result.rows[0]).not.toBe(far[0]);
    expect(far[0]!.distance).toBe(1e9);
    expect(result.clipped).toEqual([{ row: 0, field: 'distance', value: 1e9, to: result.rows[0]!.distance }]);
  });
});
