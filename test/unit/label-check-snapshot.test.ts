import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LabelSpec } from '../../contracts/pipeline-spec.js';
import { LabelTally, tallySnapshotLabels } from '../../features/label-check.js';
import { withEngine } from '../../tabular/engine.js';
import { readRows } from '../../tabular/read.js';
import { snapshotColumns } from '../../tabular/snapshot-statistics.js';
import { writeSnapshot } from '../../tabular/snapshot.js';

let dir: string;
let files = 0;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ctrain-label-check-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** The label anomalies of `rows` (JSON Lines) found both ways: on the engine over the snapshot, and row by row over its rows. */
async function bothWays(rows: Record<string, unknown>[], label: LabelSpec) {
  const source = join(dir, `${files++}.jsonl`);
  await writeFile(source, rows.map((row) => JSON.stringify(row)).join('\n') + '\n');
  const snapshot = join(dir, `${files++}.parquet`);
  const onEngine = new LabelTally(label);
  await withEngine(async (engine) => {
    await writeSnapshot(engine, { path: source, format: 'jsonl' }, snapshot, dir);
    await tallySnapshotLabels(engine, snapshot, await snapshotColumns(engine, snapshot), onEngine, label);
  });
  const byRow = new LabelTally(label);
  for await (const row of readRows(snapshot, 'parquet')) byRow.add(row);
  return { engine: onEngine.anomalies(), rows: byRow.anomalies() };
}

const many = (count: number, row: (i: number) => Record<string, unknown>) => Array.from({ length: count }, (_, i) => row(i));

describe('label checks on the engine', () => {
  it('pass a two-class binary label, as row by row', async () => {
    const { engine, rows } = await bothWays(many(50, (i) => ({ y: i % 3 === 0, x: i })), { column: 'y', kind: 'binary' });
    expect(engine).toEqual([]);
    expect(rows).toEqual([]);
  });

  it('name a one-class binary label with its count, as row by row', async () => {
    const { engine, rows } = await bothWays(many(40, (i) => ({ y: i % 4 === 0 ? null : 1, x: i })), { column: 'y', kind: 'binary' });
    expect(engine).toEqual(rows);
    expect(engine[0]?.message).toMatch(/Binary label "y" is positive in all 30 labelled rows/);
  });

  it('name refused binary values, their count and the first row, as row by row', async () => {
    const { engine, rows } = await bothWays(many(30, (i) => ({ y: i === 4 ? 'maybe' : i === 9 ? 'perhaps' : i % 2 === 0 ? 'true' : 'false' })), { column: 'y', kind: 'binary' });
    expect(engine).toEqual(rows);
    expect(engine[0]?.message).toMatch(/Label column "y" has 2 values that are not true\/false or 1\/0 \(first on row 5: "maybe", "perhaps"\)/);
  });

  it('read a threshold rule over a continuous column in a few groups, with the same verdict', async () => {
    const delays = many(5000, (i) => ({ delay: ((i * 7919) % 1000) / 10 - 20 }));
    expect((await bothWays(delays, { column: 'late', kind: 'binary', positiveWhen: { column: 'delay', greaterThan: 15 } })).engine).toEqual([]);
    const { engine, rows } = await bothWays(delays, { column: 'late', kind: 'binary', positiveWhen: { column: 'delay', greaterThan: 1000 } });
    expect(engine).toEqual(rows);
    expect(engine[0]?.message).toMatch(/is negative in all 5000 labelled rows/);
  });

  it('refuse text in a regression label, counting every refused row, as row by row', async () => {
    const { engine, rows } = await bothWays(many(100, (i) => ({ price: i % 10 === 3 ? 'n/a' : String(i) })), { column: 'price', kind: 'regression' });
    expect(engine).toEqual(rows);
    expect(engine[0]).toMatchObject({ code: 'label_invalid', message: expect.stringMatching(/has 100 values that are not finite numbers \(first on row 1/) as unknown });
  });
});
