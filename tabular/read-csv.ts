import { open } from 'node:fs/promises';
import { pipeline } from 'node:stream';
import { CsvError, parse } from 'csv-parse';
import { CSV_DELIMITERS } from '../contracts/pipeline-spec-sections.js';
import type { CsvDelimiter } from '../contracts/pipeline-spec-sections.js';
import { TabularReadError, errorMessage } from './errors.js';
import type { Cell, TableRow } from './row.js';
import { strictUtf8 } from './utf8.js';

// Plain decimal numbers only: hex, "Infinity" or "1_000" stay text, and so do codes with
// leading zeros ("02134"), whose zeros a number would lose.
export const DECIMAL_PATTERN = '^[+-]?(?:0|[1-9]\\d*)(?:\\.\\d*)?(?:[eE][+-]?\\d+)?$|^[+-]?\\.\\d+(?:[eE][+-]?\\d+)?$';
const DECIMAL = new RegExp(DECIMAL_PATTERN);
const BOOLEAN = /^(?:true|false)$/i;

/** Types one CSV field: empty → null, decimal → number, true/false → boolean, else the text. */
export function castCsvField(value: string): Cell {
  if (value === '') return null;
  if (DECIMAL.test(value)) return Number(value);
  if (BOOLEAN.test(value)) return value.toLowerCase() === 'true';
  return value;
}


function checkHeader(path: string, header: string[], delimiter: CsvDelimiter): string[] {
  // A one-column header holding another delimiter was almost surely written with it.
  const other = header.length === 1 ? CSV_DELIMITERS.find((candidate) => candidate !== delimiter && header[0]!.includes(candidate)) : undefined;
  if (other) {
    throw new TabularReadError(path, 1, `the header is one column, ${JSON.stringify(header[0])}: the file looks delimited by ${JSON.stringify(other)}, not ${JSON.stringify(delimiter)}; name it in the spec's source.delimiter`);
  }
  const seen = new Set<string>();
  header.forEach((name, index) => {
    if (name.trim() === '') throw new TabularReadError(path, 1, `column ${index + 1} of the header has no name`);
    if (seen.has(name)) throw new TabularReadError(path, 1, `the header names column "${name}" twice`);
    seen.add(name);
  });
  return header;
}

/** The header of a CSV file, checked as {@link readCsv} checks it; empty when the file has no line. */
export async function readCsvHeader(path: string, delimiter: CsvDelimiter = ','): Promise<string[]> {
  const handle = await open(path);
  const parser = parse({ bom: true, skip_empty_lines: true, delimiter });
  const records = pipeline(handle.createReadStream(), strictUtf8(path, { utf16leWithMark: true }), parser, () => undefined);
  try {
    for await (const record of records as AsyncIterable<string[]>) return checkHeader(path, record, delimiter);
    return [];
  } catch (error) {
    if (error instanceof TabularReadError) throw error;
    throw new TabularReadError(path, 1, errorMessage(error), { cause: error });
  } finally {
    records.destroy();
  }
}

/**
 * Streams a CSV file with a header line as typed rows. The parser yields plain arrays and the
 * fields are typed here: csv-parse's `cast` and `columns` options build a context object per
 * field, which made reading several times slower.
 */
export async function* readCsv(path: string, limit: number, delimiter: CsvDelimiter = ','): AsyncGenerator<TableRow> {
  if (limit === 0) return;
  const handle = await open(path);
  // Inconsistent field counts still fail: csv-parse compares every record with the first.
  const parser = parse({ bom: true, skip_empty_lines: true, delimiter });
  // pipeline forwards a read or decoding error into the parser and tears all down when we stop early.
  const records = pipeline(handle.createReadStream(), strictUtf8(path, { utf16leWithMark: true }), parser, () => undefined);
  let header: string[] | undefined;
  let emitted = 0;
  try {
    for await (const record of records as AsyncIterable<string[]>) {
      if (!header) {
        header = checkHeader(path, record, delimiter);
        continue;
      }
      const row: TableRow = {};
      for (let index = 0; index < header.length; index++) row[header[index]!] = castCsvField(record[index]!);
      yield row;
      if (++emitted >= limit) return;
    }
  } catch (error) {
    if (error instanceof TabularReadError) throw error;
    const line = error instanceof CsvError && typeof error.lines === 'number' ? error.lines : undefined;
    throw new TabularReadError(path, line, errorMessage(error), { cause: error });
  } finally {
    records.destroy();
  }
}
