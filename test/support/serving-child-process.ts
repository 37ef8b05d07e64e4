/** The model server as its own process (test/support/serving-child.ts, run as `ctrain serve` runs it), for tests that need a real process boundary. */
import { fileURLToPath } from 'node:url';
import type { ResultPromise } from 'execa';
import { execa } from 'execa';
import type { ObjectStoreConfig } from '../../storage/gateway.js';

const CHILD = fileURLToPath(new URL('./serving-child.ts', import.meta.url));

export interface ServingChild {
  child: ResultPromise<{ reject: false }>;
  /** Where it listens, e.g. http://127.0.0.1:40123. */
  url: string;
}

/** Starts a server for `model` against this MinIO, with `env` added, and waits until it listens. */
export async function startServingChild(modelName: string, minio: ObjectStoreConfig, env: Record<string, string> = {}): Promise<ServingChild> {
  const child = execa(process.execPath, ['--import', 'tsx', CHILD, modelName], {
    reject: false,
    env: { CTRAIN_MINIO_ENDPOINT: minio.endpoint, CTRAIN_MINIO_ACCESS_KEY: minio.accessKey, CTRAIN_MINIO_SECRET_KEY: minio.secretKey, ...env },
  });
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      const line = chunk.toString().split('\n').find((text) => text.includes('"listening"'));
      if (line) resolve((JSON.parse(line) as { listening: string }).listening);
    });
    void child.then((result) => reject(new Error(`server exited before listening: ${result.stderr}`)));
  });
  return { child, url };
}
