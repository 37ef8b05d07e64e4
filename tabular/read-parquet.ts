import { compressors } from 'hyparquet-compressors';
import { gunzipSync, brotliDecompressSync } from 'node:zlib';
import { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects } from 'hyparquet';
import type { AsyncBuffer, CompressionCodec, Compressors, FileMetaData } from 'hyparquet';
import { TabularReadError, errorMessage } from './errors.js';
import { nonFinite, toCell } from './row.js';
import type { TableRow } from './row.js';

// hyparquet decodes these itself; Node's zlib adds GZIP and BROTLI, hyparquet-compressors
// ZSTD and the rest (Node 20's zlib has no ZSTD).
const BUILT_IN_CODECS: readonly CompressionCodec[] = ['UNCOMPRESSED', 'SNAPPY'];
const NODE_COMPRESSORS: Compressors = {
  ...compressors,
  GZIP: (input) => gunzipSync(input),
  BROTLI: (input) => brotliDecompressSync(input),
};

/** Fails up front, naming the column, when the file uses a codec nobody here can decode. */
function checkCodecs(path: string, metadata: FileMetaData, compressors: Compressors): void {
  for (const group of metadata.row_groups) {
    for (const chunk of group.columns) {
      const codec = chunk.meta_data?.codec;
      if (codec === undefined || BUILT_IN_CODECS.includes(codec) || compressors[codec]) continue;
      const column = chunk.meta_data?.path_in_schema.join('.') ?? '?';
      const known = [...BUILT_IN_CODECS, ...Object.keys(compressors)].join(', ');
      throw new TabularReadError(
        path,
        undefined,
        `column "${column}" is compressed with ${codec}, which this reader cannot decode (it decodes ${known}); ` +
          `supply a ${codec} decompressor in the read options' compressors, or rewrite the file with another codec`,
      );
    }
  }
}

function toRow(path: string, rowNumber: number, record: Record<string, unknown>): TableRow {
  const row: TableRow = {};
  for (const key in record) {
    const cell = toCell(record[key]);
    if (typeof cell === 'number' && !Number.isFinite(cell)) throw new TabularReadError(path, undefined, `row ${rowNumber}: ${nonFinite(key, cell)}`);
    row[key] = cell;
  }
  return row;
}

const MAGIC = 'PAR1';

/**
 * A Parquet file is PAR1, the data, the footer, the footer's length (4 bytes) and PAR1 again.
 * Checked before decoding, so a truncated download or a lying length is named as such.
 */
async function checkFrame(path: string, file: AsyncBuffer): Promise<void> {
  const size = file.byteLength;
  const fault = (detail: string) => new TabularReadError(path, undefined, `${detail}; the file is truncated or is not Parquet`);
  if (size < 12) throw fault(`${size} bytes is too short for a Parquet file (at least 12)`);
  const head = Buffer.from(await file.slice(0, 4)).toString('latin1');
  const tail = Buffer.from(await file.slice(size - 8, size));
  if (head !== MAGIC) throw fault('it does not start with the PAR1 magic');
  if (tail.toString('latin1', 4) !== MAGIC) throw fault(`it does not end with the PAR1 magic (${size} bytes)`);
  const footer = tail.readUInt32LE(0);
  if (footer + 12 > size) throw fault(`its footer claims ${footer} bytes but the file has only ${size}`);
}

/** A Parquet file checked and its footer decoded: what reading any of its rows needs. */
export interface OpenParquet {
  /** Named in errors: a path or an object URI. */
  name: string;
  file: AsyncBuffer;
  metadata: FileMetaData;
  decoders: Compressors;
}

/**
 * Checks a Parquet file's frame, decodes its footer and checks its codecs. `file` is a local
 * path or any AsyncBuffer (e.g. ranged reads of an object in MinIO), `name` what errors call it.
 */
export async function openParquet(name: string, file: string | AsyncBuffer, compressors: Compressors = {}): Promise<OpenParquet> {
  const decoders: Compressors = { ...NODE_COMPRESSORS, ...compressors };
  let buffer: AsyncBuffer;
  let metadata: FileMetaData;
  try {
    buffer = typeof file === 'string' ? await asyncBufferFromFile(file) : file;
  } catch (error) {
    throw new TabularReadError(name, undefined, errorMessage(error), { cause: error });
  }
  await checkFrame(name, buffer);
  try {
    metadata = await parquetMetadataAsync(buffer);
  } catch (error) {
    throw new TabularReadError(name, undefined, `its footer (the file's metadata) cannot be decoded: ${errorMessage(error)}; the file is corrupt, or its footer length is wrong`, { cause: error });
  }
  checkCodecs(name, metadata, decoders);
  return { name, file: buffer, metadata, decoders };
}

/** Rows `rowStart` up to (not including) `rowEnd` of an open Parquet file: only the row groups they lie in are read. */
export async function readParquetRange({ name, file, metadata, decoders }: OpenParquet, rowStart: number, rowEnd: number): Promise<TableRow[]> {
  let records: Record<string, unknown>[];
  try {
    records = await parquetReadObjects({ file, metadata, rowStart, rowEnd, compressors: decoders });
  } catch (error) {
    throw new TabularReadError(name, undefined, `rows ${rowStart}–${rowEnd - 1}: ${errorMessage(error)}`, { cause: error });
  }
  return records.map((record, offset) => toRow(name, rowStart + offset, record));
}

/** TableRow count of each row group, in order. */
export const rowGroupSizes = ({ metadata }: OpenParquet): number[] => metadata.row_groups.map((group) => Number(group.num_rows));

/**
 * Streams a Parquet file one row group at a time: only the footer and the current group's
 * column chunks are in memory. `compressors` adds decoders for codecs beyond UNCOMPRESSED,
 * SNAPPY, GZIP and BROTLI (ZSTD, LZ4), in hyparquet's shape.
 */
export async function* readParquet(path: string, limit: number, compressors: Compressors = {}): AsyncGenerator<TableRow> {
  const parquet = await openParquet(path, path, compressors);
  let groupStart = 0;
  let emitted = 0;
  for (const [index, size] of rowGroupSizes(parquet).entries()) {
    if (emitted >= limit) return;
    const rowStart = groupStart;
    const rowEnd = rowStart + Math.min(size, limit - emitted);
    groupStart += size;
    let records: Record<string, unknown>[];
    try {
      records = await parquetReadObjects({ file: parquet.file, metadata: parquet.metadata, rowStart, rowEnd, compressors: parquet.decoders });
    } catch (error) {
      const where = `row group ${index} (rows ${rowStart}–${rowEnd - 1})`;
      throw new TabularReadError(path, undefined, `${where}: ${errorMessage(error)}`, { cause: error });
    }
    for (const [offset, record] of records.entries()) {
      yield toRow(path, rowStart + offset, record);
      emitted++;
    }
  }
}

/** Every row of a Parquet file held in memory (an object read whole, its checksum checked). `name` is what errors call it. */
export async function readParquetBytes(name: string, bytes: Buffer): Promise<TableRow[]> {
  const file: AsyncBuffer = { byteLength: bytes.length, slice: (start, end = bytes.length) => Uint8Array.prototype.slice.call(bytes, start, end).buffer };
  const parquet = await openParquet(name, file);
  return readParquetRange(parquet, 0, Number(parquet.metadata.num_rows));
}
