import { open } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream';
import StreamArray from 'stream-json/streamers/StreamArray.js';
import { TabularReadError, errorMessage } from './errors.js';
import { objectRow, readJsonl } from './read-jsonl.js';
import type { NestedCellListener } from './read-jsonl.js';
import type { TableRow } from './row.js';
import { strictUtf8 } from './utf8.js';

/** Bytes looked at to tell an array from JSON Lines: leading whitespace longer than this is read as JSON Lines. */
const SNIFF_BYTES = 64 * 1024;

/**
 * Streams a JSON file as rows: one array of objects (what most tools export as ".json"), parsed
 * element by element so the file is never held whole, or JSON Lines when it does not open with
 * `[` (many exports name those ".json" too).
 */
export async function* readJson(path: string, limit: number, onNested?: NestedCellListener): AsyncGenerator<TableRow> {
  if (limit === 0) return;
  if (!(await opensWithArray(path))) {
    yield* readJsonl(path, limit, onNested);
    return;
  }
  let emitted = 0;
  for await (const { index, value } of jsonArrayElements(path)) {
    yield objectRow(value, (detail) => new TabularReadError(path, undefined, `array element ${index}: ${detail}`), 'as each element of the array', onNested);
    if (++emitted >= limit) return;
  }
}

/**
 * The elements of a file holding one JSON array, parsed one at a time (1-based `index`); its
 * faults name the file as `name`. Stopping early closes the file.
 */
export async function* jsonArrayElements(path: string, name = path): AsyncGenerator<{ index: number; value: unknown }> {
  const handle = await open(path);
  const input = pipeline(handle.createReadStream(), strictUtf8(path, { name }), withoutByteOrderMark(), StreamArray.withParser(), () => undefined) as Readable;
  let index = 0;
  try {
    for await (const { value } of input as AsyncIterable<{ value: unknown }>) yield { index: ++index, value };
  } catch (error) {
    if (error instanceof TabularReadError) throw error;
    throw new TabularReadError(name, undefined, `not a valid JSON array after element ${index}: ${errorMessage(error)}`, { cause: error });
  } finally {
    input.destroy();
  }
}

/** Whether the file's first character past a byte-order mark and whitespace is `[`: one JSON array, not JSON Lines. */
export async function opensWithArray(path: string): Promise<boolean> {
  const handle = await open(path);
  try {
    const { buffer, bytesRead } = await handle.read(Buffer.alloc(SNIFF_BYTES), 0, SNIFF_BYTES, 0);
    let at = bytesRead >= 3 && buffer[0] === 0xef && buffer[1] === 0xbb && buffer[2] === 0xbf ? 3 : 0;
    while (at < bytesRead && (buffer[at] === 0x20 || buffer[at] === 0x09 || buffer[at] === 0x0a || buffer[at] === 0x0d)) at++;
    return at < bytesRead && buffer[at] === 0x5b;
  } finally {
    await handle.close();
  }
}

/** Drops a UTF-8 byte-order mark at the start: the JSON parser takes it for a stray character. */
function withoutByteOrderMark(): (source: AsyncIterable<Buffer>) => AsyncGenerator<Buffer> {
  return async function* (source) {
    let first = true;
    for await (const chunk of source) {
      yield first && chunk[0] === 0xef && chunk[1] === 0xbb && chunk[2] === 0xbf ? chunk.subarray(3) : chunk;
      first = false;
    }
  };
}
