import { ModelFormatError } from './errors.js';

/**
 * One self-contained buffer: "CTRN", a uint32 (little-endian) header length, a JSON header,
 * then the binary blobs back to back. The header names each blob's offset and length, so
 * models and checkpoints travel as a single MinIO object or message.
 */

const MAGIC = 'CTRN';
const PREFIX_BYTES = 8;

interface Envelope<H> {
  kind: string;
  header: H;
  blobs: Record<string, [offset: number, length: number]>;
}

/** Packs a JSON-serialisable header and named binary blobs into one buffer tagged with `kind`. */
export function pack(kind: string, header: unknown, blobs: Record<string, Uint8Array>): Buffer {
  const layout: Envelope<unknown>['blobs'] = {};
  let offset = 0;
  for (const [name, blob] of Object.entries(blobs)) {
    layout[name] = [offset, blob.byteLength];
    offset += blob.byteLength;
  }
  const json = Buffer.from(JSON.stringify({ kind, header, blobs: layout } satisfies Envelope<unknown>), 'utf8');
  const prefix = Buffer.alloc(PREFIX_BYTES);
  prefix.write(MAGIC, 0, 'latin1');
  prefix.writeUInt32LE(json.byteLength, 4);
  return Buffer.concat([prefix, json, ...Object.values(blobs)]);
}

/** Reverses {@link pack}; each blob is copied into its own ArrayBuffer. */
export function unpack<H>(kind: string, bytes: Uint8Array): { header: H; blobs: Record<string, Uint8Array> } {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buffer.byteLength < PREFIX_BYTES || buffer.toString('latin1', 0, 4) !== MAGIC) {
    throw new ModelFormatError(`Not a ctrain ${kind}: the bytes do not start with ${MAGIC}`);
  }
  const jsonEnd = PREFIX_BYTES + buffer.readUInt32LE(4);
  if (jsonEnd > buffer.byteLength) throw new ModelFormatError(`Truncated ctrain ${kind}: header runs past the end`);
  const envelope = JSON.parse(buffer.toString('utf8', PREFIX_BYTES, jsonEnd)) as Envelope<H>;
  if (envelope.kind !== kind) throw new ModelFormatError(`Expected a ctrain ${kind} but found a ${envelope.kind}`);
  const blobs: Record<string, Uint8Array> = {};
  for (const [name, [offset, length]] of Object.entries(envelope.blobs)) {
    const start = jsonEnd + offset;
    if (start + length > buffer.byteLength) throw new ModelFormatError(`Truncated ctrain ${kind}: blob '${name}' runs past the end`);
    // A copy, so tfjs gets a standalone ArrayBuffer rather than a view into a pooled one.
    blobs[name] = new Uint8Array(buffer.subarray(start, start + length));
  }
  return { header: envelope.header, blobs };
}
