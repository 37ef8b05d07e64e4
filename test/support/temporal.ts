import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { installWorkerRuntime } from '../../infra/temporal.js';
import type { TestStack } from './test-stack.js';

/** A client and a worker connection to the harness's real Temporal server. */
export async function connectTemporal(stack: TestStack): Promise<{ client: Client; workerConnection: NativeConnection; close: () => Promise<void> }> {
  // Tests provoke activity failures on purpose; their warnings would bury real output.
  installWorkerRuntime('ERROR');
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
