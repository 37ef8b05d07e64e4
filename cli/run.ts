import type { Command } from 'commander';
import { Option } from 'commander';
import type { RunRecord } from '../contracts/model.js';
import type { CacheOptions, PipelineOverrides, PipelineRunResult, StepName } from '../contracts/pipeline-run.js';
import { PIPELINE_STEPS } from '../contracts/pipeline-run.js';
import { requestRun, waitForRun } from '../clients/model-client.js';
import { fourDecimals } from '../format/numbers.js';
import { blessingWhy } from '../model/blessing.js';
import { loadPipeline } from '../pipelines/index.js';
import { output, webUiLink, withClient } from './connect.js';
import { defaultWatchMode, watchRun } from './watch.js';

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
    .argument('<pipeline>', 'a shipped pipeline, e.g. flight-delay')
    .option('--wait', 'wait for the run to finish, showing each step as it goes, and print its outcome')
    .option('--no-cache', 'recompute every step of this run')
    .addOption(new Option('--recompute <steps...>', 'recompute these steps even when cached').choices([...PIPELINE_STEPS]))
    .option('--resume <run>', 're-run a failed run, reusing every step that succeeded')
    .option('--override <json>', 'per-run spec overrides, e.g. \'{"training":{"epochs":5}}\'')
    .option('--reason <text>', 'why, recorded with the run', 'requested from the CLI')
    .option('--json', 'print JSON')
    .action(async (pipeline: string, options: RunOptions) => {
      const overrides = parseOverrides(options.override);
      // Refuse a bad spec or override here, before any workflow starts; the error lists every problem.
      loadPipeline(pipeline, overrides);
      const cache: CacheOptions = { enabled: options.cache, disabledSteps: options.recompute };
      await withClient(async (client, config) => {
        const { runId, folded } = await requestRun(client, pipeline, { reason: options.reason ?? 'requested from the CLI', source: 'cli', cache, overrides, resumeOf: options.resume });
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

function parseOverrides(text: string | undefined): PipelineOverrides {
  if (!text) return {};
  try {
    return JSON.parse(text) as PipelineOverrides;
  } catch (error) {
    throw new Error(`--override is not valid JSON: ${(error as Error).message}`);
  }
}

/** The run's outcome for people: each step (ran, cached or resumed), metrics, the version. */
export function describeRun(run: RunRecord, result: PipelineRunResult | undefined): string[] {
  const lines = [`${run.runId}: ${run.status}${run.version ? ` (version ${run.version})` : ''}`];
  if (run.error) lines.push(`  error: ${run.error}`);
  if (!result) return lines;
  lines.push(`  dataset version ${result.datasetVersion} (${result.ingest.rows} rows)`);
  for (const step of PIPELINE_STEPS) {
    const manifest = result[step];
    lines.push(`  ${step.padEnd(9)} ${manifest.cached ? `reused (${manifest.reusedBy})` : 'ran'}`);
  }
  lines.push(`  backend ${result.train.backend}, ${result.train.epochsRun} epochs (best ${result.train.bestEpoch})`);
  lines.push(`  metrics ${Object.entries(result.evaluate.metrics).map(([name, value]) => `${name}=${fourDecimals(value)}`).join(' ')}`);
  lines.push(`  ${result.evaluate.blessed ? 'blessed' : 'not blessed'}: ${blessingWhy(result.evaluate.reason)}`);
  return lines;
}
