import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import type { NativeConnection } from '@temporalio/worker';
import { afterAll, beforeAll } from 'vitest';
import { installWorkerRuntime } from '../infra/temporal.js';
import { connectClient, connectWorkers, dataConverterFromEnv } from '../infra/temporal-connection.js';
import type { TestStack } from './test-stack.js';

/**
 * A client and a worker connection to the harness's real Temporal server, built the way ctrain
 * builds its own. Payload encryption follows `env` (CTRAIN_PAYLOAD_KEY), so the suite can run
 * encrypted; TLS does not, since the harness's dev server is plaintext on loopback.
 */
export async function connectTemporal(stack: TestStack, env: NodeJS.ProcessEnv = process.env): Promise<{ client: Client; workerConnection: NativeConnection; dataConverter: DataConverter; close: () => Promise<void> }> {
  // Tests provoke activity failures on purpose; their warnings would bury real output. No metrics
  // endpoint, whatever the shell sets: parallel test processes would fight over its port.
  installWorkerRuntime('ERROR', {});
  const options = { address: stack.temporalAddress, namespace: stack.namespace, ...dataConverterFromEnv(env) };
  const client = await connectClient(options);
  const workerConnection = await connectWorkers(options);
  return {
    client,
    workerConnection,
    dataConverter: options.dataConverter,
    close: async () => {
      await client.connection.close();
      await workerConnection.close();
    },
  };
}

/** A unique name per test, so tests never see each other's workflows or task queues. */
export const uniqueId = (prefix: string): string => `${prefix}-${randomUUID()}`;

export type TestTemporal = Awaited<ReturnType<typeof connectTemporal>>;

/** One connection for a test file: opened before its tests, closed after them; tests read `.current`. */
export function connectForFile(stack: TestStack): { current: TestTemporal } {
  const holder = {} as { current: TestTemporal };
  beforeAll(async () => {
    holder.current = await connectTemporal(stack);
  });
  afterAll(async () => {
    await holder.current?.close();
  });
  return holder;
}
