// A minimal Parquet writer for test fixtures: flat columns, one PLAIN data page (v1) per
// column chunk, optional GZIP pages. Enough to exercise the reader on nulls, INT64, doubles,
// booleans, text, timestamps and several row groups without shipping binary fixtures.
import { writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';

export type FixtureColumn =
  | { name: string; type: 'int64' | 'timestamp_millis'; values: (bigint | null)[] }
  | { name: string; type: 'double'; values: (number | null)[] }
  | { name: string; type: 'boolean'; values: (boolean | null)[] }
  | { name: string; type: 'utf8'; values: (string | null)[] };

export interface FixtureOptions {
  rowGroupSize: number;
  /** Page compression: GZIP really gzips; the codec written to the file may differ (to test decoder lookup). */
  compress?: { gzip: true; codecId: number };
}

type Bytes = number[];
const PHYSICAL = { int64: 2, timestamp_millis: 2, double: 5, boolean: 0, utf8: 6 } as const;
const CONVERTED: Partial<Record<FixtureColumn['type'], number>> = { utf8: 0, timestamp_millis: 9 };
const [I32, I64, BINARY, LIST, STRUCT] = [5, 6, 8, 9, 12];

function varint(out: Bytes, value: number): void {
  let rest = value;
  while (rest >= 0x80) {
    out.push((rest & 0x7f) | 0x80);
    rest = Math.floor(rest / 128);
  }
  out.push(rest);
}

// Thrift compact protocol: a field is (id delta << 4 | type) then its value; 0 ends a struct.
type Field = [id: number, type: number, write: (out: Bytes) => void];
const int = (value: number) => (out: Bytes) => varint(out, value * 2); // zigzag of a non-negative number
const binary = (bytes: Uint8Array) => (out: Bytes) => {
  varint(out, bytes.length);
  out.push(...bytes);
};
const struct = (fields: Field[]) => (out: Bytes) => {
  let last = 0;
  for (const [id, type, write] of fields) {
    out.push(((id - last) << 4) | type);
    last = id;
    write(out);
  }
  out.push(0);
};
const list = (type: number, items: ((out: Bytes) => void)[]) => (out: Bytes) => {
  if (items.length < 15) out.push((items.length << 4) | type);
  else {
    out.push(0xf0 | type);
    varint(out, items.length);
  }
  for (const write of items) write(out);
};
const text = (value: string) => binary(Buffer.from(value, 'utf8'));

function plainValues(column: FixtureColumn, values: unknown[]): Buffer {
  switch (column.type) {
    case 'int64':
    case 'timestamp_millis':
      return Buffer.concat(values.map((value) => { const b = Buffer.alloc(8); b.writeBigInt64LE(value as bigint); return b; }));
    case 'double':
      return Buffer.concat(values.map((value) => { const b = Buffer.alloc(8); b.writeDoubleLE(value as number); return b; }));
    case 'boolean': {
      const bits = Buffer.alloc(Math.ceil(values.length / 8));
      values.forEach((value, index) => { if (value) bits[index >> 3]! |= 1 << (index & 7); });
      return bits;
    }
    case 'utf8':
      return Buffer.concat(values.map((value) => { const bytes = Buffer.from(value as string); const length = Buffer.alloc(4); length.writeUInt32LE(bytes.length); return Buffer.concat([length, bytes]); }));
  }
}

/** Definition levels (1 = present) as RLE runs, with the 4-byte length prefix of data page v1. */
function definitionLevels(values: unknown[]): Buffer {
  const runs: Bytes = [];
  for (let start = 0; start < values.length; ) {
    const defined = values[start] !== null;
    let end = start;
    while (end < values.length && (values[end] !== null) === defined) end++;
    varint(runs, (end - start) << 1);
    runs.push(defined ? 1 : 0);
    start = end;
  }
  const length = Buffer.alloc(4);
  length.writeUInt32LE(runs.length);
  return Buffer.concat([length, Buffer.from(runs)]);
}

export function writeParquetFixture(path: string, columns: FixtureColumn[], options: FixtureOptions): void {
  const rowCount = columns[0]!.values.length;
  const chunks: Buffer[] = [Buffer.from('PAR1')];
  let offset = 4;
  const rowGroups: ((out: Bytes) => void)[] = [];
  for (let start = 0; start < rowCount; start += options.rowGroupSize) {
    const end = Math.min(start + options.rowGroupSize, rowCount);
    const chunkMeta: ((out: Bytes) => void)[] = [];
    let groupBytes = 0;
    for (const column of columns) {
      const values = column.values.slice(start, end) as unknown[];
      const page = Buffer.concat([definitionLevels(values), plainValues(column, values.filter((value) => value !== null))]);
      const stored = options.compress ? gzipSync(page) : page;
      const header: Bytes = [];
      struct([
        [1, I32, int(0)],
        [2, I32, int(page.length)],
        [3, I32, int(stored.length)],
        [5, STRUCT, struct([[1, I32, int(values.length)], [2, I32, int(0)], [3, I32, int(3)], [4, I32, int(3)]])],
      ])(header);
      const chunk = Buffer.concat([Buffer.from(header), stored]);
      const size = chunk.length;
      chunkMeta.push(struct([
        [2, I64, int(offset)],
        [3, STRUCT, struct([
          [1, I32, int(PHYSICAL[column.type])],
          [2, LIST, list(I32, [int(0), int(3)])],
          [3, LIST, list(BINARY, [text(column.name)])],
          [4, I32, int(options.compress?.codecId ?? 0)],
          [5, I64, int(values.length)],
          [6, I64, int(header.length + page.length)],
          [7, I64, int(size)],
          [9, I64, int(offset)],
        ])],
      ]));
      chunks.push(chunk);
      offset += size;
      groupBytes += size;
    }
    rowGroups.push(struct([[1, LIST, list(STRUCT, chunkMeta)], [2, I64, int(groupBytes)], [3, I64, int(end - start)]]));
  }
  const schema = [
    struct([[4, BINARY, text('schema')], [5, I32, int(columns.length)]]),
    ...columns.map((column) => {
      const fields: Field[] = [[1, I32, int(PHYSICAL[column.type])], [3, I32, int(1)], [4, BINARY, text(column.name)]];
      const converted = CONVERTED[column.type];
      if (converted !== undefined) fields.push([6, I32, int(converted)]);
      return struct(fields);
    }),
  ];
  const footer: Bytes = [];
  struct([[1, I32, int(1)], [2, LIST, list(STRUCT, schema)], [3, I64, int(rowCount)], [4, LIST, list(STRUCT, rowGroups)]])(footer);
  const footerLength = Buffer.alloc(4);
  footerLength.writeUInt32LE(footer.length);
  chunks.push(Buffer.from(footer), footerLength, Buffer.from('PAR1'));
  writeFileSync(path, Buffer.concat(chunks));
}
