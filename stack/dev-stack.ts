import { DEV_MINIO_CREDENTIALS } from '../contracts/stack.js';
import { configFromEnv, devPorts, portFromEnv } from '../infra/config.js';
import type { StackLayout } from './local-stack.js';
import { devHome } from './paths.js';
import type { ProductionLayout } from './production-stack.js';

/** The layout of `ctrain dev up`: the project's `.ctrain/` (or CTRAIN_HOME) and the configured ports. */
export function devLayout(env: NodeJS.ProcessEnv = process.env): StackLayout {
  const { minio } = configFromEnv(env);
  return {
    home: devHome(env),
    ports: devPorts(env),
    minio: { accessKey: minio.accessKey || DEV_MINIO_CREDENTIALS.accessKey, secretKey: minio.secretKey || DEV_MINIO_CREDENTIALS.secretKey },
  };
}

/**
 * The production topology's layout: the same folder, ports and credentials, plus PostgreSQL's
 * port (CTRAIN_POSTGRES_PORT, default 5432) and the password of its `temporal` user
 * (CTRAIN_POSTGRES_PASSWORD, default `temporal`, as in docker-compose.yml).
 */
export function productionLayout(env: NodeJS.ProcessEnv = process.env): ProductionLayout {
  return {
    ...devLayout(env),
    postgres: { port: portFromEnv('CTRAIN_POSTGRES_PORT', 5432, env), user: 'temporal', password: env.CTRAIN_POSTGRES_PASSWORD || 'temporal' },
  };
}
