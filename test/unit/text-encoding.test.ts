import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PipelineSpecError, parsePipelineSpec } from '../../pipelines/index.js';
import { binaryKind, sniffEncoding, textEncodingOf, writeAsUtf8 } from '../../tabular/text-encoding.js';
import { NotUtf8Error, strictUtf8 } from '../../tabular/utf8.js';

const TABLE = 'id,name\n1,café\n2,naïve\n3,zoë\n';
const utf16le = (text: string): Buffer => Buffer.from(text, 'utf16le');
const utf32 = (text: string, bigEndian: boolean): Buffer => {
  const points = [...text].map((c) => c.codePointAt(0)!);
  const bytes = Buffer.alloc(4 * points.length);
  points.forEach((point, i) => (bigEndian ? bytes.writeUInt32BE(point, 4 * i) : bytes.writeUInt32LE(point, 4 * i)));
  return bytes;
};

describe('sniffEncoding', () => {
  it.each([
    ['UTF-8', Buffer.from(TABLE), 'utf-8', false],
    ['UTF-8 with its mark', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(TABLE)]), 'utf-8', true],
    ['UTF-16LE with its mark', Buffer.concat([Buffer.from([0xff, 0xfe]), utf16le(TABLE)]), 'utf-16le', true],
    ['UTF-16BE, no mark', utf16le(TABLE).swap16(), 'utf-16be', false],
    ['UTF-32LE with its mark', Buffer.concat([Buffer.from([0xff, 0xfe, 0, 0]), utf32(TABLE, false)]), 'utf-32le', true],
    ['UTF-32BE with its mark', Buffer.concat([Buffer.from([0, 0, 0xfe, 0xff]), utf32(TABLE, true)]), 'utf-32be', true],
    ['UTF-32LE, no mark', utf32(TABLE, false), 'utf-32le', false],
    ['Windows-1252', Buffer.from(TABLE, 'latin1'), 'utf-8', false],
  ])('%s', (_name, bytes, encoding, byteOrderMark) => {
    expect(sniffEncoding(bytes)).toEqual({ encoding, byteOrderMark });
  });
});

describe('binaryKind', () => {
  it('names gzip, Parquet and a workbook by their magic bytes', () => {
    expect(binaryKind(gzipSync(Buffer.from(TABLE)))).toMatch(/^gzip-compressed data/);
    expect(binaryKind(Buffer.from('PAR1\x15\x00\x15\x1c', 'latin1'))).toMatch(/^a Parquet file/);
    expect(binaryKind(Buffer.from('PK\x03\x04\x14\x00', 'latin1'))).toMatch(/\.xlsx workbook/);
  });

  it('takes zero bytes in text that is not UTF-16 or UTF-32 for binary data', () => {
    const bytes = Buffer.from(Array.from({ length: 200 }, (_, i) => (i % 7 === 0 ? 0 : 0x41 + (i % 26))));
    expect(binaryKind(bytes)).toBe('binary data (29 of its first 200 bytes are zero)');
  });

  it('leaves text alone, in any encoding it is told', () => {
    for (const bytes of [Buffer.from(TABLE), Buffer.from(TABLE, 'latin1'), utf16le(TABLE), utf16le(TABLE).swap16()]) expect(binaryKind(bytes)).toBeUndefined();
  });
});

describe('textEncodingOf', () => {
  it('takes a declared label as TextDecoder names it', () => {
    expect(textEncodingOf('t.csv', Buffer.from(TABLE, 'latin1'), 'latin1')).toEqual({ encoding: 'windows-1252', byteOrderMark: false, declared: true });
  });

  it('refuses UTF-32, naming it and asking for UTF-8 or UTF-16', () => {
    const bytes = Buffer.concat([Buffer.from([0xff, 0xfe, 0, 0]), utf32(TABLE, false)]);
    expect(() => textEncodingOf('t.csv', bytes)).toThrow('t.csv line 1: the file is UTF-32LE (with byte-order mark), which ingest does not read; re-export the file as UTF-8 (or UTF-16)');
  });

  it('refuses a declared encoding that contradicts the byte-order mark', () => {
    const bytes = Buffer.concat([Buffer.from([0xff, 0xfe]), utf16le(TABLE)]);
    expect(() => textEncodingOf('t.csv', bytes, 'windows-1252')).toThrow('t.csv line 1: source.encoding says windows-1252, but the file opens with the byte-order mark of UTF-16LE');
  });

  it('refuses a binary file even when an encoding is declared', () => {
    expect(() => textEncodingOf('t.csv', gzipSync(Buffer.from(TABLE)), 'windows-1252')).toThrow('t.csv: the file is not text: it looks like gzip-compressed data (decompress it first)');
  });
});

describe('writeAsUtf8', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'text-encoding-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('decodes Windows-1252 and Shift_JIS to the same text as UTF-8', async () => {
    const cases: [string, Buffer][] = [
      ['windows-1252', Buffer.from(TABLE, 'latin1')],
      ['shift_jis', Buffer.from([...Buffer.from('id,name\n1,'), 0x93, 0x8c, 0x8b, 0x9e, 0x0a])],
    ];
    const texts = [];
    for (const [encoding, bytes] of cases) {
      await writeFile(join(dir, encoding), bytes);
      await writeAsUtf8(join(dir, encoding), { encoding, byteOrderMark: false, declared: true }, join(dir, `${encoding}.utf8`));
      texts.push(await readFile(join(dir, `${encoding}.utf8`), 'utf8'));
    }
    expect(texts).toEqual([TABLE, 'id,name\n1,東京\n']);
  });

  it('names the line whose bytes a declared encoding cannot decode', async () => {
    // 0x81 alone is no Shift_JIS character.
    await writeFile(join(dir, 'bad-sjis.csv'), Buffer.from([...Buffer.from('id,name\n1,a\n2,'), 0x81, 0x0a]));
    await expect(writeAsUtf8(join(dir, 'bad-sjis.csv'), { encoding: 'shift_jis', byteOrderMark: false, declared: true }, join(dir, 'out'))).rejects.toThrow(
      'bad-sjis.csv line 3: the file reads as SHIFT_JIS (named by source.encoding), but this line holds bytes that are not valid SHIFT_JIS; re-export the file as UTF-8',
    );
  });
});

describe('strictUtf8', () => {
  const through = (bytes: Buffer): Promise<void> => pipeline(Readable.from([bytes]), strictUtf8('t.csv'), new Writable({ write: (_chunk, _encoding, done) => done() }));

  it('refuses a gzip file as not text, before any byte is read as UTF-8', async () => {
    await expect(through(gzipSync(Buffer.from(TABLE)))).rejects.toThrow('t.csv: the file is not text: it looks like gzip-compressed data');
  });

  it('fails on Windows-1252 bytes with a NotUtf8Error naming the line and byte', async () => {
    const failure = await through(Buffer.from(TABLE, 'latin1')).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(NotUtf8Error);
    expect((failure as Error).message).toBe('t.csv line 2: byte 0xE9 is not UTF-8; re-export the file as UTF-8');
  });
});

describe('source.encoding in a spec', () => {
  const spec = (source: Record<string, unknown>) => ({
    name: 'toy',
    source: { uri: 'package://vega-datasets/data/seattle-weather.csv', format: 'csv', ...source },
    label: { column: 'temp_max', kind: 'regression' },
    features: { numeric: ['temp_min', 'wind'], categorical: ['weather'] },
    split: { by: 'time', column: 'date' },
    evaluation: { metric: 'rmse', threshold: 4 },
  });
  const problems = (input: unknown): string[] => {
    try {
      parsePipelineSpec(input);
      return [];
    } catch (error) {
      if (!(error instanceof PipelineSpecError)) throw error;
      return error.problems.map((p) => `${p.path}: ${p.message}`);
    }
  };

  it('accepts a label TextDecoder knows', () => {
    expect(parsePipelineSpec(spec({ encoding: 'windows-1252' })).source.encoding).toBe('windows-1252');
  });

  it.each(['utf-32', 'ebcdic', ''])('refuses %j, naming the field', (label) => {
    expect(problems(spec({ encoding: label }))).toEqual([
      "source.encoding: must be an encoding label Node's TextDecoder knows, such as 'utf-8', 'utf-16le', 'windows-1252' or 'iso-8859-1' (UTF-32 is not read)",
    ]);
  });

  it('refuses an encoding for a Parquet source', () => {
    expect(problems(spec({ format: 'parquet', uri: 'package://vega-datasets/data/flights-3m.parquet', encoding: 'utf-8' }))).toEqual([
      'source.encoding: applies to CSV, JSON and JSON Lines sources only; Parquet text is UTF-8',
    ]);
  });

  it('takes a delimiter for CSV only, and only one it reads', () => {
    expect(problems(spec({ delimiter: '\t' }))).toEqual([]);
    expect(problems(spec({ format: 'jsonl', uri: './rows.jsonl', delimiter: ';' }))).toEqual(['source.delimiter: applies to CSV sources only']);
    expect(problems(spec({ delimiter: ':' }))).toEqual(['source.delimiter: must be one of ",", ";", "\\t", "|"']);
  });
});
