import { DEV_MINIO_CREDENTIALS } from '../contracts/stack.js';

/** How ctrain reaches its services. Every field comes from the environment, with development defaults. */
export interface ServiceConfig {
  temporal: {
    /** host:port of the Temporal frontend. CTRAIN_TEMPORAL_ADDRESS, default 127.0.0.1:$CTRAIN_TEMPORAL_PORT (7233). */
    address: string;
    /** CTRAIN_TEMPORAL_NAMESPACE, default `default`. */
    namespace: string;
  };
  minio: {
    /** Full URL of the S3 API. CTRAIN_MINIO_ENDPOINT, default http://127.0.0.1:$CTRAIN_MINIO_PORT (9000). */
    endpoint: string;
    accessKey: string;
    secretKey: string;
  };
}

/** Loopback ports of the embedded development stack (`ctrain dev up`). */
export interface StackPorts {
  temporal: number;
  temporalUi: number;
  minio: number;
  minioConsole: number;
}

/** Port variables and their defaults; also named in the error when a port is taken. */
export const PORT_VARIABLES: Record<keyof StackPorts, { env: string; fallback: number; what: string }> = {
  temporal: { env: 'CTRAIN_TEMPORAL_PORT', fallback: 7233, what: 'Temporal frontend' },
  temporalUi: { env: 'CTRAIN_TEMPORAL_UI_PORT', fallback: 8233, what: 'Temporal Web UI' },
  minio: { env: 'CTRAIN_MINIO_PORT', fallback: 9000, what: 'MinIO S3 API' },
  minioConsole: { env: 'CTRAIN_MINIO_CONSOLE_PORT', fallback: 9001, what: 'MinIO console' },
};

/** A TCP port from the environment variable `name`, or `fallback` when it is unset or empty. */
export function portFromEnv(name: string, fallback: number, env: NodeJS.ProcessEnv = process.env): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1 || value > 65535) throw new Error(`${name}=${raw} is not a valid TCP port (1-65535).`);
  return value;
}

export function devPorts(env: NodeJS.ProcessEnv = process.env): StackPorts {
  const port = (key: keyof StackPorts): number => portFromEnv(PORT_VARIABLES[key].env, PORT_VARIABLES[key].fallback, env);
  return { temporal: port('temporal'), temporalUi: port('temporalUi'), minio: port('minio'), minioConsole: port('minioConsole') };
}

export function configFromEnv(env: NodeJS.ProcessEnv = process.env): ServiceConfig {
  const ports = devPorts(env);
  return {
    temporal: {
      address: env.CTRAIN_TEMPORAL_ADDRESS || `127.0.0.1:${ports.temporal}`,
      namespace: env.CTRAIN_TEMPORAL_NAMESPACE || 'default',
    },
    minio: {
      endpoint: env.CTRAIN_MINIO_ENDPOINT || `http://127.0.0.1:${ports.minio}`,
      accessKey: env.CTRAIN_MINIO_ACCESS_KEY || DEV_MINIO_CREDENTIALS.accessKey,
      secretKey: env.CTRAIN_MINIO_SECRET_KEY || DEV_MINIO_CREDENTIALS.secretKey,
    },
  };
}
