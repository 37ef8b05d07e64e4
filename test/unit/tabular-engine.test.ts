import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pseudonymize, pseudonymSql } from '../../privacy/pseudonym.js';
import type { Engine } from '../../tabular/engine.js';
import { readRows } from '../../tabular/read.js';
import { sqlIdentifier, sqlString, withEngine } from '../../tabular/engine.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ctrain-engine-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('the columnar engine', () => {
  it('quotes any text as a string literal and any name as an identifier', async () => {
    const awkward = `it's "quoted"; -- not a comment\n\\ é`;
    const rows = await withEngine((engine) => engine.rows(`select ${sqlString(awkward)} as ${sqlIdentifier(awkward)}`));
    expect(rows).toEqual([{ [awkward]: awkward }]);
  });

  it('computes the same pseudonym in SQL as in JavaScript, for any key length, and keeps NULL', async () => {
    const values = ['alice@example.com', '', 'Zoë ☃ 𝄞', "o'brien", 'x'.repeat(1000)];
    for (const key of [Buffer.from('0123456789abcdef'), Buffer.alloc(64, 7), Buffer.alloc(65, 9), Buffer.from('k'.repeat(200))]) {
      const rows = await withEngine((engine) =>
        engine.rows<{ value: string | null; pseudonym: string | null }>(`select value, ${pseudonymSql('value', key)} as pseudonym from (values ${[...values.map(sqlString), 'NULL'].map((v) => `(${v})`).join(', ')}) t(value)`),
      );
      expect(rows.map((row) => row.pseudonym)).toEqual([...values.map((value) => pseudonymize(value, key)), null]);
    }
  });

  it('writes the same Parquet bytes for the same rows, whatever the threads', async () => {
    const csv = join(dir, 'rows.csv');
    await writeFile(csv, `id,name,score\n${Array.from({ length: 50_000 }, (_, i) => `${i},n${i % 13},${(i * 0.37).toFixed(3)}`).join('\n')}\n`);
    const write = async (engine: Engine, name: string): Promise<string> => {
      const target = join(dir, name);
      await engine.run(`copy (select * from read_csv(${sqlString(csv)})) to ${sqlString(target)} (format parquet, compression zstd, row_group_size 10000)`);
      return createHash('md5').update(await readFile(target)).digest('hex');
    };
    const one = await withEngine((engine) => write(engine, 'one.parquet'), { threads: 1 });
    const two = await withEngine((engine) => write(engine, 'two.parquet'), { threads: 2 });
    expect(two).toBe(one);
    // In the order of the source, as the row reader reads the file back.
    const ids: unknown[] = [];
    for await (const row of readRows(join(dir, 'two.parquet'), 'parquet')) ids.push(row.id);
    expect(ids).toEqual(Array.from({ length: 50_000 }, (_, i) => i));
  });

  it('runs a second connection beside the first: the database\'s views shared, temporary ones and settings not, closed with its owner', async () => {
    let beside: Engine | undefined;
    await withEngine(async (engine) => {
      await engine.run(`create view shared as select range as n from range(1000000)`);
      await engine.run(`create temp view own as select 1 as n`);
      await engine.run(`set TimeZone = 'UTC'`);
      beside = await engine.beside();
      await beside.run(`set TimeZone = 'Asia/Tokyo'`);
      // Both at once: each connection's query finishes with its own answer.
      const [mine, theirs] = await Promise.all([engine.rows<{ total: bigint }>(`select sum(n) as total from shared`), beside.rows<{ total: bigint }>(`select sum(n * 2) as total from shared`)]);
      expect(mine[0]!.total).toBe(499_999_500_000n);
      expect(theirs[0]!.total).toBe(999_999_000_000n);
      await expect(beside.rows(`select * from own`)).rejects.toThrow(/own/);
      const zones = await Promise.all([engine, beside].map(async (connection) => (await connection.rows<{ zone: string }>(`select current_setting('TimeZone') as zone`))[0]!.zone));
      expect(zones).toEqual(['UTC', 'Asia/Tokyo']);
    });
    await expect(beside!.rows('select 1')).rejects.toThrow();
  });

  it('closes its engine when the body fails', async () => {
    await expect(withEngine((engine) => engine.run('select * from no_such_table'))).rejects.toThrow(/no_such_table/);
  });
});
