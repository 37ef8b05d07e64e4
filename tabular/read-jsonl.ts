import { open } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { TabularReadError, errorMessage } from './errors.js';
import { toCell } from './row.js';
import type { Row } from './row.js';

function parseLine(path: string, lineNumber: number, line: string): Row {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (error) {
    throw new TabularReadError(path, lineNumber, errorMessage(error), { cause: error });
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    const got = Array.isArray(value) ? 'an array' : value === null ? 'null' : `a ${typeof value}`;
    throw new TabularReadError(path, lineNumber, `expected a JSON object per line, got ${got}`);
  }
  const row: Row = {};
  for (const [key, cell] of Object.entries(value)) row[key] = toCell(cell);
  return row;
}

/** Streams a JSON Lines file (one object per line; blank lines skipped) as rows. */
export async function* readJsonl(path: string, limit: number): AsyncGenerator<Row> {
  if (limit === 0) return;
  const handle = await open(path);
  const input = handle.createReadStream({ encoding: 'utf8' });
  const lines = createInterface({ input, crlfDelay: Infinity });
  let lineNumber = 0;
  let emitted = 0;
  try {
    for await (const line of lines) {
      lineNumber++;
      if (line.trim() === '') continue;
      yield parseLine(path, lineNumber, lineNumber === 1 ? line.replace(/^\uFEFF/, '') : line);
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
