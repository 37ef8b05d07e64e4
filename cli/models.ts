import { modelArgument, versionArgument } from './arguments.js';
import type { Command } from 'commander';
import type { AliasChange, AliasRequest, ModelVersion, Registry } from '../contracts/model.js';
import { approveUpdate, modelWorkflowId, promoteUpdate, rejectUpdate, rollbackUpdate } from '../contracts/model.js';
import { readRegistry } from '../clients/model-client.js';
import { fourDecimals } from '../format/numbers.js';
import type { DeliveryStats, Durations } from '../model/delivery-stats.js';
import { deliveryStats } from '../model/delivery-stats.js';
import { pipelineNames } from '../pipelines/index.js';
import { storedPipelineNames } from '../pipelines/user-pipelines.js';
import { ObjectStore } from '../storage/gateway.js';
import { output, withClient } from './connect.js';

export function registerModelCommands(program: Command): void {
  const models = program.command('models').description('the model registry');
  models
    .command('ls')
    .description('every model with its versions and aliases')
    .option('--json', 'print JSON')
    .action(async (options: { json?: boolean }) => {
      await withClient(async (client, config) => {
        const registries: Registry[] = [];
        // Pipelines of people's own have their spec stored in MinIO by the run that started them.
        const stored = await storedPipelineNames(new ObjectStore(config.minio));
        for (const name of [...new Set([...pipelineNames(), ...stored])]) {
          const registry = await readRegistry(client, name).catch(() => undefined);
          if (registry) registries.push(registry);
        }
        output(options.json ?? false, registries, () =>
          registries.length === 0
            ? ['no model has been trained yet; start one with `npx ctrain run <pipeline>`']
            : registries.map((r) => `${r.modelName.padEnd(22)} ${String(r.versions.length).padStart(3)} versions  ${aliasesOf(r)}${r.paused ? '  (retraining paused)' : ''}`),
        );
      });
    });

  models
    .command('show')
    .description("a model's versions, aliases and their history, or one version's lineage")
    .argument('<model>', 'the model', modelArgument)
    .argument('[version]', 'a version number', versionArgument)
    .option('--json', 'print JSON')
    .action(async (modelName: string, version: string | undefined, options: { json?: boolean }) => {
      await withClient(async (client) => {
        const registry = await readRegistry(client, modelName);
        if (version === undefined) {
          output(options.json ?? false, registry, () => [
            `${modelName}: ${aliasesOf(registry)}`,
            ...registry.versions.map(describeVersion),
            'alias history:',
            ...registry.history.map((change) => `  ${change.at} ${change.alias}: ${change.from ?? '-'} -> ${change.to ?? '-'} by ${change.by} (${change.reason})`),
          ]);
          return;
        }
        const found = registry.versions.find((candidate) => candidate.version === Number(version));
        if (!found) throw new Error(`${modelName} has no version ${version}`);
        output(options.json ?? false, found, () => [describeVersion(found), ...(found.backendDetail ? [`  backend: ${found.backendDetail.detail}`] : []), JSON.stringify(found, null, 2)]);
      });
    });

  models
    .command('stats')
    .description('delivery figures from the registry history: deployment frequency, lead time from drift signal to production, rollback rate, retraining cadence')
    .argument('<model>', 'the model', modelArgument)
    .option('--json', 'print JSON')
    .action(async (modelName: string, options: { json?: boolean }) => {
      await withClient(async (client) => {
        const stats = deliveryStats(await readRegistry(client, modelName), new Date());
        output(options.json ?? false, stats, () => describeStats(stats));
      });
    });

  const aliasCommand = (name: string, description: string, needsVersion: boolean, run: (modelName: string, request: AliasRequest) => Promise<unknown>) =>
    program
      .command(name)
      .description(description)
      .argument('<model>', 'the model', modelArgument)
      .argument(needsVersion ? '<version>' : '[version]', 'a version number', versionArgument)
      .option('--reason <text>', 'recorded in the alias history')
      .option('--json', 'print JSON')
      .action(async (modelName: string, version: string | undefined, options: { reason?: string; json?: boolean }) => {
        const request: AliasRequest = { version: version === undefined ? undefined : Number(version), reason: options.reason, by: `cli:${process.env.USER ?? 'unknown'}` };
        const result = await run(modelName, request);
        output(options.json ?? false, result, () => [describeChange(name, result)]);
      });

  const update = (definition: typeof promoteUpdate | typeof approveUpdate | typeof rejectUpdate) => (modelName: string, request: AliasRequest) =>
    withClient((client) => client.workflow.getHandle(modelWorkflowId(modelName)).executeUpdate(definition as typeof promoteUpdate, { args: [request] }));
  aliasCommand('promote', 'make a version production (the current one becomes previous)', true, update(promoteUpdate));
  aliasCommand('rollback', 'put the previous production version back', false, update(rollbackUpdate));
  aliasCommand('approve', 'approve the version waiting for manual approval', false, update(approveUpdate));
  aliasCommand('reject', 'reject the version waiting for manual approval', false, update(rejectUpdate));
}

function aliasesOf(registry: Registry): string {
  const aliases = Object.entries(registry.aliases).map(([alias, version]) => `${alias}=v${version}`);
  return aliases.length ? aliases.join(' ') : 'no aliases';
}

function describeVersion(version: ModelVersion): string {
  const metrics = Object.entries(version.metrics).map(([name, value]) => `${name}=${fourDecimals(value)}`).join(' ');
  return `  v${version.version} ${version.createdAt} dataset ${version.datasetVersion.slice(0, 12)} ${version.backend} ${version.blessed ? 'blessed' : 'not blessed'} ${metrics} (run ${version.runId})`;
}

function describeChange(command: string, result: unknown): string {
  const change = result as Partial<AliasChange> & { version?: number };
  return change.alias ? `${change.alias}: ${change.from ?? '-'} -> ${change.to ?? '-'} (${change.reason})` : `${command}d version ${change.version}`;
}

function describeStats(stats: DeliveryStats): string[] {
  const { deployments, retraining } = stats;
  const share = (value: number | undefined) => (value === undefined ? 'n/a' : `${(value * 100).toFixed(0)}%`);
  const counts = (entries: Partial<Record<string, number>>) => Object.entries(entries).map(([key, count]) => `${key} ${count}`).join(', ') || 'none';
  return [
    `${stats.modelName}: ${stats.since ? `since ${stats.since} (${stats.days.toFixed(1)} days)` : 'no history yet'}`,
    `  deployments      ${deployments.count} to production (${deployments.perWeek.toFixed(1)}/week): ${deployments.newVersions} new versions, ${deployments.rollbacks} rollbacks`,
    `  rollback rate    ${share(deployments.rollbackRate)} of production changes; ${deployments.canaryRollbacks} candidates sent back by the canary`,
    `  lead time        drift/alert signal to production: ${describeDurations(stats.leadTimeFromSignal)}`,
    `                   any request to production: ${describeDurations(stats.leadTimeFromRequest)}`,
    `  retraining       ${retraining.runs} runs (${retraining.perWeek.toFixed(1)}/week), median gap ${retraining.medianIntervalMs === undefined ? 'n/a' : humanDuration(retraining.medianIntervalMs)}`,
    `                   by source: ${counts(retraining.bySource)}; by outcome: ${counts(retraining.byStatus)}`,
  ];
}

function describeDurations({ count, medianMs, maxMs }: Durations): string {
  return count === 0 ? 'none yet' : `median ${humanDuration(medianMs!)}, max ${humanDuration(maxMs!)} over ${count}`;
}

function humanDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 120_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms < 7_200_000) return `${(ms / 60_000).toFixed(1)} min`;
  if (ms < 172_800_000) return `${(ms / 3_600_000).toFixed(1)} h`;
  return `${(ms / 86_400_000).toFixed(1)} days`;
}
