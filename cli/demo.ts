import type { Command } from 'commander';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { BUCKETS, TASK_QUEUES } from '../contracts/stack.js';
import { configFromEnv } from '../infra/config.js';
import { installWorkerRuntime } from '../infra/temporal.js';
import { devLayout } from '../stack/dev-stack.js';
import { startStack, stackUrls } from '../stack/local-stack.js';
import { provision } from '../stack/provision.js';
import { createDependencies } from '../workers/dependencies.js';
import { createGeneralWorker } from '../workers/general.js';
import { stackCheckWorkflow } from '../workflows/index.js';

export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description('start the embedded stack and run a workflow through Temporal and MinIO')
    .action(runDemo);
}

async function runDemo(): Promise<void> {
  const layout = devLayout();
  const state = await startStack(layout, await provision());
  const urls = stackUrls(state.ports);
  const config = configFromEnv({ ...process.env, CTRAIN_TEMPORAL_ADDRESS: urls.temporalAddress, CTRAIN_MINIO_ENDPOINT: urls.minioEndpoint });

  installWorkerRuntime();
  const workerConnection = await NativeConnection.connect({ address: config.temporal.address });
  const worker = await createGeneralWorker({ connection: workerConnection, namespace: config.temporal.namespace, deps: await createDependencies(config) });
  const connection = await Connection.connect({ address: config.temporal.address });
  const client = new Client({ connection, namespace: config.temporal.namespace });
  try {
    const workflowId = `stack-check-${Date.now()}`;
    const result = await worker.runUntil(
      client.workflow.execute(stackCheckWorkflow, {
        taskQueue: TASK_QUEUES.general,
        workflowId,
        args: [{ bucket: BUCKETS.artifacts, key: `demo/${workflowId}.txt`, text: `hello from ${workflowId}` }],
      }),
    );
    const ui = await fetch(urls.webUi);
    console.log(`ctrain: workflow ${workflowId} wrote s3://${BUCKETS.artifacts}/${result.key} (${result.bytes} bytes) and read back "${result.readBack}"`);
    console.log(`ctrain: Web UI ${urls.webUi} answered HTTP ${ui.status}`);
    console.log(`ctrain: see the run at ${urls.webUi}/namespaces/${config.temporal.namespace}/workflows/${workflowId}`);
    console.log('ctrain: the stack keeps running; stop it with `npx ctrain dev down`');
  } finally {
    await connection.close();
    await workerConnection.close();
  }
}
