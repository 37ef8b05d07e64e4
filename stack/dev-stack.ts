import { DEV_MINIO_CREDENTIALS } from '../contracts/stack.js';
import { configFromEnv, devPorts } from '../infra/config.js';
import type { StackLayout } from './local-stack.js';
import { devHome } from './paths.js';

/** The layout of `ctrain dev up`: the project's `.ctrain/` (or CTRAIN_HOME) and the configured ports. */
export function devLayout(env: NodeJS.ProcessEnv = process.env): StackLayout {
  const { minio } = configFromEnv(env);
  return {
    home: devHome(env),
    ports: devPorts(env),
    minio: { accessKey: minio.accessKey || DEV_MINIO_CREDENTIALS.accessKey, secretKey: minio.secretKey || DEV_MINIO_CREDENTIALS.secretKey },
  };
}
