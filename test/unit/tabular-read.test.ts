import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { detectFormat, readRows } from '../../tabular/read.js';
import { TabularReadError } from '../../tabular/errors.js';
import type { ReadOptions, TabularFormat } from '../../tabular/read.js';
import type { TableRow } from '../../tabular/row.js';
import { writeParquetFixture } from './tabular-parquet-fixture.js';

const DATA = join(import.meta.dirname, '../../node_modules/vega-datasets/data');
const dir = mkdtempSync(join(tmpdir(), 'ctrain-tabular-read-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, content: string): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

async function collect(path: string, format: TabularFormat, options?: ReadOptions): Promise<TableRow[]> {
  const rows: TableRow[] = [];
  for await (const row of readRows(path, format, options)) rows.push(row);
  return rows;
}

async function readError(path: string, format: TabularFormat, options?: ReadOptions): Promise<TabularReadError> {
  const error = await collect(path, format, options).then(() => undefined, (caught: unknown) => caught);
  expect(error).toBeInstanceOf(TabularReadError);
  return error as TabularReadError;
}

describe('detectFormat', () => {
  it('reads the format from the extension of paths and URIs', () => {
    expect(detectFormat('/data/weather.csv')).toBe('csv');
    expect(detectFormat('events.JSONL')).toBe('jsonl');
    expect(detectFormat('/data/cars.json')).toBe('json');
    expect(detectFormat('s3://bucket/logs/2024.ndjson')).toBe('jsonl');
    expect(detectFormat('https://example.org/flights.parquet?version=3#top')).toBe('parquet');
    expect(detectFormat('file:///data/archive.v2/flights.parquet')).toBe('parquet');
  });

  it('names the source and the accepted extensions when it cannot tell', () => {
    expect(() => detectFormat('/data/flights.xlsx')).toThrow(/"\/data\/flights\.xlsx".*\.csv, \.json, \.jsonl, \.ndjson or \.parquet/);
    expect(() => detectFormat('/data.v2/README')).toThrow(/Cannot tell the format/);
    expect(() => detectFormat('https://example.org/download?file=x.csv')).toThrow(/Cannot tell the format/);
  });
});

describe('readRows: CSV', () => {
  it('types fields: numbers, empty as null, booleans, and keeps text that only looks numeric', async () => {
    const path = file(
      'typed.csv',
      '\uFEFFid,score,zip,city,active,note\r\n1,2.5,02134,"Boston, MA",true,\r\n2,-1e3,10001,,FALSE,"says ""hi"""\r\n\r\n3,.5,0,0x1F,yes,Infinity\r\n',
    );
    expect(await collect(path, 'csv')).toEqual([
      { id: 1, score: 2.5, zip: '02134', city: 'Boston, MA', active: true, note: null },
      { id: 2, score: -1000, zip: 10001, city: null, active: false, note: 'says "hi"' },
      { id: 3, score: 0.5, zip: 0, city: '0x1F', active: 'yes', note: 'Infinity' },
    ]);
  });

  it('reads every row of seattle-weather.csv', async () => {
    const rows = await collect(join(DATA, 'seattle-weather.csv'), 'csv');
    expect(rows).toHaveLength(1461);
    expect(rows[0]).toEqual({ date: '2012-01-01', precipitation: 0, temp_max: 12.8, temp_min: 5, wind: 4.7, weather: 'drizzle' });
    expect(rows.at(-1)).toEqual({ date: '2015-12-31', precipitation: 0, temp_max: 5.6, temp_min: -2.1, wind: 3.5, weather: 'sun' });
  });

  it('stops after limit rows', async () => {
    const path = join(DATA, 'seattle-weather.csv');
    expect((await collect(path, 'csv', { limit: 10 })).map((row) => row.date)).toEqual(
      Array.from({ length: 10 }, (_, day) => `2012-01-${String(day + 1).padStart(2, '0')}`),
    );
    expect(await collect(path, 'csv', { limit: 0 })).toEqual([]);
  });

  it('rejects a limit that is not a non-negative integer', () => {
    expect(() => readRows('x.csv', 'csv', { limit: -1 })).toThrow(RangeError);
    expect(() => readRows('x.csv', 'csv', { limit: 2.5 })).toThrow(/non-negative integer, got 2.5/);
  });

  it('names the file and line of a row with the wrong number of fields', async () => {
    const error = await readError(file('ragged.csv', 'a,b\n1,2\n3,4,5\n'), 'csv');
    expect(error.message).toMatch(/^ragged\.csv line 3: /);
    expect(error.line).toBe(3);
    expect(error.file).toBe(join(dir, 'ragged.csv'));
  });

  it('names the line of an unclosed quote', async () => {
    const error = await readError(file('quote.csv', 'a,b\n1,2\n3,"4\n'), 'csv');
    expect(error.message).toMatch(/^quote\.csv line \d+: .*quote/i);
  });

  it('refuses a header that names a column twice or leaves one unnamed', async () => {
    expect((await readError(file('twice.csv', 'a,b,a\n1,2,3\n'), 'csv')).message).toBe('twice.csv line 1: the header names column "a" twice');
    expect((await readError(file('unnamed.csv', 'a,,c\n1,2,3\n'), 'csv')).message).toBe('unnamed.csv line 1: column 2 of the header has no name');
  });

  it('fails on a missing file', async () => {
    await expect(collect(join(dir, 'absent.csv'), 'csv')).rejects.toThrow(/ENOENT/);
  });

  it('names UTF-16 it does not decode itself; UTF-16LE with its mark it reads', async () => {
    const table = 'name,n\nZoë,2\n';
    const write = (name: string, bytes: Buffer): string => {
      writeFileSync(join(dir, name), bytes);
      return join(dir, name);
    };
    expect((await readError(write('le.csv', Buffer.from(table, 'utf16le')), 'csv')).message).toBe('le.csv line 1: the file is UTF-16LE (no byte-order mark), not UTF-8; re-export the file as UTF-8');
    expect((await readError(write('be.jsonl', Buffer.from('\uFEFF{"a":1}\n', 'utf16le').swap16()), 'jsonl')).message).toBe('be.jsonl line 1: the file is UTF-16BE (with byte-order mark), not UTF-8; re-export the file as UTF-8');
    expect(await collect(write('le-mark.csv', Buffer.from(`\uFEFF${table}`, 'utf16le')), 'csv')).toEqual([{ name: 'Zoë', n: 2 }]);
  });
});

describe('readRows: CSV with another delimiter', () => {
  it('reads semicolons, tabs and pipes as source.delimiter names them, quoting as in CSV', async () => {
    const rows = [{ name: 'Zoë; "Z"', n: 2.5, ok: true }, { name: 'plain', n: null, ok: false }];
    for (const delimiter of [';', '\t', '|'] as const) {
      const text = [['name', 'n', 'ok'], ['"Zoë; ""Z"""', '2.5', 'true'], ['plain', '', 'false']].map((fields) => fields.join(delimiter)).join('\n') + '\n';
      expect(await collect(file(`table-${delimiter.charCodeAt(0)}.csv`, text), 'csv', { delimiter })).toEqual(rows);
    }
  });

  it('names the delimiter a file looks written with when the spec names another', async () => {
    expect((await readError(file('commas.csv', 'a,b\n1,2\n'), 'csv', { delimiter: ';' })).message).toBe(
      'commas.csv line 1: the header is one column, "a,b": the file looks delimited by ",", not ";"; name it in the spec\'s source.delimiter',
    );
  });
});

describe('readRows: JSON Lines', () => {
  it('reads one object per line, skipping blank lines and flattening nested values to JSON', async () => {
    const path = file('events.jsonl', '{"a":1,"b":"x","c":null}\n\n{"a":2.5,"b":true,"d":{"e":[1,2]}}\r\n   \n{"a":-3}');
    expect(await collect(path, 'jsonl')).toEqual([
      { a: 1, b: 'x', c: null },
      { a: 2.5, b: true, d: '{"e":[1,2]}' },
      { a: -3 },
    ]);
    expect(await collect(path, 'jsonl', { limit: 2 })).toHaveLength(2);
  });

  it('names the file and line of malformed JSON', async () => {
    const lines = Array.from({ length: 16 }, (_, index) => JSON.stringify({ delay: index }));
    const error = await readError(file('flights.jsonl', [...lines, '{"delay": 3,,}', '{"delay": 4}'].join('\n')), 'jsonl');
    expect(error.message).toMatch(/^flights\.jsonl line 17: .*JSON/);
    expect(error.line).toBe(17);
  });

  it('refuses a line that is not an object', async () => {
    const error = await readError(file('array.jsonl', '{"a":1}\n[1,2]\n'), 'jsonl');
    expect(error.message).toBe('array.jsonl line 2: expected a JSON object per line, got an array');
  });

  it('fails on a missing file', async () => {
    await expect(collect(join(dir, 'absent.jsonl'), 'jsonl')).rejects.toThrow(/ENOENT/);
  });
});

describe('readRows: JSON', () => {
  it('reads one array of objects, element by element, as JSON Lines reads its lines', async () => {
    const path = file('cars.json', '\uFEFF [\n  {"a":1,"b":"x","c":null},\n  {"a":2.5,"b":true,"d":{"e":[1,2]}},\n  {"a":-3}\n]\n');
    expect(await collect(path, 'json')).toEqual([
      { a: 1, b: 'x', c: null },
      { a: 2.5, b: true, d: '{"e":[1,2]}' },
      { a: -3 },
    ]);
    expect(await collect(path, 'json', { limit: 2 })).toHaveLength(2);
    expect(await collect(file('empty-array.json', '[]'), 'json')).toEqual([]);
  });

  it('reads JSON Lines in a .json file, as many exports name them', async () => {
    expect(await collect(file('lines.json', '{"a":1}\n{"a":2}\n'), 'json')).toEqual([{ a: 1 }, { a: 2 }]);
  });

  it('reads every car of vega-datasets cars.json, nulls kept', async () => {
    const cars = await collect(join(DATA, 'cars.json'), 'json');
    expect(cars).toHaveLength(406);
    expect(cars[0]).toEqual({ Name: 'chevrolet chevelle malibu', Miles_per_Gallon: 18, Cylinders: 8, Displacement: 307, Horsepower: 130, Weight_in_lbs: 3504, Acceleration: 12, Year: '1970-01-01', Origin: 'USA' });
    expect(cars.filter((car) => car.Miles_per_Gallon === null).length).toBeGreaterThan(0);
  });

  it('names the element that is not an object, holds a number past float64, or breaks the JSON', async () => {
    expect((await readError(file('numbers.json', '[{"a":1}, 2]'), 'json')).message).toBe('numbers.json: array element 2: expected a JSON object as each element of the array, got a number');
    expect((await readError(file('huge.json', '[{"a":1}, {"a":1e999}]'), 'json')).message).toMatch(/^huge\.json: array element 2: column "a" is Infinity/);
    expect((await readError(file('broken.json', '[{"a":1}, {"a":2}, {"a":,}]'), 'json')).message).toMatch(/^broken\.json: not a valid JSON array after element 2: /);
    expect((await readError(file('cut.json', '[{"a":1}, {"a":2}'), 'json')).message).toMatch(/^cut\.json: not a valid JSON array after element 2: /);
  });

  it('checks the bytes are UTF-8, naming the byte', async () => {
    writeFileSync(join(dir, 'latin.json'), Buffer.concat([Buffer.from('[{"name":"caf'), Buffer.from([0xe9]), Buffer.from('"}]')]));
    expect((await readError(join(dir, 'latin.json'), 'json')).message).toBe('latin.json line 1: byte 0xE9 is not UTF-8; re-export the file as UTF-8');
  });

  it('tells a JSON array read as JSON Lines to say format json', async () => {
    expect((await readError(file('array-lines.jsonl', '[\n{"a":1}\n]'), 'jsonl')).message).toMatch(/^array-lines\.jsonl line 1: .*set the spec's source\.format to 'json'$/);
    expect((await readError(file('one-line.jsonl', '[{"a":1},{"a":2}]'), 'jsonl')).message).toBe(
      "one-line.jsonl line 1: expected a JSON object per line, got an array; the file looks like one JSON array of objects, not JSON Lines (one object per line): set the spec's source.format to 'json'",
    );
  });
});

describe('readRows: Parquet', () => {
  const typed = join(dir, 'typed.parquet');
  writeParquetFixture(typed, [
    { name: 'id', type: 'int64', values: [1n, 2n, null, 9007199254740993n, 5n] },
    { name: 'score', type: 'double', values: [0.5, null, 1.25, -3, 1e10] },
    { name: 'ok', type: 'boolean', values: [true, false, null, true, true] },
    { name: 'city', type: 'utf8', values: ['Zürich', null, 'a"b', '', 'x'] },
    { name: 'at', type: 'timestamp_millis', values: [0n, 1_700_000_000_000n, null, 86_400_000n, 1n] },
  ], { rowGroupSize: 2 });
  const expected: TableRow[] = [
    { id: 1, score: 0.5, ok: true, city: 'Zürich', at: '1970-01-01T00:00:00.000Z' },
    { id: 2, score: null, ok: false, city: null, at: '2023-11-14T22:13:20.000Z' },
    { id: null, score: 1.25, ok: null, city: 'a"b', at: null },
    // Past 2^53 an INT64 keeps its digits as text rather than becoming a different number.
    { id: '9007199254740993', score: -3, ok: true, city: '', at: '1970-01-02T00:00:00.000Z' },
    { id: 5, score: 1e10, ok: true, city: 'x', at: '1970-01-01T00:00:00.001Z' },
  ];

  it('reads every row group, converting INT64, timestamps and nulls', async () => {
    expect(await collect(typed, 'parquet')).toEqual(expected);
  });

  it('stops after limit rows, across row groups', async () => {
    expect(await collect(typed, 'parquet', { limit: 3 })).toEqual(expected.slice(0, 3));
    expect(await collect(typed, 'parquet', { limit: 0 })).toEqual([]);
  });

  it('decodes GZIP pages with Node’s zlib', async () => {
    const path = join(dir, 'gzip.parquet');
    writeParquetFixture(path, [{ name: 'v', type: 'double', values: [1, 2, null] }], { rowGroupSize: 2, compress: { gzip: true, codecId: 2 } });
    expect(await collect(path, 'parquet')).toEqual([{ v: 1 }, { v: 2 }, { v: null }]);
  });

  it('uses the decompressors it is given, and names the column and codec it cannot decode', async () => {
    const path = join(dir, 'lzo.parquet');
    // Pages are gzipped but labelled LZO, which no bundled decoder reads: only a supplied one (here gunzip) can.
    writeParquetFixture(path, [{ name: 'v', type: 'utf8', values: ['a', null] }], { rowGroupSize: 5, compress: { gzip: true, codecId: 3 } });
    const error = await readError(path, 'parquet');
    expect(error.message).toMatch(/^lzo\.parquet: column "v" is compressed with LZO, which this reader cannot decode/);
    const { gunzipSync } = await import('node:zlib');
    expect(await collect(path, 'parquet', { compressors: { LZO: (input) => gunzipSync(input) } })).toEqual([{ v: 'a' }, { v: null }]);
  });

  it('names the file and row group of a corrupt file', async () => {
    const path = join(dir, 'corrupt.parquet');
    writeParquetFixture(path, [{ name: 'v', type: 'double', values: [1, 2, 3, 4] }], { rowGroupSize: 2, compress: { gzip: true, codecId: 2 } });
    const { readFileSync } = await import('node:fs');
    const bytes = readFileSync(path);
    bytes.fill(0, 40, 60); // inside the first row group's gzip stream
    writeFileSync(path, bytes);
    expect((await readError(path, 'parquet')).message).toMatch(/^corrupt\.parquet: row group 0 \(rows 0–1\): /);
    await expect(collect(file('not.parquet', 'a,b\n1,2\n'), 'parquet')).rejects.toThrow(/^not\.parquet: /);
  });

  it('reads the first 50k rows of flights-3m.parquet (ZSTD pages)', async () => {
    const rows = await collect(join(DATA, 'flights-3m.parquet'), 'parquet', { limit: 50_000 });
    expect(rows).toHaveLength(50_000);
    expect(rows[0]).toEqual({ date: '2001-01-01T00:01:00.000Z', delay: 33, distance: 2176, origin: 'LAS', destination: 'PHL' });
    expect(rows.every((row) => typeof row.delay === 'number' && typeof row.distance === 'number')).toBe(true);
    expect(rows.every((row) => typeof row.date === 'string' && row.date.startsWith('2001-01-'))).toBe(true);
  });
});
