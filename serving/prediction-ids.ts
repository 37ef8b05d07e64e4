/**
 * Prediction ids the server can recognise as its own. Outcomes posted against them drive the live
 * metric, the outcome drift check and retraining, so an id must be one this server (or a replica)
 * issued, for this model: each is a random UUID and an HMAC-SHA256 of model and UUID under a key
 * kept in MinIO (or CTRAIN_PREDICTION_ID_KEY), so ids survive restarts and hold across replicas.
 */
import { createHmac, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import type { ObjectStore } from '../storage/gateway.js';
import { isMissingObject } from '../storage/gateway.js';
import { servingKeys } from '../storage/layout.js';

/** Base64url characters of the signature kept in an id: 128 bits. */
const SIGNATURE_LENGTH = 22;

export class PredictionIds {
  readonly #key: Buffer;

  constructor(key: Buffer) {
    if (key.length < 16) throw new Error('a prediction id key needs at least 16 bytes');
    this.#key = key;
  }

  /** A new id for a prediction of `model`: `<uuid>.<signature>`. */
  issue(model: string): string {
    const id = randomUUID();
    return `${id}.${this.#sign(model, id)}`;
  }

  /** Whether `id` is one issued for `model`. */
  issued(model: string, id: string): boolean {
    const dot = id.lastIndexOf('.');
    if (dot <= 0 || id.length - dot - 1 !== SIGNATURE_LENGTH) return false;
    const expected = Buffer.from(this.#sign(model, id.slice(0, dot)));
    const given = Buffer.from(id.slice(dot + 1));
    return given.length === expected.length && timingSafeEqual(given, expected);
  }

  #sign(model: string, id: string): string {
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
