import type { Command } from 'commander';
import { Option } from 'commander';
import type { RunRecord } from '../contracts/model.js';
import type { CacheOptions, PipelineOverrides, PipelineRunResult, StepName } from '../contracts/pipeline-run.js';
import { PIPELINE_STEPS } from '../contracts/pipeline-run.js';
import { fourDecimals } from '../format/numbers.js';
import { blessingWhy } from '../model/blessing.js';
import type { PipelineFile } from '../pipelines/user-pipelines.js';
import { output, webUiLink, withClient } from './connect.js';
import { defaultWatchMode, watchRun } from './watch.js';

/** How long the model workflow may take to accept a run request (it answers in milliseconds when a worker runs). */
const REQUEST_TIMEOUT_MS = 30_000;

interface RunOptions {
  wait?: boolean;
  cache: boolean;
  recompute?: StepName[];
  resume?: string;
  override?: string;
  reason?: string;
  json?: boolean;
}

export function registerRunCommand(program: Command): void {
  program
    .command('run')
    .description('start a training run of a pipeline (through its model workflow, which registers and deploys)')
    .argument('<pipeline>', 'a pipeline: a shipped one (flight-delay), one in CTRAIN_PIPELINES, or a file of your own (./my-pipeline.ts, .js or .json)')
    .option('--wait', 'wait for the run to finish, showing each step as it goes, and print its outcome')
    .option('--no-cache', 'recompute every step of this run')
    .addOption(new Option('--recompute <steps...>', 'recompute these steps even when cached').choices([...PIPELINE_STEPS]))
    .option('--resume <run>', 're-run a failed run, reusing every step that succeeded')
    .option('--override <json>', 'per-run spec overrides, e.g. \'{"training":{"epochs":5}}\'')
    .option('--reason <text>', 'why, recorded with the run', 'requested from the CLI')
    .option('--json', 'print JSON')
    .action(async (argument: string, options: RunOptions) => {
      const [{ requestRun, waitForRun }, { requireModelWorker, withWorkerDeadline }, { loadPipeline, withOverrides }, { storePipelineSpec }, { ObjectStore }] = await Promise.all([
        import('../clients/model-client.js'),
        import('../clients/worker-presence.js'),
        import('../pipelines/index.js'),
        import('../pipelines/user-pipelines.js'),
        import('../storage/gateway.js'),
      ]);
      const overrides = parseOverrides(options.override);
      // Refuse a bad spec or override here, before any workflow starts; the error lists every problem.
      const own = await ownPipeline(argument);
      const pipeline = own?.spec.name ?? argument;
      if (own) withOverrides(own.input, overrides);
      else loadPipeline(pipeline, overrides);
      const cache: CacheOptions = { enabled: options.cache, disabledSteps: options.recompute };
      await withClient(async (client, config) => {
        // Workers resolve a pipeline ctrain does not ship from MinIO: the file's spec goes there first.
        if (own) await storePipelineSpec(new ObjectStore(config.minio), own);
        // The model workflow takes the request as an update: with no worker it would wait for one, silently.
        const { address } = config.temporal;
        const taskQueue = await requireModelWorker(client, pipeline, { address });
        const waitingFor = `the model workflow of ${pipeline} did not take the run request within ${REQUEST_TIMEOUT_MS / 1000} s`;
        const { runId, folded } = await withWorkerDeadline(client, { address, taskQueue, ms: REQUEST_TIMEOUT_MS, waitingFor }, () =>
          requestRun(client, pipeline, { reason: options.reason ?? 'requested from the CLI', source: 'cli', cache, overrides, resumeOf: options.resume }),
        );
        if (!options.wait) {
          output(options.json ?? false, { runId, folded }, () => [
            `${folded ? 'queued behind the current run, as' : 'started'} ${runId}`,
            `  Web UI  ${webUiLink(runId, config.temporal.namespace)}`,
          ]);
          return;
        }
        // People see each step as it goes; --json keeps stdout to the one object below.
        if (!options.json) await watchRun(client, { runId, modelName: pipeline }, { mode: defaultWatchMode(), outcomeLine: false });
        const { run } = await waitForRun(client, pipeline, runId);
        const result = run.status === 'failed' ? undefined : ((await client.workflow.getHandle(runId).result()) as PipelineRunResult);
        output(options.json ?? false, { run, result }, () => describeRun(run, result));
        if (run.status === 'failed') process.exitCode = 1;
      });
    });
}

/** The pipeline file a `run` argument names, or the CTRAIN_PIPELINES file of that name; undefined for a shipped pipeline. */
async function ownPipeline(argument: string): Promise<PipelineFile | undefined> {
  const [{ findPipeline }, { isPipelineFile, loadPipelineFile, loadPipelineFolder }] = await Promise.all([import('../pipelines/index.js'), import('../pipelines/user-pipelines.js')]);
  if (isPipelineFile(argument)) return loadPipelineFile(argument);
  if (findPipeline(argument)) return undefined;
  const { files, failures } = await loadPipelineFolder();
  const found = files.find((file) => file.spec.name === argument);
  // A file of the folder that does not load may be the one asked for: say why it did not.
  if (!found && failures.length > 0) throw failures[0]!.error;
  return found;
}

function parseOverrides(text: string | undefined): PipelineOverrides {
  if (!text) return {};
  try {
    return JSON.parse(text) as PipelineOverrides;
  } catch (error) {
    throw new Error(`--override is not valid JSON: ${(error as Error).message}`);
  }
}

/** The run's outcome for people: each step (ran, cached or resumed), metrics, the version. */
export function describeRun(run: RunRecord, result: PipelineRunResult | undefined, reusedFrom?: string): string[] {
  // A run that found the data and spec of an existing version returns that version: nothing new is registered.
  const outcome = reusedFrom && run.version ? `unchanged — the same data and spec as version ${run.version} (run ${reusedFrom}), reused; nothing new registered` : `${run.status}${run.version ? ` (version ${run.version})` : ''}`;
  const lines = [`${run.runId}: ${outcome}`];
  if (run.error) lines.push(`  error: ${run.error}`);
  if (!result) return lines;
  lines.push(`  dataset version ${result.datasetVersion} (${result.ingest.rows} rows)`);
  for (const step of PIPELINE_STEPS) {
    const manifest = result[step];
    lines.push(`  ${step.padEnd(9)} ${manifest.cached ? `reused (${manifest.reusedBy})` : 'ran'}`);
  }
  const earlier = reusedFrom ? ` (of run ${reusedFrom}, reused)` : '';
  const batch = result.train.batchSize === undefined ? '' : `, batch ${result.train.batchSize}`;
  lines.push(`  backend${earlier} ${result.train.backend}${batch}, ${result.train.epochsRun} epochs (best ${result.train.bestEpoch})`);
  lines.push(`  metrics${earlier} ${Object.entries(result.evaluate.metrics).map(([name, value]) => `${name}=${fourDecimals(value)}`).join(' ')}`);
  lines.push(`  ${result.evaluate.blessed ? 'blessed' : 'not blessed'}${earlier}: ${blessingWhy(result.evaluate.reason)}`);
  return lines;
}
