import { Client, Connection } from '@temporalio/client';
import type { ServiceConfig } from '../infra/config.js';
import { configFromEnv } from '../infra/config.js';

/** Runs `body` with a Temporal client for the configured server, and always closes the connection. */
export async function withClient<T>(body: (client: Client, config: ServiceConfig) => Promise<T>): Promise<T> {
  const config = configFromEnv();
  const connection = await Connection.connect({ address: config.temporal.address, connectTimeout: 5_000 }).catch((error: unknown) => {
    throw new Error(`Cannot reach Temporal at ${config.temporal.address} (${(error as Error).message}). Start the stack with \`npx ctrain dev up\` or set CTRAIN_TEMPORAL_ADDRESS.`);
  });
  try {
    return await body(new Client({ connection, namespace: config.temporal.namespace }), config);
  } finally {
    await connection.close();
  }
}

/** Prints data as JSON (for --json) or as lines for people. */
export function output(json: boolean, data: unknown, lines: () => string[]): void {
  console.log(json ? JSON.stringify(data, null, 2) : lines().join('\n'));
}

/** The Web UI page of a workflow, for the embedded stack's UI port. */
export function webUiLink(workflowId: string, namespace = 'default'): string {
  const port = process.env.CTRAIN_TEMPORAL_UI_PORT || '8233';
  return `http://127.0.0.1:${port}/namespaces/${namespace}/workflows/${encodeURIComponent(workflowId)}`;
}
