/**
 * Temporal payloads as proto3 JSON: every bytes field (the data and each metadata value) is
 * base64. This is the body of the codec server protocol, and what the Web UI and the
 * `temporal` CLI send and expect.
 */
import type { Payload } from '@temporalio/common';

/** One payload in proto3 JSON form. */
export interface JsonPayload {
  /** Metadata values, each base64. */
  metadata?: Record<string, string> | null;
  /** The payload bytes, base64. */
  data?: string | null;
}

/** A request or response body of the codec server protocol. */
export interface JsonPayloads {
  payloads: JsonPayload[];
}

/** The request body was not `{payloads: [...]}` with base64 strings. */
export class PayloadJsonError extends Error {
  override name = 'PayloadJsonError';
}

const BASE64 = /^[A-Za-z0-9+/_-]*={0,2}$/;

export function payloadToJson({ metadata, data }: Payload): JsonPayload {
  const json: JsonPayload = { metadata: Object.fromEntries(Object.entries(metadata ?? {}).map(([key, value]) => [key, Buffer.from(value).toString('base64')])) };
  if (data && data.length > 0) json.data = Buffer.from(data).toString('base64');
  return json;
}

export function payloadFromJson({ metadata, data }: JsonPayload, where = 'payload'): Payload {
  return {
    metadata: Object.fromEntries(Object.entries(metadata ?? {}).map(([key, value]) => [key, fromBase64(value, `${where}.metadata.${key}`)])),
    data: data === undefined || data === null ? new Uint8Array() : fromBase64(data, `${where}.data`),
  };
}

/** Checks a parsed request body and returns its payloads; throws PayloadJsonError naming the field at fault. */
export function payloadsFromBody(body: unknown): Payload[] {
  const payloads = (body as Partial<JsonPayloads> | null)?.payloads;
  if (!Array.isArray(payloads)) throw new PayloadJsonError('body must be {"payloads": [...]}');
  return payloads.map((payload: unknown, index) => {
    const where = `payloads[${index}]`;
    if (typeof payload !== 'object' || payload === null) throw new PayloadJsonError(`${where} must be an object`);
    const json = payload as JsonPayload;
    if (json.metadata !== undefined && json.metadata !== null && (typeof json.metadata !== 'object' || Array.isArray(json.metadata))) throw new PayloadJsonError(`${where}.metadata must be an object of base64 strings`);
    return payloadFromJson(json, where);
  });
}

function fromBase64(value: unknown, where: string): Uint8Array {
  if (typeof value !== 'string' || !BASE64.test(value)) throw new PayloadJsonError(`${where} must be a base64 string`);
  return new Uint8Array(Buffer.from(value, 'base64'));
}
