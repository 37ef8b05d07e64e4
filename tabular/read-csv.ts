import { open } from 'node:fs/promises';
import { pipeline } from 'node:stream';
import { CsvError, parse } from 'csv-parse';
import type { CastingContext } from 'csv-parse';
import { TabularReadError, errorMessage } from './errors.js';
import type { Cell, Row } from './row.js';

// Plain decimal numbers only: hex, "Infinity" or "1_000" stay text, and so do codes with
// leading zeros ("02134"), whose zeros a number would lose.
const DECIMAL = /^[+-]?(?:0|[1-9]\d*)(?:\.\d*)?(?:[eE][+-]?\d+)?$|^[+-]?\.\d+(?:[eE][+-]?\d+)?$/;
const BOOLEAN = /^(?:true|false)$/i;

/** Types one CSV field: empty → null, decimal → number, true/false → boolean, else the text. */
export function castCsvField(value: string, context: CastingContext): Cell {
  if (context.header) return value;
  if (value === '') return null;
  if (DECIMAL.test(value)) return Number(value);
  if (BOOLEAN.test(value)) return value.toLowerCase() === 'true';
  return value;
}

function checkHeader(path: string, header: string[]): string[] {
  const seen = new Set<string>();
  header.forEach((name, index) => {
    if (name.trim() === '') throw new TabularReadError(path, 1, `column ${index + 1} of the header has no name`);
    if (seen.has(name)) throw new TabularReadError(path, 1, `the header names column "${name}" twice`);
    seen.add(name);
  });
  return header;
}

/** Streams a CSV file with a header line as typed rows. */
export async function* readCsv(path: string, limit: number): AsyncGenerator<Row> {
  if (limit === 0) return;
  const handle = await open(path);
  const parser = parse({
    bom: true,
    columns: (header: string[]) => checkHeader(path, header),
    cast: castCsvField,
    skip_empty_lines: true,
  });
  // pipeline forwards a read error into the parser and tears both down when we stop early.
  const records = pipeline(handle.createReadStream(), parser, () => undefined);
  let emitted = 0;
  try {
    for await (const record of records) {
      yield record as Row;
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
