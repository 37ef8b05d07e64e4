/**
 * The text encoding of a CSV or JSON Lines source, told from its first bytes, and a UTF-8 copy
 * of a UTF-16 one. Spreadsheet programs export "Unicode text" as UTF-16, often without a
 * byte-order mark; its ASCII characters are a byte and a zero, which UTF-8 checks let through
 * (zero is valid UTF-8) and every reader then misreads.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { Transform } from 'node:stream';
import type { TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { TabularReadError } from './errors.js';

export type TextEncoding = 'utf-8' | 'utf-16le' | 'utf-16be';

export interface SniffedEncoding {
  encoding: TextEncoding;
  byteOrderMark: boolean;
}

/** Bytes read to tell the encoding: enough lines of any table for the zero bytes to show. */
const SNIFF_BYTES = 4096;

/** The encoding as people know it, for messages: "UTF-16LE (with a byte-order mark)". */
export const describeEncoding = ({ encoding, byteOrderMark }: SniffedEncoding): string =>
  `${encoding.toUpperCase()} (${byteOrderMark ? 'with' : 'no'} byte-order mark)`;

/**
 * UTF-16 when the bytes open with its byte-order mark, or when, without one, a quarter or more
 * of the byte pairs have a zero on one side and hardly any on the other (text that is mostly
 * ASCII, as tables are); UTF-8 otherwise.
 */
export function sniffEncoding(head: Uint8Array): SniffedEncoding {
  if (head[0] === 0xff && head[1] === 0xfe) return { encoding: 'utf-16le', byteOrderMark: true };
  if (head[0] === 0xfe && head[1] === 0xff) return { encoding: 'utf-16be', byteOrderMark: true };
  const pairs = Math.floor(head.length / 2);
  let zeroFirst = 0;
  let zeroSecond = 0;
  for (let i = 0; i < pairs; i++) {
    if (head[2 * i] === 0) zeroFirst++;
    if (head[2 * i + 1] === 0) zeroSecond++;
  }
  const mostly = (zeros: number, other: number): boolean => zeros > 0 && zeros * 4 >= pairs && other * 8 <= zeros;
  if (mostly(zeroSecond, zeroFirst)) return { encoding: 'utf-16le', byteOrderMark: false };
  if (mostly(zeroFirst, zeroSecond)) return { encoding: 'utf-16be', byteOrderMark: false };
  return { encoding: 'utf-8', byteOrderMark: false };
}

/** The encoding of the file at `path`, from its first bytes. */
export async function sniffFileEncoding(path: string): Promise<SniffedEncoding> {
  const handle = await open(path);
  try {
    const { buffer, bytesRead } = await handle.read(Buffer.alloc(SNIFF_BYTES), 0, SNIFF_BYTES, 0);
    return sniffEncoding(buffer.subarray(0, bytesRead));
  } finally {
    await handle.close();
  }
}

/**
 * Writes a UTF-16 file at `path` as UTF-8 (no byte-order mark) to `target`, streaming.
 * @throws TabularReadError naming the encoding and the line when the bytes are not valid UTF-16.
 */
export async function writeAsUtf8(path: string, sniffed: SniffedEncoding, target: string): Promise<void> {
  if (sniffed.encoding === 'utf-8') throw new RangeError(`${path} is already UTF-8`);
  const decoder = new TextDecoder(sniffed.encoding, { fatal: true, ignoreBOM: false });
  let lines = 1;
  const fail = (line: number): TabularReadError =>
    new TabularReadError(path, line, `the file reads as ${describeEncoding(sniffed)}, but this line holds bytes that are not valid UTF-16 (a lone surrogate or an odd byte); re-export the file as UTF-8`);
  const decode = new Transform({
    transform(chunk: Buffer, _encoding, done: TransformCallback) {
      let text: string;
      try {
        text = decoder.decode(chunk, { stream: true });
      } catch {
        // Read again leniently, the bad bytes come out as U+FFFD: the lines before the first one are good.
        const lenient = new TextDecoder(sniffed.encoding, { ignoreBOM: true }).decode(chunk);
        return done(fail(lines + countNewlines(Buffer.from(lenient.slice(0, Math.max(0, lenient.indexOf('\uFFFD'))), 'utf8'))));
      }
      const utf8 = Buffer.from(text, 'utf8');
      done(null, utf8);
      lines += countNewlines(utf8);
    },
    flush(done: TransformCallback) {
      try {
        done(null, Buffer.from(decoder.decode(), 'utf8'));
      } catch {
        done(fail(lines));
      }
    },
  });
  await pipeline(createReadStream(path), decode, createWriteStream(target));
}

/** How many line feeds `bytes` holds (UTF-8 and the other ASCII-compatible encodings). */
export function countNewlines(bytes: Buffer): number {
  let found = 0;
  for (let index = bytes.indexOf(0x0a); index !== -1; index = bytes.indexOf(0x0a, index + 1)) found++;
  return found;
}
