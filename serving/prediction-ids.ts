/**
 * Prediction ids the server can recognise as its own. Outcomes posted against them drive the live
 * metric, the outcome drift check and retraining, so an id must be one this server (or a replica)
 * issued, for this model: each is a random UUID and its signature under a key kept in MinIO (or
 * CTRAIN_PREDICTION_ID_KEY), so ids survive restarts and hold across replicas. The signature is
 * the UUID's 16 bytes enciphered with AES-128 under a key derived for the model (a keyed
 * permutation of one block is a MAC for it). Ids are minted by the hundred, one cipher call for
 * all, ahead of the requests that take them; ids signed earlier with HMAC-SHA256 of model and UUID are still recognised.
 */
import { createCipheriv, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Cipher } from 'node:crypto';
import type { ObjectStore } from '../storage/gateway.js';
import { isMissingObject } from '../storage/gateway.js';
import { logKeys, servingKeys } from '../storage/layout.js';

/** Base64url characters of the signature kept in an id: 128 bits. */
const SIGNATURE_LENGTH = 22;


/**
 * How long after signing began a bare UUID is still taken: the default rolling outcome window
 * (drift.outcomes.window), so outcomes for predictions made just before an upgrade still count.
 */
export const UNSIGNED_ID_GRACE_MS = 7 * 24 * 60 * 60 * 1000;

/** A UUID as issued: version 4, RFC 4122 variant, lower-case hex. */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/**
 * Ids made at once for a model and handed out as requests ask for them: one draw of randomness
 * and one cipher call per 512 ids, where a one-row request would otherwise pay for both.
 */
const MINTED_AT_ONCE = 512;

/** Models whose cipher and unused ids are kept; past this many they are made again as needed. */
const KEPT_MODELS = 1000;

/** What signing ids for one model needs, kept between requests. */
interface ModelSigner {
  /** AES-128-ECB without padding under the model's key: each update() enciphers whole blocks on their own, so one cipher serves every call. */
  cipher: Cipher;
  /** Ids minted ahead, handed out from `next` on. */
  minted: string[];
  next: number;
}

export class PredictionIds {
  readonly #key: Buffer;
  readonly #signers = new Map<string, ModelSigner>();

  constructor(key: Buffer) {
    if (key.length < 16) throw new Error('a prediction id key needs at least 16 bytes');
    this.#key = key;
  }

  /** A new id for a prediction of `model`: `<uuid>.<signature>`. */
  issue(model: string): string {
    return this.issueMany(model, 1)[0]!;
  }

  /** `count` new ids for predictions of `model`. */
  issueMany(model: string, count: number): string[] {
    const signer = this.#signer(model);
    if (count > MINTED_AT_ONCE) return this.#mint(signer, count);
    if (signer.minted.length - signer.next < count) {
      signer.minted = this.#mint(signer, MINTED_AT_ONCE);
      signer.next = 0;
    }
    signer.next += count;
    return signer.minted.slice(signer.next - count, signer.next);
  }

  /** `count` fresh ids signed together: random version-4 UUIDs and their blocks enciphered. */
  #mint(signer: ModelSigner, count: number): string[] {
    const uuids = randomBytes(16 * count);
    for (let at = 0; at < uuids.length; at += 16) {
      uuids[at + 6] = (uuids[at + 6]! & 0x0f) | 0x40;
      uuids[at + 8] = (uuids[at + 8]! & 0x3f) | 0x80;
    }
    const signatures = signer.cipher.update(uuids);
    const ids = new Array<string>(count);
    for (let i = 0, at = 0; i < count; i++, at += 16) {
      const hex = uuids.toString('hex', at, at + 16);
      ids[i] = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}.${signatures.toString('base64url', at, at + 16)}`;
    }
    return ids;
  }

  /** Whether `id` is one issued for `model`, signed either way. */
  issued(model: string, id: string): boolean {
    const dot = id.lastIndexOf('.');
    if (dot <= 0 || id.length - dot - 1 !== SIGNATURE_LENGTH) return false;
    const uuid = id.slice(0, dot);
    const given = Buffer.from(id.slice(dot + 1));
    const matches = (signature: string): boolean => {
      const expected = Buffer.from(signature);
      return given.length === expected.length && timingSafeEqual(given, expected);
    };
    if (UUID.test(uuid) && matches(this.#encipher(model, Buffer.from(uuid.replaceAll('-', ''), 'hex')).toString('base64url'))) return true;
    return matches(this.#hmac(model, uuid));
  }

  /**
   * Why an outcome for `id` is not taken for `model`, or undefined when it is: an id issued for
   * it, or a bare UUID (what servers issued before ids were signed) before `unsignedUntil`. A bare
   * UUID is then safe to take: the live metric, the canary comparison and the drift check count
   * an outcome only against a logged prediction of that id, which a made-up UUID is not.
   */
  refusal(model: string, id: string, { others, unsignedUntil, now = new Date() }: { others: readonly string[]; unsignedUntil: Date; now?: Date }): string | undefined {
    if (this.issued(model, id)) return undefined;
    // An id as servers issued them before ids were signed: randomUUID().
    if (UUID.test(id)) {
      if (now < unsignedUntil) return undefined;
      return `an unsigned id, as servers issued before ids were signed; those were taken until ${unsignedUntil.toISOString()}`;
    }
    const owner = others.find((other) => other !== model && this.issued(other, id));
    if (owner !== undefined) return `the id of a prediction of model "${owner}", not of "${model}"`;
    return 'not the id of a prediction this server made (made up, or altered)';
  }

  /** Each 16-byte block of `blocks` enciphered under `model`'s key: one block's signature each. */
  #encipher(model: string, blocks: Buffer): Buffer {
    return this.#signer(model).cipher.update(blocks);
  }

  #signer(model: string): ModelSigner {
    let signer = this.#signers.get(model);
    if (!signer) {
      const key = createHmac('sha256', this.#key).update(`prediction id cipher key\n${model}`).digest().subarray(0, 16);
      signer = { cipher: createCipheriv('aes-128-ecb', key, null).setAutoPadding(false), minted: [], next: 0 };
      if (this.#signers.size < KEPT_MODELS) this.#signers.set(model, signer);
    }
    return signer;
  }

  /** How ids were signed before: HMAC-SHA256 of model and UUID, its first 128 bits. */
  #hmac(model: string, id: string): string {
    return createHmac('sha256', this.#key).update(`${model}\n${id}`).digest('base64url').slice(0, SIGNATURE_LENGTH);
  }
}

/**
 * The signing key: CTRAIN_PREDICTION_ID_KEY (hex or text, 16 bytes or more) when the operator sets
 * one, else the one in MinIO, made now if there is none. Two servers starting at the same instant
 * on an empty store may each make one; the later write wins and the earlier server's ids since
 * start stop verifying, so start the first replica alone or set the key.
 */
export async function loadPredictionIdKey(storage: ObjectStore, env: NodeJS.ProcessEnv = process.env): Promise<Buffer> {
  const given = env.CTRAIN_PREDICTION_ID_KEY?.trim();
  if (given) return /^[0-9a-f]{32,}$/i.test(given) ? Buffer.from(given, 'hex') : Buffer.from(given, 'utf8');
  try {
    return await storage.getBuffer(servingKeys.predictionIdKey);
  } catch (error) {
    if (!isMissingObject(error)) throw error;
  }
  const key = randomBytes(32);
  await storage.putBuffer(servingKeys.predictionIdKey, key);
  return key;
}

/**
 * Until when bare UUIDs are taken: kept in MinIO by the first server that signs ids, as its start
 * plus {@link UNSIGNED_ID_GRACE_MS} where the logs bucket already holds some model's log (servers
 * before it issued bare ids), else its start (a new deployment has no such ids).
 */
export async function loadUnsignedIdsUntil(storage: ObjectStore, now = new Date()): Promise<Date> {
  const kept = await storage.findBuffer(servingKeys.signedIdsSince);
  const until = kept === undefined ? undefined : keptDate(kept);
  if (until) return until;
  const earlier = (await storage.listFolders(logKeys.all)).length > 0;
  const unsignedUntil = new Date(now.getTime() + (earlier ? UNSIGNED_ID_GRACE_MS : 0));
  await storage.putJson(servingKeys.signedIdsSince, { at: now.toISOString(), unsignedUntil: unsignedUntil.toISOString() });
  return unsignedUntil;
}

/** The marker's `unsignedUntil`; undefined when it is unreadable, so the server writes it afresh. */
function keptDate(body: Buffer): Date | undefined {
  try {
    const { unsignedUntil } = JSON.parse(body.toString('utf8')) as { unsignedUntil?: unknown };
    const date = typeof unsignedUntil === 'string' ? new Date(unsignedUntil) : undefined;
    return date && Number.isFinite(date.getTime()) ? date : undefined;
  } catch {
    return undefined;
  }
}
