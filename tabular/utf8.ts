import { Transform } from 'node:stream';
import type { TransformCallback } from 'node:stream';
import { TabularReadError } from './errors.js';
import { binaryKind, countNewlines, describeEncoding, sniffEncoding } from './text-encoding.js';

/** Bytes that are not UTF-8 in a file read as UTF-8: a source may name its real encoding (source.encoding). */
export class NotUtf8Error extends TabularReadError {}

/**
 * Passes a text file's bytes through unchanged, failing on the first byte that is not UTF-8
 * (a Latin-1 or Windows-1252 export, say), where a decoder would silently write U+FFFD, on
 * UTF-16 or UTF-32, named as such, and on a file that is not text (gzip, Parquet…). With
 * `utf16leWithMark`, UTF-16LE that opens with its byte-order mark is left to a parser that
 * decodes it (the CSV one does).
 */
export function strictUtf8(path: string, { utf16leWithMark = false } = {}): Transform {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let lines = 1;
  let checked = false;
  let skip = false;
  return new Transform({
    transform(chunk: Buffer, _encoding, done: TransformCallback) {
      if (!checked) {
        checked = true;
        const binary = binaryKind(chunk);
        if (binary) return done(new TabularReadError(path, undefined, `the file is not text: it looks like ${binary}`));
        const sniffed = sniffEncoding(chunk);
        skip = utf16leWithMark && sniffed.encoding === 'utf-16le' && sniffed.byteOrderMark;
        if (sniffed.encoding !== 'utf-8' && !skip) return done(new TabularReadError(path, 1, `the file is ${describeEncoding(sniffed)}, not UTF-8; re-export the file as UTF-8`));
      }
      if (skip) return done(null, chunk);
      try {
        decoder.decode(chunk, { stream: true });
      } catch {
        const offset = firstInvalidByte(chunk);
        const at = lines + countNewlines(chunk.subarray(0, offset));
        return done(new NotUtf8Error(path, at, `byte 0x${(chunk[offset] ?? 0).toString(16).toUpperCase()} is not UTF-8; re-export the file as UTF-8`));
      }
      lines += countNewlines(chunk);
      done(null, chunk);
    },
    flush(done: TransformCallback) {
      try {
        if (!skip) decoder.decode();
        done();
      } catch {
        done(new TabularReadError(path, lines, 'the file ends inside a UTF-8 character; it is truncated or not UTF-8'));
      }
    },
  });
}

/** The first byte of the first invalid sequence in `bytes`, read alone. */
function firstInvalidByte(bytes: Buffer): number {
  const failing = failingByte(bytes);
  // A lead byte (0xC0 and up) whose continuation never came is the culprit, not the byte after it.
  for (let back = failing - 1; back >= Math.max(0, failing - 3); back--) {
    const byte = bytes[back]!;
    if (byte >= 0xc0) return back;
    if (byte < 0x80) break;
  }
  return failing;
}

/** Where decoding `bytes` alone first fails: the shortest prefix a fresh decoder refuses, less one. */
function failingByte(bytes: Buffer): number {
  let low = 0;
  let high = bytes.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    try {
      new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(0, middle + 1), { stream: true });
      low = middle + 1;
    } catch {
      high = middle;
    }
  }
  return Math.min(low, bytes.length - 1);
}
