import { open } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { pipeline } from 'node:stream';
import { TabularReadError, errorMessage } from './errors.js';
import { nonFinite, toCell } from './row.js';
import type { TableRow } from './row.js';
import { strictUtf8 } from './utf8.js';

/** Told, for the row about to be yielded, each column whose value was an object or an array (its cell holds the JSON text). */
export type NestedCellListener = (column: string) => void;

/** A hint for the first line of a file that holds one JSON array: that is format 'json', not JSON Lines. */
const ARRAY_HINT = "; the file looks like one JSON array of objects, not JSON Lines (one object per line): set the spec's source.format to 'json'";

function parseLine(path: string, lineNumber: number, line: string, onNested?: NestedCellListener): TableRow {
  let value: unknown;
  const hint = lineNumber === 1 && line.trimStart().startsWith('[') ? ARRAY_HINT : '';
  try {
    value = JSON.parse(line);
  } catch (error) {
    throw new TabularReadError(path, lineNumber, `${errorMessage(error)}${hint}`, { cause: error });
  }
  return objectRow(value, (detail) => new TabularReadError(path, lineNumber, `${detail}${hint}`), 'per line', onNested);
}

/**
 * A parsed JSON value as a row: it must be an object. `fault` makes the error that says where it
 * was read; `expected` finishes "expected a JSON object …".
 */
export function objectRow(value: unknown, fault: (detail: string) => TabularReadError, expected: string, onNested?: NestedCellListener): TableRow {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    const got = Array.isArray(value) ? 'an array' : value === null ? 'null' : `a ${typeof value}`;
    throw fault(`expected a JSON object ${expected}, got ${got}`);
  }
  const row: TableRow = {};
  for (const [key, cell] of Object.entries(value)) {
    // JSON has no NaN or Infinity, but 1e999 overflows to Infinity, which the snapshot would write as null.
    if (typeof cell === 'number' && !Number.isFinite(cell)) throw fault(nonFinite(key, cell));
    if (onNested && cell !== null && typeof cell === 'object') onNested(key);
    row[key] = toCell(cell);
  }
  return row;
}

/** Streams a JSON Lines file (one object per line; blank lines skipped) as rows. */
export async function* readJsonl(path: string, limit: number, onNested?: NestedCellListener): AsyncGenerator<TableRow> {
  if (limit === 0) return;
  const handle = await open(path);
  const input = pipeline(handle.createReadStream(), strictUtf8(path), () => undefined);
  input.setEncoding('utf8');
  const lines = createInterface({ input, crlfDelay: Infinity });
  let lineNumber = 0;
  let emitted = 0;
  try {
    for await (const line of lines) {
      lineNumber++;
      if (line.trim() === '') continue;
      yield parseLine(path, lineNumber, lineNumber === 1 ? line.replace(/^\uFEFF/, '') : line, onNested);
      if (++emitted >= limit) return;
    }
  } catch (error) {
    if (error instanceof TabularReadError) throw error;
    throw new TabularReadError(path, undefined, errorMessage(error), { cause: error });
  } finally {
    lines.close();
    input.destroy();
  }
}
