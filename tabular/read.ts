import type { Compressors } from 'hyparquet';
import { readCsv } from './read-csv.js';
import type { CsvDelimiter } from '../contracts/pipeline-spec-sections.js';
import { readJson } from './read-json.js';
import { readJsonl } from './read-jsonl.js';
import type { NestedCellListener } from './read-jsonl.js';
import { readParquet } from './read-parquet.js';
import type { TableRow } from './row.js';

/** The source formats ctrain ingests. */
export type TabularFormat = 'csv' | 'json' | 'jsonl' | 'parquet';

export interface ReadOptions {
  /** Stop after this many rows (a non-negative integer). Default: every row. */
  limit?: number;
  /**
   * Parquet only: extra page decompressors by codec (hyparquet's `Compressors`), for codecs
   * the reader does not decode itself (it decodes UNCOMPRESSED, SNAPPY, GZIP, BROTLI).
   */
  compressors?: Compressors;
  /** CSV only: the field delimiter. Default ','. */
  delimiter?: CsvDelimiter;
  /** JSON and JSON Lines only: told, before each row, which of its cells were objects or arrays. */
  onNested?: NestedCellListener;
}

const FORMAT_BY_EXTENSION: Record<string, TabularFormat> = {
  csv: 'csv',
  json: 'json',
  jsonl: 'jsonl',
  ndjson: 'jsonl',
  parquet: 'parquet',
};

/**
 * The format a source holds, from its extension (.csv, .json, .jsonl/.ndjson, .parquet; any case).
 * Accepts paths and URIs; a URI's query and fragment are ignored.
 * @throws Error naming the source when the extension is none of those.
 */
export function detectFormat(uriOrPath: string): TabularFormat {
  const path = /^[a-z][a-z0-9+.-]*:\/\//i.test(uriOrPath) ? uriOrPath.replace(/[?#].*$/, '') : uriOrPath;
  const name = path.slice(path.lastIndexOf('/') + 1);
  const dot = name.lastIndexOf('.');
  const format = dot > 0 ? FORMAT_BY_EXTENSION[name.slice(dot + 1).toLowerCase()] : undefined;
  if (format) return format;
  throw new Error(
    `Cannot tell the format of "${uriOrPath}" from its extension: expected .csv, .json, .jsonl, .ndjson or .parquet. ` +
      `Rename the file or state the format in the pipeline spec (source.format).`,
  );
}

/**
 * Streams the rows of a local file, never holding the whole file in memory.
 * CSV: the first line is the header; empty fields become null, decimal numbers numbers,
 * true/false booleans. JSON: an array of objects (or JSON Lines). JSON Lines: one object per line. Parquet: INT64 becomes a number
 * (or its digits as text past 2^53), timestamps ISO-8601 text, nested values JSON text.
 * @throws TabularReadError naming the file and the line or row group at fault.
 */
export function readRows(path: string, format: TabularFormat, options: ReadOptions = {}): AsyncIterable<TableRow> {
  const limit = options.limit ?? Infinity;
  if (limit !== Infinity && !(Number.isInteger(limit) && limit >= 0)) {
    throw new RangeError(`readRows limit must be a non-negative integer, got ${limit}`);
  }
  switch (format) {
    case 'csv':
      return readCsv(path, limit, options.delimiter);
    case 'json':
      return readJson(path, limit, options.onNested);
    case 'jsonl':
      return readJsonl(path, limit, options.onNested);
    case 'parquet':
      return readParquet(path, limit, options.compressors);
  }
}
