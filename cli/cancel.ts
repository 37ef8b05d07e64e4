import type { Command } from 'commander';
import { output, withClient } from './connect.js';

/**
 * `ctrain cancel <run>`: cancels a training run. Training stops at its next heartbeat and removes
 * its checkpoint; the run ends once it has; the model workflow records it as cancelled, and the
 * registry keeps every version and alias as they were.
 */
export function registerCancelCommand(program: Command): void {
  program
    .command('cancel')
    .description('cancel a training run (its workflow id, as `ctrain run` printed it); waits until it has stopped')
    .argument('<run>', 'the run, e.g. flight-delay.train.20261201T120000000Z')
    .option('--json', 'print JSON')
    .action(async (runId: string, options: { json?: boolean }) => {
      const { WorkflowNotFoundError } = await import('@temporalio/client');
      await withClient(async (client, config) => {
        const handle = client.workflow.getHandle(runId);
        const before = await handle.describe().catch((error: unknown) => {
          throw error instanceof WorkflowNotFoundError ? new Error(`no run ${runId}: see \`ctrain status\` for recent runs`) : error;
        });
        if (before.status.name !== 'RUNNING') throw new Error(`run ${runId} is ${before.status.name.toLowerCase()}, so there is nothing to cancel`);
        // The run stops only as a worker carries the cancellation out: without one this would wait silently.
        const { requireWorkerFor } = await import('../clients/worker-presence.js');
        await requireWorkerFor(client, runId, { address: config.temporal.address });
        await handle.cancel();
        // The run ends as cancelled once its steps have stopped and cleaned up.
        const status = await handle.result().then(
          () => 'COMPLETED',
          async () => (await handle.describe()).status.name,
        );
        output(options.json ?? false, { runId, status }, () => [`${runId}: ${status.toLowerCase()}`]);
        if (status !== 'CANCELLED') process.exitCode = 1;
      });
    });
}
