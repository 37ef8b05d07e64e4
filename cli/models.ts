import type { Command } from 'commander';
import type { AliasChange, AliasRequest, ModelVersion, Registry } from '../contracts/model.js';
import { fourDecimals } from '../format/numbers.js';
import type { DeliveryStats, Durations } from '../model/delivery-stats.js';
import { modelArgument, versionArgument } from './arguments.js';
import { durationArgument } from './duration-argument.js';

/** How long promote, rollback, approve and reject wait for the model workflow's answer by default. */
const UPDATE_TIMEOUT_MS = 30_000;

export function registerModelCommands(program: Command): void {
  const models = program.command('models').description('the model registry (read from MinIO: no worker needed)');
  models
    .command('ls')
    .description('every model with its versions and aliases')
    .option('--json', 'print JSON')
    .action(async (options: { json?: boolean }) => {
      const { listRegistries } = await import('../clients/registry-reader.js');
      const { registries, unreadable } = await listRegistries(await objectStore());
      // Said on stderr so --json stays one document; the other models are listed all the same.
      for (const { modelName, reason } of unreadable) console.error(`ctrain: skipped ${modelName}: ${reason}`);
      print(options.json ?? false, registries, () =>
        registries.length === 0
          ? ['no model has been trained yet; start one with `npx ctrain run <pipeline>`']
          : registries.map((r) => `${r.modelName.padEnd(22)} ${String(r.versions.length).padStart(3)} versions  ${aliasesOf(r)}${r.paused ? '  (retraining paused)' : ''}`),
      );
    });

  models
    .command('show')
    .description("a model's versions, aliases and their history, or one version's lineage")
    .argument('<model>', 'the model', modelArgument)
    .argument('[version]', 'a version number', versionArgument)
    .option('--json', 'print JSON')
    .action(async (modelName: string, version: string | undefined, options: { json?: boolean }) => {
      const { publishedRegistry } = await import('../clients/registry-reader.js');
      const registry = await publishedRegistry(await objectStore(), modelName);
      if (version === undefined) {
        print(options.json ?? false, registry, () => [
          `${modelName}: ${aliasesOf(registry)}`,
          ...registry.versions.map(describeVersion),
          'alias history:',
          ...registry.history.map((change) => `  ${change.at} ${change.alias}: ${change.from ?? '-'} -> ${change.to ?? '-'} by ${change.by} (${change.reason})`),
        ]);
        return;
      }
      const found = registry.versions.find((candidate) => candidate.version === Number(version));
      if (!found) throw new Error(`${modelName} has no version ${version}`);
      print(options.json ?? false, found, () => [describeVersion(found), ...(found.backendDetail ? [`  backend: ${found.backendDetail.detail}`] : []), JSON.stringify(found, null, 2)]);
    });

  models
    .command('stats')
    .description('delivery figures from the registry history: deployment frequency, lead time from drift signal to production, rollback rate, retraining cadence')
    .argument('<model>', 'the model', modelArgument)
    .option('--json', 'print JSON')
    .action(async (modelName: string, options: { json?: boolean }) => {
      const [{ publishedRegistry }, { deliveryStats }] = await Promise.all([import('../clients/registry-reader.js'), import('../model/delivery-stats.js')]);
      const stats = deliveryStats(await publishedRegistry(await objectStore(), modelName), new Date());
      print(options.json ?? false, stats, () => describeStats(stats));
    });

  type UpdateName = 'promote' | 'rollback' | 'approve' | 'reject';
  const aliasCommand = (name: UpdateName, description: string, needsVersion: boolean) =>
    program
      .command(name)
      .description(`${description}; needs a running worker`)
      .argument('<model>', 'the model', modelArgument)
      .argument(needsVersion ? '<version>' : '[version]', 'a version number', versionArgument)
      .option('--reason <text>', 'recorded in the alias history')
      .option('--timeout <duration>', "how long to wait for the model workflow's answer (default 30 s)", durationArgument)
      .option('--json', 'print JSON')
      .action(async (modelName: string, version: string | undefined, options: { reason?: string; json?: boolean; timeout?: number }) => {
        const request: AliasRequest = { version: version === undefined ? undefined : Number(version), reason: options.reason, by: `cli:${process.env.USER ?? 'unknown'}` };
        const result = await updateModel(name, modelName, request, options.timeout ?? UPDATE_TIMEOUT_MS);
        print(options.json ?? false, result, () => [describeChange(name, result)]);
      });
  aliasCommand('promote', 'make a version production (the current one becomes previous)', true);
  aliasCommand('rollback', 'put the previous production version back', false);
  aliasCommand('approve', 'approve the version waiting for manual approval', false);
  aliasCommand('reject', 'reject the version waiting for manual approval', false);
}

/**
 * Sends the model workflow an alias update, once a worker is known to serve it (else it fails at
 * once), and waits at most `timeoutMs` for its answer.
 */
async function updateModel(name: 'promote' | 'rollback' | 'approve' | 'reject', modelName: string, request: AliasRequest, timeoutMs: number): Promise<unknown> {
  const [{ withClient }, contracts, { requireWorkerFor, withWorkerDeadline }] = await Promise.all([import('./connect.js'), import('../contracts/model.js'), import('../clients/worker-presence.js')]);
  const definition = { promote: contracts.promoteUpdate, rollback: contracts.rollbackUpdate, approve: contracts.approveUpdate, reject: contracts.rejectUpdate }[name];
  const workflowId = contracts.modelWorkflowId(modelName);
  return withClient(async (client, config) => {
    const { address } = config.temporal;
    const taskQueue = await requireWorkerFor(client, workflowId, { address });
    const waitingFor = `the model workflow ${workflowId} did not answer the ${name} within ${Math.round(timeoutMs / 1000)} s; it may still apply it once a worker takes it`;
    const hint = `\`npx ctrain models show ${modelName}\` shows whether it did`;
    return withWorkerDeadline(client, { address, taskQueue, ms: timeoutMs, waitingFor, hint }, () => client.workflow.getHandle(workflowId).executeUpdate(definition as typeof contracts.promoteUpdate, { args: [request] }));
  });
}

/** The configured MinIO, loaded only by the commands that read it. */
async function objectStore() {
  const [{ configFromEnv }, { ObjectStore }] = await Promise.all([import('../infra/config.js'), import('../storage/gateway.js')]);
  return new ObjectStore(configFromEnv().minio);
}

/** Prints data as JSON (for --json) or as lines for people. */
function print(json: boolean, data: unknown, lines: () => string[]): void {
  console.log(json ? JSON.stringify(data, null, 2) : lines().join('\n'));
}

function aliasesOf(registry: Registry): string {
  const aliases = Object.entries(registry.aliases).map(([alias, version]) => `${alias}=v${version}`);
  return aliases.length ? aliases.join(' ') : 'no aliases';
}

function describeVersion(version: ModelVersion): string {
  const line = `  v${version.version} ${version.createdAt} dataset ${version.datasetVersion.slice(0, 12)} ${version.backend} ${version.blessed ? 'blessed' : 'not blessed'} ${metricsOf(version.metrics)} (run ${version.runId})`;
  // The trivial predictor on the same test rows: what the metrics above are worth.
  return version.baseline ? `${line}\n      baseline ${version.baseline.predictor}: ${metricsOf(version.baseline.metrics)}` : line;
}

const metricsOf = (metrics: Record<string, number>): string =>
  Object.entries(metrics)
    .map(([name, value]) => `${name}=${fourDecimals(value)}`)
    .join(' ');

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
