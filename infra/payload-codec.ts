/**
 * Payload encryption (AES-256-GCM) for everything ctrain sends through Temporal. The codec runs
 * in clients and workers, outside the workflow sandbox, so Temporal's history holds only
 * ciphertext. Each payload names the key that sealed it, so keys can rotate: the first key
 * encrypts, every configured key decrypts.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import type { Payload, PayloadCodec } from '@temporalio/common';
import { METADATA_ENCODING_KEY } from '@temporalio/common';
import type { JsonPayload } from './payload-json.js';
import { secretFromEnv } from './secrets.js';
import { payloadFromJson, payloadToJson } from './payload-json.js';

/** `encoding` metadata of an encrypted payload. */
export const ENCRYPTED_ENCODING = 'binary/encrypted';
/** Metadata naming the key that encrypted a payload (a fingerprint, not the key). */
export const KEY_ID_METADATA = 'encryption-key-id';

const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** A key that cannot be used: wrong length, not base64, or an empty key file. (An unreadable file, or both sources at once, is a SecretConfigError.) */
export class PayloadKeyError extends Error {
  override name = 'PayloadKeyError';
}

/** A payload that cannot be decrypted: unknown key, altered bytes, or a malformed envelope. */
export class PayloadDecryptionError extends Error {
  override name = 'PayloadDecryptionError';
}

export interface PayloadKey {
  /** Fingerprint of the key, stored in each payload's metadata. Safe to print. */
  id: string;
  key: Buffer;
}

/** Wraps 32 raw bytes as a key with its id; refuses any other length. */
export function payloadKey(bytes: Buffer, source = 'payload key'): PayloadKey {
  if (bytes.length !== KEY_BYTES) throw new PayloadKeyError(`${source} is ${bytes.length} bytes; AES-256 needs exactly ${KEY_BYTES} (base64 of 32 random bytes, e.g. \`openssl rand -base64 32\`)`);
  return { id: createHash('sha256').update('ctrain payload key\0').update(bytes).digest('hex').slice(0, 16), key: Buffer.from(bytes) };
}

/** Keys in base64, separated by commas or whitespace; the first one encrypts. Errors name the source and position, never the key. */
export function parsePayloadKeys(text: string, source: string): PayloadKey[] {
  const items = text.split(/[\s,]+/).filter((item) => item !== '');
  if (items.length === 0) throw new PayloadKeyError(`${source} holds no key`);
  return items.map((item, index) => {
    const where = items.length > 1 ? `${source} (key ${index + 1})` : source;
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(item)) throw new PayloadKeyError(`${where} is not base64`);
    return payloadKey(Buffer.from(item, 'base64'), where);
  });
}

/**
 * The keys CTRAIN_PAYLOAD_KEY (base64 keys, comma-separated) or CTRAIN_PAYLOAD_KEY_FILE (a file
 * of them, one a line) configure; undefined when neither is set (no encryption).
 */
export function payloadKeysFromEnv(env: NodeJS.ProcessEnv = process.env): PayloadKey[] | undefined {
  const file = env.CTRAIN_PAYLOAD_KEY_FILE?.trim() || undefined;
  const text = secretFromEnv(env, 'CTRAIN_PAYLOAD_KEY');
  const source = file ? `CTRAIN_PAYLOAD_KEY_FILE (${file})` : 'CTRAIN_PAYLOAD_KEY';
  // An empty key file must not quietly turn encryption off.
  if (text === undefined && file) throw new PayloadKeyError(`${source} holds no key`);
  return text === undefined ? undefined : parsePayloadKeys(text, source);
}

/** AES-256-GCM over the whole payload (metadata included), as Temporal's encryption samples do. */
export class EncryptionCodec implements PayloadCodec {
  private readonly keys: ReadonlyMap<string, Buffer>;
  /** Id of the key new payloads are encrypted with. */
  readonly keyId: string;

  constructor(keys: readonly PayloadKey[]) {
    if (keys.length === 0) throw new PayloadKeyError('the encryption codec needs at least one key');
    this.keys = new Map(keys.map(({ id, key }) => [id, key]));
    this.keyId = keys[0]!.id;
  }

  // Node's cipher is synchronous; `.then` turns its throws into rejections, as PayloadCodec callers expect.
  encode(payloads: Payload[]): Promise<Payload[]> {
    return Promise.resolve().then(() => payloads.map((payload) => this.encrypt(payload)));
  }

  /** Payloads that are not encrypted pass through untouched, so histories from before encryption stay readable. */
  decode(payloads: Payload[]): Promise<Payload[]> {
    return Promise.resolve().then(() => payloads.map((payload) => (isEncrypted(payload) ? this.decrypt(payload) : payload)));
  }

  private encrypt(payload: Payload): Payload {
    const key = this.keys.get(this.keyId)!;
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    cipher.setAAD(aad(this.keyId));
    const sealed = Buffer.concat([iv, cipher.update(JSON.stringify(payloadToJson(payload)), 'utf8'), cipher.final(), cipher.getAuthTag()]);
    return {
      metadata: { [METADATA_ENCODING_KEY]: Buffer.from(ENCRYPTED_ENCODING), [KEY_ID_METADATA]: Buffer.from(this.keyId) },
      data: new Uint8Array(sealed),
    };
  }

  private decrypt(payload: Payload): Payload {
    const idBytes = payload.metadata?.[KEY_ID_METADATA];
    if (!idBytes) throw new PayloadDecryptionError(`an encrypted payload has no ${KEY_ID_METADATA} metadata`);
    const id = Buffer.from(idBytes).toString('utf8');
    const key = this.keys.get(id);
    if (!key) throw new PayloadDecryptionError(`payload was encrypted with key ${id}, which is not configured (have ${[...this.keys.keys()].join(', ')}); add that key to CTRAIN_PAYLOAD_KEY after the current one`);
    const data = Buffer.from(payload.data ?? []);
    if (data.length < IV_BYTES + TAG_BYTES) throw new PayloadDecryptionError(`encrypted payload (key ${id}) is too short to be one`);
    let plain: string;
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, data.subarray(0, IV_BYTES));
      decipher.setAAD(aad(id));
      decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
      plain = Buffer.concat([decipher.update(data.subarray(IV_BYTES, data.length - TAG_BYTES)), decipher.final()]).toString('utf8');
    } catch {
      throw new PayloadDecryptionError(`encrypted payload (key ${id}) failed authentication: it was altered, or sealed with a different key`);
    }
    return payloadFromJson(JSON.parse(plain) as JsonPayload);
  }
}

/** The codec for the configured keys; undefined when no key is configured. */
export function payloadCodecFromEnv(env: NodeJS.ProcessEnv = process.env): EncryptionCodec | undefined {
  const keys = payloadKeysFromEnv(env);
  return keys ? new EncryptionCodec(keys) : undefined;
}

function isEncrypted(payload: Payload): boolean {
  const encoding = payload.metadata?.[METADATA_ENCODING_KEY];
  return encoding !== undefined && Buffer.from(encoding).toString('utf8') === ENCRYPTED_ENCODING;
}

/** Binds the ciphertext to its format version and key id. */
function aad(keyId: string): Buffer {
  return Buffer.from(`ctrain-payload-v1:${keyId}`);
}
