import type { Command } from 'commander';
import type { Client } from '@temporalio/client';
import type { StepManifest } from '../contracts/pipeline-run.js';
import { PIPELINE_STEPS } from '../contracts/pipeline-run.js';
import { output, webUiLink, withClient } from './connect.js';
import { runKeys } from '../storage/layout.js';
import { manifestOfFormatTwo } from '../contracts/format-renames.js';

export function registerStatusCommand(program: Command): void {
  program
    .command('status')
    .description('recent ctrain workflows, or one workflow: its steps (ran, cached, resumed) and live training progress')
    .argument('[workflow]', 'a workflow id, e.g. flight-delay.train.20261125T120000000Z or model:flight-delay')
    .option('--json', 'print JSON')
    .action(async (workflowId: string | undefined, options: { json?: boolean }) => {
      await withClient(async (client, config) => {
        if (!workflowId) {
          const recent = await listRecent(client);
          output(options.json ?? false, recent, () =>
            recent.length ? recent.map((w) => `${w.status.padEnd(11)} ${w.type.padEnd(26)} ${w.workflowId}  ${w.startTime}`) : ['no ctrain workflows yet'],
          );
          return;
        }
        const [{ defaultPayloadConverter }, { ObjectStore }] = await Promise.all([import('@temporalio/common'), import('../storage/gateway.js')]);
        const description = await client.workflow.getHandle(workflowId).describe();
        const storage = new ObjectStore(config.minio);
        const steps: Partial<Record<string, StepManifest>> = {};
        for (const step of PIPELINE_STEPS) {
          const manifest = await storage.getJson<StepManifest>(runKeys.step(workflowId, step)).catch(() => undefined);
          // Manifests an earlier ctrain wrote name the train step's network `model`.
          if (manifest) steps[step] = manifestOfFormatTwo(manifest);
        }
        const progress = (description.raw.pendingActivities ?? []).map((activity) => ({
          activity: activity.activityType?.name,
          attempt: activity.attempt,
          heartbeat: activity.heartbeatDetails?.payloads?.[0] ? defaultPayloadConverter.fromPayload(activity.heartbeatDetails.payloads[0]) : undefined,
        }));
        const data = { workflowId, type: description.type, status: description.status.name, startTime: description.startTime, searchAttributes: description.searchAttributes, steps, progress };
        output(options.json ?? false, data, () => [
          `${workflowId} (${description.type}): ${description.status.name}`,
          `  Web UI ${webUiLink(workflowId, config.temporal.namespace)}`,
          ...PIPELINE_STEPS.filter((step) => steps[step]).map((step) => `  ${step.padEnd(9)} ${steps[step]!.cached ? `reused (${steps[step]!.reusedBy})` : 'ran'}`),
          ...progress.map((p) => `  running ${p.activity} (attempt ${p.attempt}) ${p.heartbeat ? JSON.stringify(p.heartbeat) : ''}`),
        ]);
      });
    });
}

async function listRecent(client: Client, limit = 20): Promise<{ workflowId: string; type: string; status: string; startTime: string }[]> {
  const found: { workflowId: string; type: string; status: string; startTime: string }[] = [];
  const query = "WorkflowType = 'trainingPipelineWorkflow' OR WorkflowType = 'modelWorkflow'";
  for await (const workflow of client.workflow.list({ query })) {
    found.push({ workflowId: workflow.workflowId, type: workflow.type, status: workflow.status.name, startTime: workflow.startTime.toISOString() });
    if (found.length >= limit) break;
  }
  return found;
}
