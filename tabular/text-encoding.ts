/**
 * The text encoding of a CSV or JSON Lines source, told from its first bytes or named by the
 * spec, and a UTF-8 copy of one in another encoding. Spreadsheet programs export "Unicode text"
 * as UTF-16, often without a byte-order mark; its ASCII characters are a byte and a zero, which
 * UTF-8 checks let through (zero is valid UTF-8) and every reader then misreads. Files that are
 * not text at all (compressed, Parquet, a workbook) are named as what they look like.
 */
import { isAscii } from 'node:buffer';
import { createReadStream, createWriteStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { Transform } from 'node:stream';
import type { TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { TabularReadError } from './errors.js';

/** An encoding as TextDecoder names it ('utf-8', 'utf-16le', 'windows-1252'…), or UTF-32, which it cannot decode. */
export type TextEncoding = string;

export interface SniffedEncoding {
  encoding: TextEncoding;
  byteOrderMark: boolean;
  /** Named by the spec's source.encoding rather than told from the bytes. */
  declared?: boolean;
}

/** Bytes read to tell the encoding: enough lines of any table for the zero bytes to show. */
const SNIFF_BYTES = 4096;

/** The encoding as people know it, for messages: "UTF-16LE (with a byte-order mark)". */
export const describeEncoding = ({ encoding, byteOrderMark, declared }: SniffedEncoding): string =>
  `${encoding.toUpperCase()} (${declared ? 'named by source.encoding' : `${byteOrderMark ? 'with' : 'no'} byte-order mark`})`;

/** Byte-order marks, longest first: the UTF-32LE one begins with the UTF-16LE one. */
const BYTE_ORDER_MARKS: [TextEncoding, number[]][] = [
  ['utf-32le', [0xff, 0xfe, 0x00, 0x00]],
  ['utf-32be', [0x00, 0x00, 0xfe, 0xff]],
  ['utf-8', [0xef, 0xbb, 0xbf]],
  ['utf-16le', [0xff, 0xfe]],
  ['utf-16be', [0xfe, 0xff]],
];

/** Opening bytes of files people hand over as CSV that are not text. */
const BINARY_SIGNATURES: [string, number[]][] = [
  ['gzip-compressed data (decompress it first)', [0x1f, 0x8b]],
  ['a Parquet file (set source.format to parquet)', [0x50, 0x41, 0x52, 0x31]],
  ['a ZIP archive, or an .xlsx workbook (export the sheet as CSV)', [0x50, 0x4b, 0x03, 0x04]],
  ['an .xls workbook (export the sheet as CSV)', [0xd0, 0xcf, 0x11, 0xe0]],
  ['zstd-compressed data (decompress it first)', [0x28, 0xb5, 0x2f, 0xfd]],
  ['bzip2-compressed data (decompress it first)', [0x42, 0x5a, 0x68]],
  ['xz-compressed data (decompress it first)', [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]],
];

const opensWith = (head: Uint8Array, bytes: number[]): boolean => bytes.every((byte, i) => head[i] === byte);

/** The byte-order mark `head` opens with, if any. */
export const byteOrderMarkOf = (head: Uint8Array): TextEncoding | undefined => BYTE_ORDER_MARKS.find(([, mark]) => opensWith(head, mark))?.[0];

/**
 * What `head` looks like when it is not text: a known signature, or zero bytes in text that is
 * not UTF-16 or UTF-32 (a table in UTF-8 or a legacy encoding has none).
 */
export function binaryKind(head: Uint8Array, { zeros: countZeros = true } = {}): string | undefined {
  const signature = BINARY_SIGNATURES.find(([, bytes]) => opensWith(head, bytes));
  if (signature) return signature[0];
  if (!countZeros || sniffEncoding(head).encoding !== 'utf-8') return undefined;
  let even = 0;
  let odd = 0;
  for (let i = 0; i < head.length; i++) {
    if (head[i] !== 0) continue;
    if (i % 2 === 0) even++;
    else odd++;
  }
  const zeros = even + odd;
  if (zeros <= 1 || zeros * 100 < head.length) return undefined;
  // Zeros on one side of the byte pairs only: UTF-16 of mostly non-Latin text (Cyrillic, CJK), too little ASCII for the sniffer.
  const utf16 = odd * 10 >= zeros * 9 ? 'utf-16le' : even * 10 >= zeros * 9 ? 'utf-16be' : undefined;
  const hint = utf16 ? `, or ${utf16.toUpperCase()} text without a byte-order mark (then name it in source.encoding: '${utf16}')` : '';
  return `binary data (${zeros} of its first ${head.length} bytes are zero)${hint}`;
}

/**
 * From a byte-order mark when there is one; else UTF-32 or UTF-16 when, in text that is mostly
 * ASCII (as tables are), the code units' high bytes are zero; UTF-8 otherwise.
 */
export function sniffEncoding(head: Uint8Array): SniffedEncoding {
  const mark = byteOrderMarkOf(head);
  if (mark && mark !== 'utf-8') return { encoding: mark, byteOrderMark: true };
  const quads = Math.floor(head.length / 4);
  const asciiQuads = (low: number): number => {
    let found = 0;
    for (let i = 0; i < quads; i++) if ([0, 1, 2, 3].every((at) => (at === low) !== (head[4 * i + at] === 0))) found++;
    return found;
  };
  if (quads >= 2 && asciiQuads(0) * 4 >= quads * 3) return { encoding: 'utf-32le', byteOrderMark: false };
  if (quads >= 2 && asciiQuads(3) * 4 >= quads * 3) return { encoding: 'utf-32be', byteOrderMark: false };
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
  return { encoding: 'utf-8', byteOrderMark: mark === 'utf-8' };
}

/** TextDecoder's name for an encoding label ('latin1' → 'windows-1252'), or undefined for a label it does not know. */
export function decoderEncoding(label: string): TextEncoding | undefined {
  try {
    return new TextDecoder(label).encoding;
  } catch {
    return undefined;
  }
}

/**
 * The encoding to read `head` of the file `name` in: `declared` (a source.encoding label) when
 * given, else sniffed.
 * @throws TabularReadError when the file is not text, is UTF-32, or opens with a byte-order mark of another encoding than the one declared.
 */
export function textEncodingOf(name: string, head: Uint8Array, declared?: string): SniffedEncoding {
  const encoding = declared === undefined ? undefined : decoderEncoding(declared);
  if (declared !== undefined && encoding === undefined) throw new TabularReadError(name, undefined, `source.encoding ${JSON.stringify(declared)} is not an encoding TextDecoder knows`);
  // Zero bytes are declared UTF-16's own (its ASCII); then only a signature says the file is not text.
  const binary = binaryKind(head, { zeros: !encoding?.startsWith('utf-16') });
  if (binary) throw new TabularReadError(name, undefined, `the file is not text: it looks like ${binary}`);
  const mark = byteOrderMarkOf(head);
  if (mark && encoding && mark !== encoding) {
    throw new TabularReadError(name, 1, `source.encoding says ${encoding}, but the file opens with the byte-order mark of ${mark.toUpperCase()}; remove source.encoding or re-export the file in ${encoding}`);
  }
  const sniffed = encoding ? { encoding, byteOrderMark: mark !== undefined, declared: true } : sniffEncoding(head);
  if (sniffed.encoding.startsWith('utf-32')) {
    throw new TabularReadError(name, 1, `the file is ${describeEncoding(sniffed)}, which ingest does not read; re-export the file as UTF-8 (or UTF-16)`);
  }
  return sniffed;
}

/** The encoding of the file at `path`, from its first bytes, or as declared; see {@link textEncodingOf}. */
export async function fileTextEncoding(path: string, declared?: string, name = path): Promise<SniffedEncoding> {
  return textEncodingOf(name, await readHead(path), declared);
}

async function readHead(path: string): Promise<Buffer> {
  const handle = await open(path);
  try {
    const { buffer, bytesRead } = await handle.read(Buffer.alloc(SNIFF_BYTES), 0, SNIFF_BYTES, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

/**
 * Writes the file at `path`, in `sniffed`'s encoding, as UTF-8 (no byte-order mark) to `target`, streaming.
 * @throws TabularReadError naming the encoding and the line (of `name`) when the bytes do not decode.
 */
export async function writeAsUtf8(path: string, sniffed: SniffedEncoding, target: string, name = path): Promise<void> {
  if (sniffed.encoding === 'utf-8') throw new RangeError(`${path} is already UTF-8`);
  const decoder = new TextDecoder(sniffed.encoding, { fatal: true, ignoreBOM: false });
  let lines = 1;
  const invalid = sniffed.encoding.startsWith('utf-16') ? 'UTF-16 (a lone surrogate or an odd byte)' : sniffed.encoding.toUpperCase();
  const fail = (line: number): TabularReadError =>
    new TabularReadError(name, line, `the file reads as ${describeEncoding(sniffed)}, but this line holds bytes that are not valid ${invalid}; re-export the file as UTF-8`);
  const lookalike = sniffed.declared && !sniffed.encoding.startsWith('utf-') ? utf8Lookalike(sniffed.encoding) : undefined;
  const decode = new Transform({
    transform(chunk: Buffer, _encoding, done: TransformCallback) {
      lookalike?.see(chunk, lines);
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
      let text: string;
      try {
        text = decoder.decode();
      } catch {
        return done(fail(lines));
      }
      const line = lookalike?.end();
      if (line !== undefined) return done(new TabularReadError(name, line, lookalike!.refusal));
      done(null, Buffer.from(text, 'utf8'));
    },
  });
  await pipeline(createReadStream(path), decode, createWriteStream(target));
}

/**
 * Watches text decoded in a declared legacy `encoding` for being UTF-8 after all: when every
 * non-ASCII byte forms a UTF-8 character, the text is UTF-8 (legacy text is almost never valid
 * UTF-8), and reading it as declared would silently write "café" as "cafÃ©". `end` answers the
 * line of the first non-ASCII byte when the whole file was such UTF-8.
 */
function utf8Lookalike(encoding: string): { see(chunk: Buffer, line: number): void; end(): number | undefined; refusal: string } {
  const check = new TextDecoder('utf-8', { fatal: true });
  let valid = true;
  let firstLine: number | undefined;
  const decodes = (run: () => void): boolean => {
    try {
      run();
      return true;
    } catch {
      return false;
    }
  };
  return {
    see(chunk, line) {
      if (!valid) return;
      valid = decodes(() => check.decode(chunk, { stream: true }));
      if (firstLine === undefined && !isAscii(chunk)) firstLine = line + countNewlines(chunk.subarray(0, chunk.findIndex((byte) => byte >= 0x80)));
    },
    end: () => (valid && decodes(() => check.decode()) ? firstLine : undefined),
    refusal: `source.encoding names ${encoding}, but the file is UTF-8 (every byte past ASCII in it forms a UTF-8 character), which ${encoding} would misread ("é" as "Ã©"); leave source.encoding out, or re-export the file in ${encoding}`,
  };
}

/** How many line feeds `bytes` holds (UTF-8 and the other ASCII-compatible encodings). */
export function countNewlines(bytes: Buffer): number {
  let found = 0;
  for (let index = bytes.indexOf(0x0a); index !== -1; index = bytes.indexOf(0x0a, index + 1)) found++;
  return found;
}
