/**
 * Edges of reading text in its encoding: where an invalid UTF-8 sequence is said to begin when
 * it straddles two chunks, objects of a `*` source (a byte-order mark in a later one, a bad byte
 * named in its own object), a declared legacy encoding over text that is UTF-8 after all, and
 * declared UTF-16 of non-Latin text, whose zero bytes are its own.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withEngine } from '../../tabular/engine.js';
import { mergeSourceFiles } from '../../tabular/merge-sources.js';
import { readRows } from '../../tabular/read.js';
import type { TableRow } from '../../tabular/row.js';
import type { SnapshotSource } from '../../tabular/snapshot.js';
import { writeSnapshot } from '../../tabular/snapshot.js';
import { binaryKind, sniffEncoding, textEncodingOf } from '../../tabular/text-encoding.js';
import { NotUtf8Error, strictUtf8 } from '../../tabular/utf8.js';

const CSV = 'id,city\n1,café\n2,naïve\n3,zoë\n';
const JSONL = '{"id":1,"city":"café"}\n{"id":2,"city":"naïve"}\n{"id":3,"city":"zoë"}\n';
const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

let dir: string;
let files = 0;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ctrain-encoding-edges-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function file(name: string, content: string | Buffer): Promise<string> {
  const path = join(dir, `${files++}-${name}`);
  await writeFile(path, content);
  return path;
}

/** The snapshot's rows and md5. */
async function snapshot(source: SnapshotSource): Promise<{ rows: TableRow[]; md5: string }> {
  const target = join(dir, `${files++}-snapshot.parquet`);
  await withEngine((engine) => writeSnapshot(engine, source, target, dir));
  const rows: TableRow[] = [];
  for await (const row of readRows(target, 'parquet')) rows.push(row);
  return { rows, md5: createHash('md5').update(await readFile(target)).digest('hex') };
}

/** The objects merged as ingest merges a `*` source, then snapshotted as UTF-8. */
async function mergedSnapshot(format: 'csv' | 'jsonl', objects: Buffer[], encoding?: string): Promise<{ rows: TableRow[]; md5: string }> {
  const paths = await Promise.all(objects.map((content, i) => file(`part-${i}.${format}`, content)));
  const merged = join(dir, `${files++}-merged.${format}`);
  await withEngine((engine) => mergeSourceFiles(engine, paths, format, merged, paths.map((_, i) => `s3://bucket/part-${i}.${format}`), encoding));
  return snapshot({ path: merged, format, encoding: 'utf-8' });
}

const rejection = (promise: Promise<unknown>): Promise<unknown> => promise.then(() => undefined, (error: unknown) => error);

describe('strictUtf8 locates the first invalid sequence', () => {
  const through = (chunks: Buffer[]): Promise<unknown> =>
    rejection(pipeline(Readable.from(chunks), strictUtf8('/scratch/0001.csv', { name: 'data.csv' }), new Writable({ write: (_chunk, _encoding, done) => done() })));

  it('at its lead byte when the lead byte ends one chunk and the next goes on with ASCII', async () => {
    const first = Buffer.from('id,city\n1,caf\xc3', 'latin1');

    const failure = await through([first, Buffer.from(',x\n2,y\n')]);

    expect(failure).toBeInstanceOf(NotUtf8Error);
    expect([(failure as NotUtf8Error).message, (failure as NotUtf8Error).offset]).toEqual(['data.csv line 2: byte 0xC3 is not UTF-8; re-export the file as UTF-8', first.length - 1]);
  });

  it('counting the bytes of every chunk before it', async () => {
    const chunks = [Buffer.from('id,city\n'), Buffer.from('1,a\n2,b\n'), Buffer.from('3,caf\xe9\n', 'latin1')];

    const failure = (await through(chunks)) as NotUtf8Error;

    expect([failure.line, failure.offset]).toEqual([4, 8 + 8 + 5]);
  });

  it('passes a character split across chunks', async () => {
    const bytes = Buffer.from(CSV);
    const cut = bytes.indexOf(0xc3) + 1;

    expect(await through([bytes.subarray(0, cut), bytes.subarray(cut)])).toBeUndefined();
  });

  it('at the start of the character a file ends inside of', async () => {
    const failure = (await through([Buffer.from('id,city\n1,caf'), Buffer.from([0xe2, 0x82])])) as NotUtf8Error;

    expect(failure).toBeInstanceOf(NotUtf8Error);
    expect([failure.line, failure.offset, failure.detail]).toEqual([2, 13, 'byte 0xE2 is not UTF-8: the file ends inside a UTF-8 character, so it is truncated or not UTF-8']);
  });
});

describe('objects of a * source', () => {
  it('JSON Lines objects that open with a UTF-8 byte-order mark merge into the rows of the plain objects', async () => {
    const plain = await mergedSnapshot('jsonl', [Buffer.from(JSONL), Buffer.from(JSONL)]);

    const marked = await mergedSnapshot('jsonl', [Buffer.concat([BOM, Buffer.from(JSONL)]), Buffer.concat([BOM, Buffer.from(JSONL)])]);

    expect(plain.rows).toHaveLength(6);
    expect(marked.md5).toBe(plain.md5);
  });

  it('a byte that is not UTF-8 in a later object is named in that object, at its own line', async () => {
    // "zoë" with ë as its one Windows-1252 byte, on the object's line 3.
    const bad = Buffer.concat([Buffer.from(JSONL.slice(0, JSONL.indexOf('ë'))), Buffer.from([0xeb]), Buffer.from(JSONL.slice(JSONL.indexOf('ë') + 1))]);
    // Past the first chunk of the object, where only the merge reads it.
    const later = Buffer.concat([Buffer.from(JSONL.repeat(4000)), bad]);

    const failure = (await rejection(mergedSnapshot('jsonl', [Buffer.from(JSONL), later]))) as NotUtf8Error;

    expect(failure).toBeInstanceOf(NotUtf8Error);
    expect([failure.file, failure.line, failure.offset]).toEqual(['s3://bucket/part-1.jsonl', 3 * 4000 + 3, Buffer.byteLength(JSONL) * 4000 + bad.indexOf(0xeb)]);
  });
});

describe('a declared legacy encoding over UTF-8 text', () => {
  it('is refused, naming the first line past ASCII, rather than read as "cafÃ©"', async () => {
    const path = await file('utf8.csv', CSV);

    const failure = (await rejection(snapshot({ path, format: 'csv', encoding: 'windows-1252' }))) as Error;

    expect(failure.message).toBe(
      `${path.slice(dir.length + 1)} line 2: source.encoding names windows-1252, but the file is UTF-8 (every byte past ASCII in it forms a UTF-8 character), which windows-1252 would misread ("é" as "Ã©"); leave source.encoding out, or re-export the file in windows-1252`,
    );
  });

  it('is refused in the one object of a * source that is UTF-8, naming that object', async () => {
    const failure = (await rejection(mergedSnapshot('csv', [Buffer.from(CSV, 'latin1'), Buffer.from(CSV)], 'latin1'))) as Error;

    expect(failure.message).toMatch(/^part-1\.csv line 2: source\.encoding names windows-1252, but the file is UTF-8/);
  });

  it('is read as declared when the text is ASCII, the same in both', async () => {
    const ascii = 'id,city\n1,paris\n2,oslo\n';

    const declared = await snapshot({ path: await file('ascii.csv', ascii), format: 'csv', encoding: 'windows-1252' });

    expect(declared.md5).toBe((await snapshot({ path: await file('ascii.csv', ascii), format: 'csv' })).md5);
  });

  it('is read as declared when the text is really in it, the same rows as UTF-8', async () => {
    const declared = await snapshot({ path: await file('latin1.csv', Buffer.from(CSV, 'latin1')), format: 'csv', encoding: 'windows-1252' });

    expect(declared.md5).toBe((await snapshot({ path: await file('utf8.csv', CSV), format: 'csv' })).md5);
  });
});

describe('UTF-16 of mostly non-Latin text, without a byte-order mark', () => {
  // Too little ASCII (digits, commas, line ends) for the sniffer to see UTF-16 by its zero bytes.
  const cyrillic = `id,город\n${Array.from({ length: 30 }, (_, i) => `${i},Санкт-Петербург Москва Новосибирск`).join('\n')}\n`;

  it('is read when source.encoding names it: its zero bytes are its ASCII, not binary data', async () => {
    const bytes = Buffer.from(cyrillic, 'utf16le');
    expect(sniffEncoding(bytes).encoding).toBe('utf-8');

    expect(textEncodingOf('ru.csv', bytes, 'utf-16le')).toEqual({ encoding: 'utf-16le', byteOrderMark: false, declared: true });
    expect((await snapshot({ path: await file('ru.csv', bytes), format: 'csv', encoding: 'utf-16le' })).md5).toBe((await snapshot({ path: await file('ru8.csv', cyrillic), format: 'csv' })).md5);
  });

  it('is refused undeclared, suggesting source.encoding with its byte order', () => {
    expect(binaryKind(Buffer.from(cyrillic, 'utf16le'))).toMatch(/, or UTF-16LE text without a byte-order mark \(then name it in source\.encoding: 'utf-16le'\)$/);
    expect(binaryKind(Buffer.from(cyrillic, 'utf16le').swap16())).toMatch(/, or UTF-16BE text without a byte-order mark \(then name it in source\.encoding: 'utf-16be'\)$/);
  });

  it('names a declared UTF-16 file that is gzip by its signature all the same', () => {
    expect(() => textEncodingOf('ru.csv.gz', Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0]), 'utf-16le')).toThrow('ru.csv.gz: the file is not text: it looks like gzip-compressed data (decompress it first)');
  });
});
