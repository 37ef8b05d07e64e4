import { Transform } from 'node:stream';
import type { TransformCallback } from 'node:stream';
import { TabularReadError } from './errors.js';
import { binaryKind, countNewlines, describeEncoding, sniffEncoding } from './text-encoding.js';

/** Bytes that are not UTF-8 in a file read as UTF-8: a source may name its real encoding (source.encoding). */
export class NotUtf8Error extends TabularReadError {
  constructor(
    file: string,
    line: number,
    detail: string,
    /** Byte offset, from 0 at the file's start, of the first sequence that is not UTF-8. */
    readonly offset: number,
  ) {
    super(file, line, detail);
  }
}

/**
 * Passes a text file's bytes through unchanged, failing on the first byte that is not UTF-8
 * (a Latin-1 or Windows-1252 export, say), where a decoder would silently write U+FFFD, on
 * UTF-16 or UTF-32, named as such, and on a file that is not text (gzip, Parquet…). With
 * `utf16leWithMark`, UTF-16LE that opens with its byte-order mark is left to a parser that
 * decodes it (the CSV one does). Errors name the file as `name` (default: `path`).
 */
export function strictUtf8(path: string, { utf16leWithMark = false, name = path } = {}): Transform {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let lines = 1;
  /** Bytes passed before the current chunk. */
  let consumed = 0;
  /** The previous chunk's last character when it was cut short: the decoder holds it, and an error may start there. */
  let pending: Buffer = Buffer.alloc(0);
  let checked = false;
  let skip = false;
  return new Transform({
    transform(chunk: Buffer, _encoding, done: TransformCallback) {
      if (!checked) {
        checked = true;
        const binary = binaryKind(chunk);
        if (binary) return done(new TabularReadError(name, undefined, `the file is not text: it looks like ${binary}`));
        const sniffed = sniffEncoding(chunk);
        skip = utf16leWithMark && sniffed.encoding === 'utf-16le' && sniffed.byteOrderMark;
        if (sniffed.encoding !== 'utf-8' && !skip) return done(new TabularReadError(name, 1, `the file is ${describeEncoding(sniffed)}, not UTF-8; re-export the file as UTF-8`));
      }
      if (skip) return done(null, chunk);
      try {
        decoder.decode(chunk, { stream: true });
      } catch {
        // Searched from the cut character on, so a sequence that began in the previous chunk is found where it begins.
        const bytes = Buffer.concat([pending, chunk]);
        const offset = firstInvalidByte(bytes);
        const at = lines + countNewlines(bytes.subarray(0, offset));
        return done(new NotUtf8Error(name, at, `byte 0x${(bytes[offset] ?? 0).toString(16).toUpperCase()} is not UTF-8; re-export the file as UTF-8`, consumed - pending.length + offset));
      }
      lines += countNewlines(chunk);
      pending = cutCharacter(chunk.length >= 4 ? chunk : Buffer.concat([pending, chunk]));
      consumed += chunk.length;
      done(null, chunk);
    },
    flush(done: TransformCallback) {
      try {
        if (!skip) decoder.decode();
        done();
      } catch {
        done(new NotUtf8Error(name, lines, `byte 0x${(pending[0] ?? 0).toString(16).toUpperCase()} is not UTF-8: the file ends inside a UTF-8 character, so it is truncated or not UTF-8`, consumed - pending.length));
      }
    },
  });
}

/** The character `bytes` ends inside of, if any: a lead byte (0xC0 and up) missing some of its continuation bytes, and those it has. */
function cutCharacter(bytes: Buffer): Buffer {
  for (let back = 1; back <= Math.min(3, bytes.length); back++) {
    const byte = bytes[bytes.length - back]!;
    if (byte < 0x80) break;
    if (byte >= 0xc0) return (byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : 2) > back ? Buffer.from(bytes.subarray(bytes.length - back)) : Buffer.alloc(0);
  }
  return Buffer.alloc(0);
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
