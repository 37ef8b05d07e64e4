/**
 * The one place ctrain connects to Temporal: address, namespace, TLS, the data converter
 * (payload encryption) and tracing come from the environment here, and every client, worker
 * connection and worker ctrain makes is built from the result.
 */
import type { TLSConfig } from '@temporalio/client';
import { Client, Connection } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import { NativeConnection } from '@temporalio/worker';
import type { ServiceConfig } from './config.js';
import { configFromEnv } from './config.js';
import { payloadCodecFromEnv } from './payload-codec.js';
import { temporalTlsFromEnv } from './temporal-tls.js';
import type { Tracing } from './tracing.js';
import { CLI_SERVICE_NAME, tracingFromEnv } from './tracing.js';

export interface TemporalOptions {
  /** host:port of the frontend. */
  address: string;
  namespace: string;
  /** TLS of the gRPC connection; undefined means plaintext. */
  tls?: TLSConfig;
  /**
   * For clients and workers alike. Only payload codecs: they run outside the workflow sandbox,
   * so workflows need no converter of their own. Empty when no payload key is configured.
   */
  dataConverter: DataConverter;
  /** Id of the key new payloads are encrypted with; undefined when payloads are not encrypted. */
  payloadKeyId?: string;
  /** OpenTelemetry tracing, for clients and workers alike; undefined when off. */
  tracing?: Tracing;
}

/**
 * Address and namespace from `target` (default: the environment's), TLS, payload encryption and
 * tracing from the environment, the latter under `serviceName` unless OTEL_SERVICE_NAME names one.
 */
export async function temporalOptionsFromEnv(env: NodeJS.ProcessEnv = process.env, target: ServiceConfig['temporal'] = configFromEnv(env).temporal, serviceName = CLI_SERVICE_NAME): Promise<TemporalOptions> {
  return { ...target, tls: await temporalTlsFromEnv(env), ...dataConverterFromEnv(env), tracing: await tracingFromEnv(env, serviceName) };
}

/** Payload encryption alone, when CTRAIN_PAYLOAD_KEY or CTRAIN_PAYLOAD_KEY_FILE is set. */
export function dataConverterFromEnv(env: NodeJS.ProcessEnv = process.env): Pick<TemporalOptions, 'dataConverter' | 'payloadKeyId'> {
  const codec = payloadCodecFromEnv(env);
  return codec ? { dataConverter: { payloadCodecs: [codec] }, payloadKeyId: codec.keyId } : { dataConverter: {} };
}

/** A plain gRPC connection (no data converter): for health probes and the operator service. */
export async function openConnection(options: Pick<TemporalOptions, 'address' | 'tls'>, connectTimeout = 5_000): Promise<Connection> {
  return Connection.connect({ address: options.address, tls: options.tls, connectTimeout });
}

/**
 * A client with the configured data converter and, when tracing is on, its interceptors; close it
 * with `client.connection.close()`, then flush `options.tracing` before the process exits.
 */
export async function connectClient(options: TemporalOptions, connectTimeout = 5_000): Promise<Client> {
  const connection = await openConnection(options, connectTimeout).catch((error: unknown) => {
    throw unreachable(options.address, error);
  });
  return new Client({ connection, namespace: options.namespace, dataConverter: options.dataConverter, interceptors: options.tracing?.clientInterceptors });
}

/** The connection workers run on; pass {@link TemporalOptions.dataConverter} to each worker. */
export async function connectWorkers(options: Pick<TemporalOptions, 'address' | 'tls'>): Promise<NativeConnection> {
  return NativeConnection.connect({ address: options.address, tls: options.tls }).catch((error: unknown) => {
    throw unreachable(options.address, error);
  });
}

/** The reason is in the message, not a `cause`: the CLI prints causes too. */
function unreachable(address: string, error: unknown): Error {
  return new Error(`Cannot reach Temporal at ${address} (${(error as Error).message}). Start the stack with \`npx ctrain dev up\` or set CTRAIN_TEMPORAL_ADDRESS.`);
}
