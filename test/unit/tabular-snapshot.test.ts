import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pseudonymizeRow } from '../../privacy/pseudonym.js';
import { withEngine } from '../../tabular/engine.js';
import { TabularReadError } from '../../tabular/errors.js';
import { readRows } from '../../tabular/read.js';
import type { TabularFormat } from '../../tabular/read.js';
import type { TableRow } from '../../tabular/row.js';
import type { SnapshotSource } from '../../tabular/snapshot.js';
import { SNAPSHOT_ENGINE, SNAPSHOT_ROW_GROUP, snapshotRowGroup, writeSnapshot } from '../../tabular/snapshot.js';
import { nestedFeatures, snapshotColumns } from '../../tabular/snapshot-statistics.js';

let dir: string;
let files = 0;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ctrain-snapshot-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function file(name: string, content: string | Buffer): Promise<string> {
  const path = join(dir, `${files++}-${name}`);
  await writeFile(path, content);
  return path;
}

async function collect(path: string, format: TabularFormat, limit?: number): Promise<TableRow[]> {
  const rows: TableRow[] = [];
  for await (const row of readRows(path, format, { limit })) rows.push(row);
  return rows;
}

/** Writes the snapshot and returns its rows as the row reader reads them, and its md5. */
async function snapshot(source: SnapshotSource): Promise<{ rows: TableRow[]; md5: string; count: number }> {
  const target = join(dir, `${files++}-snapshot.parquet`);
  const { rows: count } = await withEngine((engine) => writeSnapshot(engine, source, target, dir));
  return { rows: await collect(target, 'parquet'), md5: createHash('md5').update(await readFile(target)).digest('hex'), count };
}

/** Columns a row reader leaves out of a row read as null in the snapshot, which has every column. */
const withAllColumns = (rows: TableRow[]): TableRow[] => {
  const names = [...new Set(rows.flatMap((row) => Object.keys(row)))];
  return rows.map((row) => Object.fromEntries(names.map((name) => [name, row[name] ?? null])));
};

const CSV = [
  'id,score,flag,city,zip,mixed,empty,note',
  '1,0.5,true,Oslo,02134,7,,"a, quoted ""note"""',
  '2,-1e3,FALSE,Bergen,10001,seven,,',
  '3,,true,,00001,7.50,,plain',
  '4,.25,false,"Trondheim",99999,,,',
].join('\n');

describe('a Parquet snapshot of a source', () => {
  it('types a CSV per column as the row reader types its fields: decimals, true/false, text kept as written', async () => {
    const path = await file('typed.csv', `${CSV}\n`);
    const written = await snapshot({ path, format: 'csv' });
    const read = await collect(path, 'csv');
    expect(written.count).toBe(4);
    // Every column where the row reader gives one type per column reads back the same.
    const uniform = ['id', 'score', 'flag', 'city', 'empty', 'note'];
    const pick = (rows: TableRow[]) => rows.map((row) => Object.fromEntries(uniform.map((name) => [name, row[name]])));
    expect(pick(written.rows)).toEqual(pick(read));
    expect(written.rows.map((row) => row.zip)).toEqual(['02134', '10001', '00001', '99999']);
    // A column mixing numbers and words keeps each field's text, zip codes' leading zeros included.
    expect(written.rows.map((row) => row.mixed)).toEqual(['7', 'seven', '7.50', null]);
  });

  it('takes the first rows only, and the same rows give the same bytes from CSV, JSON Lines, a blank-line CSV and a CRLF one', async () => {
    const csv = await file('limit.csv', `${CSV}\n`);
    const first = await snapshot({ path: csv, format: 'csv', limit: 2 });
    expect(first.rows.map((row) => row.id)).toEqual([1, 2]);

    const table = 'a,b,c\n1,x,true\n2,y,false\n3.5,z,true\n';
    const fromCsv = await snapshot({ path: await file('same.csv', table), format: 'csv' });
    const fromJsonl = await snapshot({ path: await file('same.jsonl', (await collect(await file('again.csv', table), 'csv')).map((row) => JSON.stringify(row)).join('\n') + '\n'), format: 'jsonl' });
    const withBlankLines = await snapshot({ path: await file('blank.csv', table.replace('\n2,', '\n\n2,')), format: 'csv' });
    expect(fromJsonl.rows).toEqual(fromCsv.rows);
    expect(fromJsonl.md5).toBe(fromCsv.md5);
    expect(withBlankLines.md5).toBe(fromCsv.md5);
    const withCrlf = await snapshot({ path: await file('crlf.csv', table.replaceAll('\n', '\r\n')), format: 'csv' });
    expect(withCrlf.md5).toBe(fromCsv.md5);
    expect((await snapshot({ path: await file('same-again.csv', table), format: 'csv' })).md5).toBe(fromCsv.md5);
  });

  it('reads a CSV with a UTF-8 byte-order mark, and one in UTF-16 with its mark, as the row reader does', async () => {
    const table = 'name,n\nÅse,1\nZoë,2\n';
    const utf8 = await snapshot({ path: await file('bom.csv', `\uFEFF${table}`), format: 'csv' });
    expect(utf8.rows).toEqual([{ name: 'Åse', n: 1 }, { name: 'Zoë', n: 2 }]);
    const utf16Path = await file('utf16.csv', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(table, 'utf16le')]));
    expect((await snapshot({ path: utf16Path, format: 'csv' })).rows).toEqual(await collect(utf16Path, 'csv'));
  });

  it('decodes UTF-16 in either byte order, with or without its mark, CSV and JSON Lines, to the same snapshot as UTF-8', async () => {
    const table = 'name,n\nÅse,1\nZoë,2\n名前,3\n';
    const utf8 = await snapshot({ path: await file('plain.csv', table), format: 'csv' });
    const bigEndian = (text: string): Buffer => Buffer.from(text, 'utf16le').swap16();
    const encodings = { le: (text: string) => Buffer.from(text, 'utf16le'), be: bigEndian };
    for (const [order, encode] of Object.entries(encodings)) {
      for (const mark of ['', '\uFEFF']) {
        const csv = await snapshot({ path: await file(`${order}${mark ? '-mark' : ''}.csv`, encode(mark + table)), format: 'csv' });
        expect([order, mark, csv.md5]).toEqual([order, mark, utf8.md5]);
      }
    }
    const lines = '{"name":"Åse","n":1}\n{"name":"名前","n":3}\n';
    const jsonl = await snapshot({ path: await file('plain.jsonl', lines), format: 'jsonl' });
    expect((await snapshot({ path: await file('be.jsonl', bigEndian(lines)), format: 'jsonl' })).md5).toBe(jsonl.md5);
    expect((await snapshot({ path: await file('le-mark.jsonl', Buffer.from(`\uFEFF${lines}`, 'utf16le')), format: 'jsonl' })).md5).toBe(jsonl.md5);
  });

  it('refuses UTF-16 that does not decode, naming the source, the line and the encoding', async () => {
    // A lone high surrogate (0xD800) in the third line.
    const bytes = Buffer.concat([Buffer.from('name,n\nA,1\n', 'utf16le'), Buffer.from([0x00, 0xd8]), Buffer.from(',2\n', 'utf16le')]);
    const path = await file('broken-utf16.csv', bytes);
    const error = await snapshot({ path, format: 'csv' }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(TabularReadError);
    expect((error as TabularReadError).file).toBe(path);
    expect((error as TabularReadError).message).toMatch(/broken-utf16\.csv line 3: the file reads as UTF-16LE \(no byte-order mark\), but this line holds bytes that are not valid UTF-16/);
  });

  it('types a JSON Lines column that holds objects or arrays as JSON, and reads it back as the row reader does', async () => {
    const lines = [{ id: 1, tags: ['a', 'b'] }, { id: 2, tags: null }, { id: 3, tags: { k: 1 } }];
    const path = await file('tags.jsonl', lines.map((line) => JSON.stringify(line)).join('\n'));
    const target = join(dir, `${files++}-tags.parquet`);
    const types = await withEngine(async (engine) => {
      await writeSnapshot(engine, { path, format: 'jsonl' }, target, dir);
      return engine.rows<{ column_name: string; column_type: string }>(`select column_name, column_type from (describe select * from read_parquet('${target}'))`);
    });
    expect(types.map((column) => [column.column_name, column.column_type])).toEqual([['id', 'DOUBLE'], ['tags', 'JSON']]);
    expect(await collect(target, 'parquet')).toEqual(await collect(path, 'jsonl'));
  });

  it('keeps JSON Lines cells as the row reader reads them, nested values as their JSON text', async () => {
    const lines = [{ a: 1, b: 'x', c: { d: [1, 2] } }, { a: 2.5, b: null, e: true }, { a: 3, b: 'z', c: null, e: false }];
    const path = await file('rows.jsonl', lines.map((line) => JSON.stringify(line)).join('\n') + '\n');
    const written = await snapshot({ path, format: 'jsonl' });
    expect(written.rows).toEqual(withAllColumns(await collect(path, 'jsonl')));
    expect(written.rows[0]!.c).toBe('{"d":[1,2]}');
  });

  it('keeps a Parquet source\'s structs, lists and maps, which validate names when a feature holds them', async () => {
    const source = join(dir, `${files++}-nested.parquet`);
    const target = join(dir, `${files++}-nested-snapshot.parquet`);
    const columns = await withEngine(async (engine) => {
      await engine.run(`copy (select i as id, {'a': i, 'b': 'x'} as point, [i, i + 1] as pair, map(['k'], [i]) as tags, 'c' || i as plain from range(3) t(i)) to '${source}' (format parquet)`);
      await writeSnapshot(engine, { path: source, format: 'parquet' }, target, dir);
      return snapshotColumns(engine, target);
    });
    const anomalies = nestedFeatures(columns, ['id', 'point', 'pair', 'tags', 'plain']);
    expect(anomalies.map((anomaly) => [anomaly.column, anomaly.code])).toEqual([['point', 'nested_feature'], ['pair', 'nested_feature'], ['tags', 'nested_feature']]);
    expect(anomalies[0]!.message).toMatch(/^Column "point" is a feature but holds nested values \(STRUCT\(a BIGINT, b VARCHAR\)\)/);
    expect(nestedFeatures(columns, ['id', 'plain'])).toEqual([]);
  });

  it('rewrites a Parquet source, and takes its first rows', async () => {
    const source = join(dir, `${files++}-source.parquet`);
    await withEngine((engine) => engine.run(`copy (select i as id, 'n' || (i % 5) as name, i * 0.5 as half, i % 2 = 0 as even from range(1000) t(i)) to '${source}' (format parquet)`));
    const written = await snapshot({ path: source, format: 'parquet', limit: 10 });
    expect(written.rows).toEqual(await collect(source, 'parquet', 10));
  });

  it('writes a source 82 columns wide within the snapshot engine\'s memory, in row groups that fit it, the same bytes each time', async () => {
    const source = join(dir, `${files++}-wide.parquet`);
    const numbers = Array.from({ length: 40 }, (_, j) => `(hash(i + ${j}) % ${1000 + j})::double / 7 as n${j}`);
    const texts = Array.from({ length: 40 }, (_, j) => `'v' || (hash(i * ${j + 3}) % ${5 * (j + 1) ** 2})::varchar as c${j}`);
    await withEngine((engine) => engine.run(`copy (select i as id, timestamp '2024-01-01' + to_seconds(i) as at, ${[...numbers, ...texts].join(', ')} from range(130000) t(i)) to '${source}' (format parquet)`));
    // As ingest runs it: the snapshot engine's memory, spilling to scratch. With 122,880-row groups it ran out of memory.
    const write = async () => {
      const target = join(dir, `${files++}-wide-snapshot.parquet`);
      const { rows: count } = await withEngine((engine) => writeSnapshot(engine, { path: source, format: 'parquet' }, target, dir), { ...SNAPSHOT_ENGINE, spillDirectory: dir });
      return withEngine(async (engine) => ({
        count,
        md5: createHash('md5').update(await readFile(target)).digest('hex'),
        groups: (await engine.rows<{ n: bigint }>(`select row_group_num_rows as n from parquet_metadata('${target}') group by row_group_id, n order by row_group_id`)).map(({ n }) => Number(n)),
        // Every row as the source has it, in the source's order.
        differing: Number((await engine.rows<{ n: bigint }>(`select count(*) as n from (select * from read_parquet('${target}', file_row_number = true) except all select *, id as file_row_number from read_parquet('${source}'))`))[0]!.n),
      }));
    };
    const first = await write();
    expect(first.count).toBe(130_000);
    expect(first.differing).toBe(0);
    expect(first.groups[0]).toBe(snapshotRowGroup(['BIGINT', 'TIMESTAMP', ...numbers.map(() => 'DOUBLE'), ...texts.map(() => 'VARCHAR')]));
    expect(first.groups[0]).toBeLessThan(SNAPSHOT_ROW_GROUP);
    expect(first.groups.reduce((sum, n) => sum + n, 0)).toBe(130_000);
    expect((await write()).md5).toBe(first.md5);
  });

  it('takes the first rows of a Parquet source across its row groups, in order, the same bytes each time, even with a column named file_row_number', async () => {
    const source = join(dir, `${files++}-groups.parquet`);
    await withEngine((engine) => engine.run(`copy (select i as id, 'c' || (i % 7) as city from range(300000) t(i)) to '${source}' (format parquet, row_group_size 50000)`));
    const [first, again] = await Promise.all([snapshot({ path: source, format: 'parquet', limit: 123_457 }), snapshot({ path: source, format: 'parquet', limit: 123_457 })]);
    expect(first.count).toBe(123_457);
    expect(again.md5).toBe(first.md5);
    expect(first.rows.at(0)).toEqual({ id: 0, city: 'c0' });
    expect(first.rows.at(-1)).toEqual({ id: 123_456, city: `c${123_456 % 7}` });
    expect(first.rows.every((row, i) => row.id === i)).toBe(true);

    const named = join(dir, `${files++}-named.parquet`);
    await withEngine((engine) => engine.run(`copy (select i * 10 as file_row_number, i as id from range(1000) t(i)) to '${named}' (format parquet)`));
    const written = await snapshot({ path: named, format: 'parquet', limit: 5 });
    expect(written.rows).toEqual(await collect(named, 'parquet', 5));
  });

  it('writes personal columns as the pseudonyms the row reader’s rows get, from every reading path', async () => {
    const key = Buffer.from('a-test-key-of-32-bytes-000000000');
    const personal = { columns: ['email', 'phone'], key };
    const table = 'email,phone,n\nann@example.com,5551234,1\nBOB@example.com,+0.5,2\n,true,3\n';
    const expected = (await collect(await file('p.csv', table), 'csv')).map((row) => pseudonymizeRow(row, personal.columns, key));
    expect((await snapshot({ path: await file('personal.csv', table), format: 'csv', personal })).rows).toEqual(expected);
    const jsonl = await file('personal.jsonl', expected.length ? (await collect(await file('p2.csv', table), 'csv')).map((row) => JSON.stringify(row)).join('\n') + '\n' : '');
    expect((await snapshot({ path: jsonl, format: 'jsonl', personal })).rows).toEqual(expected);
    expect(JSON.stringify(await readFile(jsonl, 'utf8'))).toContain('ann@example.com');
  });

  it('names the line of a malformed CSV and of broken JSON Lines, as the row reader does', async () => {
    const ragged = await file('ragged.csv', 'a,b\n1,2\n3,4,5\n');
    await expect(snapshot({ path: ragged, format: 'csv' })).rejects.toThrow(TabularReadError);
    await expect(snapshot({ path: ragged, format: 'csv' })).rejects.toThrow(/line 3/);
    await expect(snapshot({ path: await file('semicolons.csv', 'a;b\n1;2\n'), format: 'csv' })).rejects.toThrow('looks delimited by ";"');
    await expect(snapshot({ path: await file('broken.jsonl', '{"a":1}\n{"a":2,\n'), format: 'jsonl' })).rejects.toThrow(/line 2/);
    await expect(snapshot({ path: await file('latin1.csv', Buffer.from('a,b\n1,caf\xe9\n', 'latin1')), format: 'csv' })).rejects.toThrow(/line 2: byte 0xE9 is not UTF-8/);
  });

  it('refuses a decimal too large for a number, naming its column', async () => {
    await expect(snapshot({ path: await file('huge.csv', 'a,big\n1,2\n2,1e400\n'), format: 'csv' })).rejects.toThrow('column "big" is Infinity');
  });
});
