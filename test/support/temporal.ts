import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import type { TestStack } from './test-stack.js';

let runtimeInstalled = false;

/** Keeps worker logs to warnings so test output stays readable. */
export function quietRuntime(): void {
  if (runtimeInstalled) return;
  Runtime.install({ logger: new DefaultLogger('WARN') });
  runtimeInstalled = true;
}

/** A client and a worker connection to the harness's real Temporal server. */
export async function connectTemporal(stack: TestStack): Promise<{ client: Client; workerConnection: NativeConnection; close: () => Promise<void> }> {
  quietRuntime();
  const connection = await Connection.connect({ address: stack.temporalAddress });
  const workerConnection = await NativeConnection.connect({ address: stack.temporalAddress });
  return {
    client: new Client({ connection, namespace: stack.namespace }),
    workerConnection,
    close: async () => {
      await connection.close();
      await workerConnection.close();
    },
  };
}

/** A unique name per test, so tests never see each other's workflows or task queues. */
export const uniqueId = (prefix: string): string => `${prefix}-${randomUUID()}`;
