import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Payload } from '@temporalio/common';
import { defaultPayloadConverter } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENCRYPTED_ENCODING, EncryptionCodec, KEY_ID_METADATA, PayloadDecryptionError, PayloadKeyError, parsePayloadKeys, payloadKey, payloadKeysFromEnv } from '../../infra/payload-codec.js';

const newKey = () => payloadKey(randomBytes(32));
const text = (bytes: Uint8Array | null | undefined): string => Buffer.from(bytes ?? []).toString('utf8');
const plain: Payload = defaultPayloadConverter.toPayload({ model: 'flight-delay', note: 'plaintext marker 7f3a' });

describe('the payload encryption codec', () => {
  it('round-trips a payload, metadata included, and the sealed form shows neither', async () => {
    const codec = new EncryptionCodec([newKey()]);
    const [sealed] = await codec.encode([plain]);

    expect(text(sealed!.metadata?.encoding)).toBe(ENCRYPTED_ENCODING);
    expect(text(sealed!.metadata?.[KEY_ID_METADATA])).toBe(codec.keyId);
    expect(Buffer.from(sealed!.data!).includes('plaintext marker')).toBe(false);
    expect(Buffer.from(sealed!.data!).includes('json/plain')).toBe(false);
    const [opened] = await codec.decode([sealed!]);
    expect(text(opened!.metadata?.encoding)).toBe('json/plain');
    expect(defaultPayloadConverter.fromPayload(opened!)).toEqual({ model: 'flight-delay', note: 'plaintext marker 7f3a' });
  });

  it('seals the same payload differently each time (a fresh IV per payload)', async () => {
    const codec = new EncryptionCodec([newKey()]);
    const [a, b] = await codec.encode([plain, plain]);
    expect(Buffer.from(a!.data!).equals(Buffer.from(b!.data!))).toBe(false);
  });

  it('detects a flipped byte anywhere in the ciphertext', async () => {
    const codec = new EncryptionCodec([newKey()]);
    const [sealed] = await codec.encode([plain]);
    for (const index of [0, 20, sealed!.data!.length - 1]) {
      const data = Buffer.from(sealed!.data!);
      data[index] = data[index]! ^ 0x01;
      await expect(codec.decode([{ ...sealed!, data }])).rejects.toThrow(PayloadDecryptionError);
    }
    await expect(codec.decode([{ ...sealed!, data: sealed!.data!.subarray(0, 10) }])).rejects.toThrow('too short');
  });

  it('refuses a payload sealed with a key it does not hold, naming that key', async () => {
    const sealer = new EncryptionCodec([newKey()]);
    const other = new EncryptionCodec([newKey()]);
    const [sealed] = await sealer.encode([plain]);
    await expect(other.decode([sealed!])).rejects.toThrow(`encrypted with key ${sealer.keyId}, which is not configured`);
    // Relabelled with the other key's id, the authentication check fails instead.
    const relabelled = { ...sealed!, metadata: { ...sealed!.metadata, [KEY_ID_METADATA]: Buffer.from(other.keyId) } };
    await expect(other.decode([relabelled])).rejects.toThrow('failed authentication');
  });

  it('passes unencrypted payloads through decode untouched', async () => {
    const codec = new EncryptionCodec([newKey()]);
    const binary: Payload = { metadata: { encoding: Buffer.from('binary/plain') }, data: Buffer.from([1, 2, 3]) };
    const decoded = await codec.decode([plain, binary]);
    expect(decoded[0]).toBe(plain);
    expect(decoded[1]).toBe(binary);
  });

  it('rotates: the first key encrypts, every key decrypts', async () => {
    const old = newKey();
    const current = newKey();
    const [byOld] = await new EncryptionCodec([old]).encode([plain]);
    const rotated = new EncryptionCodec([current, old]);
    expect(rotated.keyId).toBe(current.id);
    expect(defaultPayloadConverter.fromPayload((await rotated.decode([byOld!]))[0]!)).toEqual({ model: 'flight-delay', note: 'plaintext marker 7f3a' });
    const [byCurrent] = await rotated.encode([plain]);
    expect(text(byCurrent!.metadata?.[KEY_ID_METADATA])).toBe(current.id);
  });
});

describe('payload keys from the environment', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ctrain-keys-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('is off without a key, and reads a key from the variable or a file', async () => {
    expect(payloadKeysFromEnv({})).toBeUndefined();
    const bytes = randomBytes(32);
    const [inline] = payloadKeysFromEnv({ CTRAIN_PAYLOAD_KEY: bytes.toString('base64') })!;
    expect(inline!.key.equals(bytes)).toBe(true);
    const file = join(dir, 'keys');
    await writeFile(file, `${bytes.toString('base64')}\n${randomBytes(32).toString('base64')}\n`);
    const fromFile = payloadKeysFromEnv({ CTRAIN_PAYLOAD_KEY_FILE: file })!;
    expect(fromFile).toHaveLength(2);
    expect(fromFile[0]!.id).toBe(inline!.id);
  });

  it('refuses a key of the wrong length, naming where it came from and not the key', () => {
    const short = randomBytes(16).toString('base64');
    const attempt = () => parsePayloadKeys(short, 'CTRAIN_PAYLOAD_KEY');
    expect(attempt).toThrow(PayloadKeyError);
    expect(attempt).toThrow('CTRAIN_PAYLOAD_KEY is 16 bytes; AES-256 needs exactly 32');
    expect(attempt).not.toThrow(short);
    expect(() => parsePayloadKeys(`${randomBytes(32).toString('base64')},not*base64`, 'CTRAIN_PAYLOAD_KEY')).toThrow('CTRAIN_PAYLOAD_KEY (key 2) is not base64');
  });

  it('refuses both sources at once, a key file that is missing, and one that is empty', async () => {
    const key = randomBytes(32).toString('base64');
    expect(() => payloadKeysFromEnv({ CTRAIN_PAYLOAD_KEY: key, CTRAIN_PAYLOAD_KEY_FILE: join(dir, 'keys') })).toThrow('not both');
    expect(() => payloadKeysFromEnv({ CTRAIN_PAYLOAD_KEY_FILE: join(dir, 'missing') })).toThrow(`CTRAIN_PAYLOAD_KEY_FILE names ${join(dir, 'missing')}, which cannot be read (ENOENT)`);
    await writeFile(join(dir, 'empty'), '\n');
    expect(() => payloadKeysFromEnv({ CTRAIN_PAYLOAD_KEY_FILE: join(dir, 'empty') })).toThrow('holds no key');
  });
});
