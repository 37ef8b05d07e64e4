/**
 * A source file as one Parquet snapshot, written by the columnar engine: zstd, fixed row groups,
 * the same bytes for the same rows (so the same DVC version). Personal columns are replaced by
 * their pseudonyms before anything is written.
 *
 * Cells are typed as the row readers type them (read.ts), decided per column: a CSV column whose
 * every non-empty field is a plain decimal becomes DOUBLE, one of true/false only BOOLEAN, any
 * other TEXT (a column mixing numbers and words keeps each field's text). Parquet sources keep
 * their types. The engine reads CSV and Parquet itself; anything it refuses is read again by the
 * row readers, whose error names the line, and whatever they read (JSON Lines) goes through them
 * into a typed JSON Lines scratch file the engine converts. Text in another encoding than UTF-8
 * (UTF-16 told from its bytes, or whatever source.encoding names) is decoded to a UTF-8 copy first.
 */
import { createWriteStream } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { pseudonymizeRow, pseudonymSql } from '../privacy/pseudonym.js';
import type { Engine } from './engine.js';
import { sqlCountWhere, sqlIdentifier, sqlString } from './engine.js';
import { TabularReadError } from './errors.js';
import { DECIMAL_PATTERN, readCsvHeader } from './read-csv.js';
import type { CsvDelimiter } from '../contracts/pipeline-spec-sections.js';
import { readRows } from './read.js';
import type { TabularFormat } from './read.js';
import { nonFinite } from './row.js';
import { describeEncoding, fileTextEncoding, writeAsUtf8 } from './text-encoding.js';

/** Rows per Parquet row group, unless the rows are wide (snapshotRowGroup): fixed, so the bytes depend on the rows alone. */
export const SNAPSHOT_ROW_GROUP = 122_880;

/**
 * What a row group's rows may take in the engine, by their types: the writer buffers a whole row
 * group, and one of 122,880 rows of 80 columns ran the snapshot engine out of memory (past about
 * 50 MB, it spilled for seconds first).
 */
const ROW_GROUP_BYTES = 40 * 1024 * 1024;
/** The engine's vector of rows: a row group holds whole ones. */
const VECTOR_ROWS = 2048;

/** Bytes a value of this type takes in the engine, roughly: text and blobs as short strings, nested values as a few fields. */
const valueBytes = (type: string): number => (/^(VARCHAR|BLOB|BIT)$/.test(type) ? 32 : /[[\]]|^(STRUCT|MAP|UNION)/.test(type) ? 64 : 8);

/**
 * Rows per row group for rows of these column types: {@link SNAPSHOT_ROW_GROUP}, or fewer for rows
 * too wide for that many to fit {@link ROW_GROUP_BYTES}. It depends on the types alone, so the
 * same input still gives the same bytes.
 */
export function snapshotRowGroup(types: readonly string[]): number {
  const rowBytes = types.reduce((sum, type) => sum + valueBytes(type), 0);
  const fitting = Math.floor(ROW_GROUP_BYTES / Math.max(rowBytes, 1) / VECTOR_ROWS) * VECTOR_ROWS;
  return Math.min(SNAPSHOT_ROW_GROUP, Math.max(VECTOR_ROWS, fitting));
}

/**
 * What the engine may use while it writes a snapshot, whatever the source's size (past the limit
 * it spills to scratch). One thread: each reading thread holds its own CSV buffers, which the
 * limit does not count; with two, ingesting a 32 MiB CSV grew the process by 115 to 150 MiB, with one by 64 to 98 MiB.
 */
export const SNAPSHOT_ENGINE = { memoryLimit: '96MB', threads: 1 } as const;

/**
 * The writer also holds buffers for each column, whatever the row group: a MiB per column on top
 * of {@link SNAPSHOT_ENGINE}'s limit (80 columns in row groups of 24,576 rows ran out of 96 MB, not of 160 MB).
 */
const snapshotMemoryBytes = (columns: number): number => (Number.parseInt(SNAPSHOT_ENGINE.memoryLimit, 10) + columns) * 1e6;

const SIZE_UNITS: Record<string, number> = { bytes: 1, KB: 1e3, MB: 1e6, GB: 1e9, TB: 1e12, KiB: 2 ** 10, MiB: 2 ** 20, GiB: 2 ** 30, TiB: 2 ** 40 };

/** Raises the engine's memory limit to `bytes`, never lowers it (an engine given more keeps it). */
async function raiseMemoryLimit(engine: Engine, bytes: number): Promise<void> {
  const [setting] = await engine.rows<{ limit: string }>(`select current_setting('memory_limit') as limit`);
  const match = /^([\d.]+)\s*(\w+)$/.exec(setting?.limit ?? '');
  const current = match ? Number(match[1]) * (SIZE_UNITS[match[2]!] ?? Number.NaN) : Number.NaN;
  if (!(current >= bytes)) await engine.run(`set memory_limit = '${Math.ceil(bytes / 1e6)}MB'`);
}

export interface SnapshotSource {
  path: string;
  format: TabularFormat;
  /** The first rows only. */
  limit?: number;
  /** Columns to replace by their keyed hash. */
  personal?: { columns: readonly string[]; key: Buffer };
  /** The text's encoding, a TextDecoder label (source.encoding). Default: told from the bytes. */
  encoding?: string;
  /** CSV's field delimiter (source.delimiter). Default ','. */
  delimiter?: CsvDelimiter;
}

/** Writes `source` as a Parquet snapshot at `target`; `scratch` is a folder for intermediate files. Returns its row count. */
export async function writeSnapshot(engine: Engine, source: SnapshotSource, target: string, scratch: string): Promise<{ rows: number }> {
  const sniffed = source.format === 'parquet' ? undefined : await fileTextEncoding(source.path, source.encoding);
  if (!sniffed || sniffed.encoding === 'utf-8') return writeUtf8Snapshot(engine, source, target, scratch);
  // Other text is read as its UTF-8 copy; what is wrong in it is still said of the source, in its encoding.
  const copy = join(scratch, `source-utf8.${source.format}`);
  try {
    await writeAsUtf8(source.path, sniffed, copy);
    return await writeUtf8Snapshot(engine, { ...source, path: copy }, target, scratch);
  } catch (error) {
    if (!(error instanceof TabularReadError) || error.file !== copy) throw error;
    throw new TabularReadError(source.path, error.line, `${error.detail} (read as ${describeEncoding(sniffed)}, decoded to UTF-8)`, { cause: error });
  }
}

async function writeUtf8Snapshot(engine: Engine, source: SnapshotSource, target: string, scratch: string): Promise<{ rows: number }> {
  const fast = source.format === 'csv' ? await csvSelect(engine, source) : source.format === 'parquet' ? await parquetSelect(engine, source) : undefined;
  const select = fast ?? (await viaRowReader(source, join(scratch, 'rows.jsonl')));
  const types = await columnTypes(engine, select);
  const rowGroup = snapshotRowGroup(types);
  await raiseMemoryLimit(engine, snapshotMemoryBytes(types.length));
  // A Parquet source is read a row group at a time, with none of CSV's per-thread buffers: every
  // core may read and compress narrow rows (the bytes are the same, rows kept in order); 3M rows took
  // 360 ms against 460 on one. Wide rows, buffered by each thread, ran the engine out of memory.
  if (source.format === 'parquet' && fast && rowGroup === SNAPSHOT_ROW_GROUP) await engine.run(`set threads = ${availableParallelism()}`);
  return copyToSnapshot(engine, select, target, rowGroup);
}

/** The types of a SELECT's columns: the engine describes it without reading it. */
async function columnTypes(engine: Engine, select: string): Promise<string[]> {
  return (await engine.rows<{ column_type: string }>(`select column_type from (describe ${select})`)).map(({ column_type }) => column_type);
}

/** Writes a SELECT's rows, in order, as a snapshot's Parquet (zstd, fixed row groups: the same rows give the same bytes); answers the rows written. */
export async function copyToSnapshot(engine: Engine, select: string, target: string, rowGroup?: number): Promise<{ rows: number }> {
  await engine.run(`copy (${select}) to ${sqlString(target)} (format parquet, compression zstd, row_group_size ${rowGroup ?? snapshotRowGroup(await columnTypes(engine, select))})`);
  const [counted] = await engine.rows<{ rows: bigint }>(`select count(*) as rows from read_parquet(${sqlString(target)})`);
  return { rows: Number(counted?.rows ?? 0) };
}

const limitClause = (limit: number | undefined): string => (limit === undefined ? '' : ` limit ${limit}`);
const isBooleanText = (column: string): string => `lower(${column}) in ('true', 'false')`;
const isDecimal = (column: string): string => `regexp_full_match(${column}, ${sqlString(DECIMAL_PATTERN)})`;

/**
 * The text a row reader's cell would be hashed as (pseudonymize hashes numbers as JavaScript
 * writes them): integers as their digits, other decimals as DuckDB's shortest round-trip text,
 * true/false in lower case, anything else as written.
 */
function csvPersonalText(column: string): string {
  const number = `cast(${column} as double)`;
  return `case when ${isDecimal(column)} then (case when ${number} = trunc(${number}) and abs(${number}) < 9007199254740992 then cast(cast(${number} as bigint) as varchar) else cast(${number} as varchar) end) when ${isBooleanText(column)} then lower(${column}) else ${column} end`;
}

/** The SELECT that types a CSV source, or undefined when the engine cannot read it (it is then read row by row). */
async function csvSelect(engine: Engine, source: SnapshotSource): Promise<string | undefined> {
  // The header's faults (another delimiter, a nameless or repeated column) are the row reader's to name.
  const delimiter = source.delimiter ?? ',';
  const columns = await readCsvHeader(source.path, delimiter);
  if (columns.length === 0) return undefined;
  // The columns are the header's: left to itself, the engine's sniffer may take a longer line for the header.
  const types = columns.map((name) => `${sqlString(name)}: 'VARCHAR'`).join(', ');
  const read = `read_csv(${sqlString(source.path)}, header = true, auto_detect = false, columns = {${types}}, delim = ${sqlString(delimiter)}, quote = '"', escape = '"', strict_mode = true, null_padding = false)`;
  let tallies: Record<string, bigint>;
  try {
    const counts = columns.flatMap((name, i) => {
      const column = sqlIdentifier(name);
      return [`count(${column}) as p${i}`, `${sqlCountWhere(isDecimal(column))} as d${i}`, `${sqlCountWhere(isBooleanText(column))} as b${i}`, `${sqlCountWhere(`${isDecimal(column)} and isinf(try_cast(${column} as double))`)} as i${i}`];
    });
    [tallies = {}] = await engine.rows<Record<string, bigint>>(`select ${counts.join(', ')} from (select * from ${read}${limitClause(source.limit)})`);
  } catch (error) {
    return explainOrRowByRow(source, error);
  }
  const personal = new Set(source.personal?.columns ?? []);
  const selected = columns.map((name, i) => {
    const column = sqlIdentifier(name);
    const [present, decimals, booleans, infinite] = ['p', 'd', 'b', 'i'].map((tally) => Number(tallies[`${tally}${i}`] ?? 0));
    if (infinite! > 0) throw new TabularReadError(source.path, undefined, nonFinite(name, 1));
    if (personal.has(name)) return `${pseudonymSql(csvPersonalText(column), source.personal!.key)} as ${column}`;
    if (present! > 0 && decimals === present) return `cast(${column} as double) as ${column}`;
    if (present! > 0 && booleans === present) return `lower(${column}) = 'true' as ${column}`;
    return column;
  });
  return `select ${selected.join(', ')} from ${read}${limitClause(source.limit)}`;
}

/** The SELECT for a Parquet source, or undefined when a personal column is of a type only the row reader hashes as serving does. */
async function parquetSelect(engine: Engine, source: SnapshotSource): Promise<string | undefined> {
  let columns: { column_name: string; column_type: string }[];
  try {
    columns = await engine.rows(`select column_name, column_type from (describe select * from read_parquet(${sqlString(source.path)}))`);
  } catch (error) {
    return explainOrRowByRow(source, error);
  }
  const personal = new Set(source.personal?.columns ?? []);
  const hashable = /^(VARCHAR|BOOLEAN|TINYINT|SMALLINT|INTEGER|BIGINT|UTINYINT|USMALLINT|UINTEGER)$/;
  if (columns.some((column) => personal.has(column.column_name) && !hashable.test(column.column_type))) return undefined;
  const selected = columns.map(({ column_name: name }) => (personal.has(name) ? `${pseudonymSql(`cast(${sqlIdentifier(name)} as varchar)`, source.personal!.key)} as ${sqlIdentifier(name)}` : sqlIdentifier(name)));
  // The first rows by their number in the file: the engine then reads only the row groups that hold
  // them (a LIMIT read 1M of 3M rows as slowly as all 3M). A source column of that name keeps the LIMIT.
  const byRowNumber = source.limit !== undefined && !columns.some((column) => column.column_name === 'file_row_number');
  if (byRowNumber) return `select ${selected.join(', ')} from read_parquet(${sqlString(source.path)}, file_row_number = true) where file_row_number < ${source.limit}`;
  return `select ${selected.join(', ')} from read_parquet(${sqlString(source.path)})${limitClause(source.limit)}`;
}

/** When the engine refuses a file, the row reader says why, naming the line; if it reads the file after all, it is read row by row. */
async function explainOrRowByRow(source: SnapshotSource, engineError: unknown): Promise<undefined> {
  try {
    const rows = readRows(source.path, source.format, { limit: source.limit, delimiter: source.delimiter })[Symbol.asyncIterator]();
    while (!(await rows.next()).done);
  } catch (error) {
    if (error instanceof TabularReadError) throw error;
    throw engineError;
  }
  return undefined;
}

/**
 * Reads the source with the row readers (JSON Lines, and what the engine does not read) into a
 * JSON Lines scratch file of typed cells, tallying each column's types on the way, and returns
 * the SELECT that reads it back typed per column.
 */
async function viaRowReader(source: SnapshotSource, scratchFile: string): Promise<string> {
  const kinds = new Map<string, Set<'number' | 'boolean' | 'string' | 'nested'>>();
  const note = (name: string, kind: 'number' | 'boolean' | 'string' | 'nested' | 'null'): void => {
    const seen = kinds.get(name) ?? new Set();
    if (kind !== 'null') seen.add(kind);
    kinds.set(name, seen);
  };
  const personal = new Set(source.personal?.columns ?? []);
  const nestedInRow = new Set<string>();
  async function* lines(): AsyncGenerator<string> {
    for await (const read of readRows(source.path, source.format, { limit: source.limit, delimiter: source.delimiter, onNested: (column) => nestedInRow.add(column) })) {
      const row: Record<string, unknown> = source.personal ? pseudonymizeRow(read, source.personal.columns, source.personal.key) : read;
      for (const [name, cell] of Object.entries(row)) {
        // An object or array stays one (the snapshot types its column JSON), so validate can tell it from text; a personal one is already its pseudonym.
        const nested = nestedInRow.has(name) && !personal.has(name);
        if (nested) row[name] = JSON.parse(cell as string) as unknown;
        note(name, nested ? 'nested' : cell === null ? 'null' : (typeof cell as 'number' | 'boolean' | 'string'));
      }
      nestedInRow.clear();
      yield `${JSON.stringify(row)}\n`;
    }
  }
  await pipeline(Readable.from(lines()), createWriteStream(scratchFile));
  if (kinds.size === 0) return 'select * from (select 1) where false';
  const type = (seen: Set<string>): string =>
    seen.has('nested') ? 'JSON' : seen.size === 1 && seen.has('number') ? 'DOUBLE' : seen.size === 1 && seen.has('boolean') ? 'BOOLEAN' : 'VARCHAR';
  const columns = [...kinds].map(([name, seen]) => `${sqlString(name)}: ${sqlString(type(seen))}`).join(', ');
  return `select * from read_json(${sqlString(scratchFile)}, format = 'newline_delimited', columns = {${columns}})`;
}
