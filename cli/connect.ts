import type { Client } from '@temporalio/client';
import type { ServiceConfig } from '../infra/config.js';
import { configFromEnv } from '../infra/config.js';

/** Runs `body` with a Temporal client for the configured server, and always closes the connection (and sends its spans, when tracing). */
export async function withClient<T>(body: (client: Client, config: ServiceConfig) => Promise<T>): Promise<T> {
  const config = configFromEnv();
  // Loaded here, not at the top: `ctrain --help` loads no Temporal module.
  const { connectClient, temporalOptionsFromEnv } = await import('../infra/temporal-connection.js');
  const temporal = await temporalOptionsFromEnv(process.env, config.temporal);
  const client = await connectClient(temporal);
  try {
    return await body(client, config);
  } finally {
    await client.connection.close();
    await temporal.tracing?.flush();
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
