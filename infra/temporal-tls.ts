/** TLS for the Temporal gRPC connection, from the environment; certificates and keys are read from files, never from variables. */
import { readFile } from 'node:fs/promises';
import type { TLSConfig } from '@temporalio/client';

/** A TLS variable that is malformed, contradicts another, or names a file that cannot be read. */
export class TemporalTlsError extends Error {
  override name = 'TemporalTlsError';
}

const FILES = {
  ca: 'CTRAIN_TEMPORAL_TLS_CA_FILE',
  cert: 'CTRAIN_TEMPORAL_TLS_CERT_FILE',
  key: 'CTRAIN_TEMPORAL_TLS_KEY_FILE',
} as const;
const SERVER_NAME = 'CTRAIN_TEMPORAL_TLS_SERVER_NAME';

/**
 * TLS settings for Connection and NativeConnection, or undefined for plaintext. TLS is on with
 * CTRAIN_TEMPORAL_TLS=1 (system roots) or when any CTRAIN_TEMPORAL_TLS_* variable is set:
 * _CA_FILE (the server's root CA, PEM), _CERT_FILE and _KEY_FILE (a client pair for mTLS,
 * both or neither), _SERVER_NAME (overrides the name checked against the server certificate).
 */
export async function temporalTlsFromEnv(env: NodeJS.ProcessEnv = process.env): Promise<TLSConfig | undefined> {
  const flag = (env.CTRAIN_TEMPORAL_TLS ?? '').trim().toLowerCase();
  if (!['', '0', '1', 'false', 'true'].includes(flag)) throw new TemporalTlsError(`CTRAIN_TEMPORAL_TLS=${env.CTRAIN_TEMPORAL_TLS} must be 1 or 0`);
  const detailed = [...Object.values(FILES), SERVER_NAME].filter((name) => env[name]);
  if (flag === '0' || flag === 'false') {
    if (detailed.length) throw new TemporalTlsError(`CTRAIN_TEMPORAL_TLS=${env.CTRAIN_TEMPORAL_TLS} turns TLS off, but ${detailed.join(', ')} is set`);
    return undefined;
  }
  if (flag === '' && detailed.length === 0) return undefined;
  if (Boolean(env[FILES.cert]) !== Boolean(env[FILES.key])) throw new TemporalTlsError(`mTLS needs both ${FILES.cert} and ${FILES.key}; only ${env[FILES.cert] ? FILES.cert : FILES.key} is set`);

  const tls: TLSConfig = {};
  if (env[FILES.ca]) tls.serverRootCACertificate = await readPem(FILES.ca, env);
  if (env[FILES.cert]) tls.clientCertPair = { crt: await readPem(FILES.cert, env), key: await readPem(FILES.key, env) };
  if (env[SERVER_NAME]) tls.serverNameOverride = env[SERVER_NAME];
  return tls;
}

async function readPem(variable: string, env: NodeJS.ProcessEnv): Promise<Buffer> {
  const path = env[variable]!;
  const bytes = await readFile(path).catch((error: NodeJS.ErrnoException) => {
    throw new TemporalTlsError(`${variable} names ${path}, which cannot be read (${error.code ?? 'error'})`);
  });
  if (bytes.length === 0) throw new TemporalTlsError(`${variable} names ${path}, which is empty`);
  return bytes;
}
