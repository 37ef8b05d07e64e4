import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../tabular/engine.js';
import { exactQuantiles, fractionalCountSql, quantileOfCounts } from '../../tabular/exact-quantiles.js';

const PROBABILITIES = [0, 0.01, 0.25, 0.5, 0.75, 0.99, 1];

let engine: Engine;
beforeAll(async () => {
  engine = await Engine.open({ threads: 2 });
});
afterAll(() => engine.close());

/** Each column's quantiles by exactQuantiles, beside the engine's quantile_cont over the same DOUBLEs. */
async function compare(table: string, columns: string[], fromSeenByAll = false) {
  // A table every connection sees when the columns may be shared among connections, a temporary one (this connection's) otherwise.
  const t = fromSeenByAll ? 'shared_by_all' : 't';
  await engine.run(`create or replace ${fromSeenByAll ? '' : 'temp '}table ${t} as ${table}`);
  const value = (name: string) => `(case when isfinite(${name}::double) then ${name}::double end)`;
  const [summary = {}] = await engine.rows<Record<string, number | bigint>>(
    `select ${columns.map((name, i) => `count(${value(name)}) as count${i}, min(${value(name)}) as min${i}, max(${value(name)}) as max${i}, ${fractionalCountSql(value(name))} as fractional${i}`).join(', ')} from ${t}`,
  );
  const found = await exactQuantiles(
    engine,
    t,
    columns.map((name, i) => ({ value: value(name), count: Number(summary[`count${i}`]), min: Number(summary[`min${i}`]), max: Number(summary[`max${i}`]), fractional: Number(summary[`fractional${i}`]) })),
    PROBABILITIES,
    fromSeenByAll,
  );
  const [expected = {}] = await engine.rows<Record<string, number[] | null>>(`select ${columns.map((name, i) => `quantile_cont(${value(name)}, [${PROBABILITIES.join(', ')}]) as q${i}`).join(', ')} from ${t}`);
  return { found, expected: columns.map((_, i) => expected[`q${i}`] ?? []) };
}

describe('exact quantiles on the engine', () => {
  it("give quantile_cont's answers for whole numbers counted by value, wide whole numbers, huge ones, fractions, with nulls, NaN and infinities left out", async () => {
    const { found, expected } = await compare(
      `select (i * 7919) % 1001 - 500 as narrow, (i * 104729) % 10000019 as wide, 9007199254740993 * (i % 3) as huge, (i * 0.37) % 11 as fraction,
        case when i % 5 = 0 then null when i % 7 = 0 then 'nan'::double when i % 11 = 0 then 'inf'::double else i % 300 end as gappy, 42 as constant
       from range(20011) r(i)`,
      ['narrow', 'wide', 'huge', 'fraction', 'gappy', 'constant'],
    );
    expect(found.map((column) => column.quantiles)).toEqual(expected.map((list) => list.map(Number)));
    // Whole numbers over a narrow span come with their counts; the others were sorted.
    expect(found.map((column) => column.valueCounts !== undefined)).toEqual([true, false, false, false, true, true]);
    expect(found[0]!.valueCounts!.counts.reduce((a, b) => a + b, 0)).toBe(20011);
    expect(found[5]!.valueCounts).toEqual({ values: [42], counts: [20011] });
  });

  it('give quantile_cont\'s answers with the sorted columns shared among connections', async () => {
    const names = Array.from({ length: 5 }, (_, j) => `f${j}`);
    const { found, expected } = await compare(`select ${names.map((name, j) => `(i * ${j + 3}.37) % ${j + 11} as ${name}`).join(', ')}, i % 9 as counted from range(30011) r(i)`, [...names, 'counted'], true);
    expect(found.map((column) => column.quantiles)).toEqual(expected.map((list) => list.map(Number)));
    expect(found.map((column) => column.valueCounts !== undefined)).toEqual([...names.map(() => false), true]);
    await engine.run('drop table shared_by_all');
  });

  it('give none for a column with no values, and one value for a single row', async () => {
    const { found, expected } = await compare(`select null::double as empty, case when i = 3 then 2.5 end as single, case when i = 3 then 7 end as single_whole from range(10) r(i)`, ['empty', 'single', 'single_whole']);
    expect(found[0]!.quantiles).toEqual([]);
    expect(found[1]!.quantiles).toEqual(expected[1]!.map(Number));
    expect(found[2]!.quantiles).toEqual(PROBABILITIES.map(() => 7));
  });

  it('interpolate value counts between the closest ranks', () => {
    // 1, 2, 2, 10: ranks 0..3.
    const counts = { values: [1, 2, 10], counts: [1, 2, 1] };
    expect(quantileOfCounts(counts, 0)).toBe(1);
    expect(quantileOfCounts(counts, 0.5)).toBe(2);
    expect(quantileOfCounts(counts, 1)).toBe(10);
    expect(quantileOfCounts(counts, 5 / 6)).toBeCloseTo(6, 12);
  });
});
