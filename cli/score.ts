import { modelArgument } from './arguments.js';
import type { Client } from '@temporalio/client';
import type { Command } from 'commander';
import { Option } from 'commander';
import type { BatchProgress, BatchScoreInput, BatchScoreResult } from '../contracts/batch-score.js';
import { parseOutputUri } from '../contracts/output-uri.js';
import { checkName } from '../contracts/names.js';
import { output, webUiLink, withClient } from './connect.js';
import { CliError } from './errors.js';
import { uriOf } from '../contracts/pipeline-run.js';

interface ScoreOptions {
  input: string;
  output: string;
  version?: string;
  alias?: 'production' | 'canary';
  format?: 'parquet' | 'csv';
  chunkRows?: string;
  concurrency?: string;
  maxRejectShare?: string;
  resume?: string;
  wait?: boolean;
  json?: boolean;
}

export function registerScoreCommand(program: Command): void {
  withBatchOptions(program.command('score').description('score a file with a registered model as a workflow: chunks scored in parallel, output to MinIO with a row id and the model version in every row'))
    .option('--resume <run>', 'resume an earlier batch score by its id, reusing its plan and every chunk it scored (give the same --input and --output)')
    .option('--wait', 'wait for the result, showing progress')
    .option('--json', 'print JSON')
    .action(async (modelName: string, options: ScoreOptions) => {
      const input = batchInput(modelName, options);
      const { startBatchScore, waitForBatchScore } = await import('../clients/batch-client.js');
      await withClient(async (client, config) => {
        const handle = await startBatchScore(client, input, { workflowId: options.resume });
        const runId = handle.workflowId;
        if (!options.wait) {
          output(options.json ?? false, { runId }, () => [`started ${runId}`, `  Web UI  ${webUiLink(runId, config.temporal.namespace)}`]);
          return;
        }
        const show = options.json ? undefined : (progress: BatchProgress) => console.log(describeProgress(progress));
        const result = await waitForBatchScore(handle, show);
        output(options.json ?? false, result, () => describeResult(result));
      });
    });
}

/** `ctrain schedule score`: a Temporal Schedule that runs the same batch score on a cron. */
export function registerScoreScheduleCommand(schedule: Command): void {
  withBatchOptions(schedule.command('score').description("create or update a model's batch-score Schedule: the same batch score on each time of a cron expression (UTC)"))
    .requiredOption('--cron <expression>', 'when, e.g. "0 2 * * *" for 02:00 UTC every day')
    .option('--json', 'print JSON')
    .action(async (modelName: string, options: ScoreOptions & { cron: string }) => {
      const input = batchInput(modelName, options);
      const { scheduleBatchScore } = await import('../clients/batch-client.js');
      await withClient(async (client) => {
        const scheduleId = await scheduleBatchScore(client, input, { cron: options.cron });
        output(options.json ?? false, { scheduleId, cron: options.cron, input }, () => [`${scheduleId}: scores ${input.input} at "${options.cron}" into ${input.output}`]);
      });
    });
}

function withBatchOptions(command: Command): Command {
  return command
    .argument('<model>', 'a registered model, e.g. flight-delay', modelArgument)
    .requiredOption('--input <uri>', 'the rows: a path, file://, package://, http(s):// or s3:// URI of CSV, a JSON array (.json), JSON Lines or Parquet')
    .requiredOption('--output <uri>', 'where the scored rows go: s3://bucket/prefix (objects land under <prefix>/<run id>/)')
    .option('--version <n>', 'score with this registered version')
    .addOption(new Option('--alias <alias>', 'score with the version this alias points at (default production)').choices(['production', 'canary']))
    .addOption(new Option('--format <format>', 'output format (default parquet)').choices(['parquet', 'csv']))
    .option('--chunk-rows <n>', 'rows per chunk (default 100000)')
    .option('--concurrency <n>', 'chunks scored at once (default 4)')
    .option('--max-reject-share <share>', 'fail when more than this share (0-1) of rows fail validation (default 0.01)');
}

/** The workflow input the options describe; a bad value stops the command, naming its flag. */
export function batchInput(modelName: string, options: ScoreOptions): BatchScoreInput {
  return {
    modelName: checkName(modelName),
    input: options.input,
    output: uriOf(parseOutputUri(options.output)),
    ...(options.version !== undefined ? { version: positive(options.version, '--version') } : {}),
    ...(options.alias ? { alias: options.alias } : {}),
    ...(options.format ? { format: options.format } : {}),
    ...(options.chunkRows !== undefined ? { chunkRows: positive(options.chunkRows, '--chunk-rows') } : {}),
    ...(options.concurrency !== undefined ? { concurrency: positive(options.concurrency, '--concurrency') } : {}),
    ...(options.maxRejectShare !== undefined ? { maxRejectShare: share(options.maxRejectShare) } : {}),
  };
}

function positive(text: string, flag: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${flag} must be a positive whole number, got ${JSON.stringify(text)}`);
  return value;
}

function share(text: string): number {
  const value = Number(text);
  if (!(value >= 0 && value <= 1)) throw new Error(`--max-reject-share must be a number from 0 to 1, got ${JSON.stringify(text)}`);
  return value;
}

/** A batch score's workflow id: `<model>.score.<time>`, or `<model>.score-<time>` when its Schedule started it. */
export const isBatchScoreId = (id: string): boolean => /^[a-z][a-z0-9-]*\.score[.-]/.test(id);

/** `ctrain watch <batch score id>`: a line (or a JSON object) per change of its progress, then its result; throws with the failure. */
export async function watchBatchScore(client: Client, runId: string, json: boolean, intervalMs: number): Promise<void> {
  let last = '';
  const show = (progress: BatchProgress): void => {
    const line = json ? JSON.stringify({ event: 'progress', runId, ...progress }) : describeProgress(progress);
    if (line !== last) console.log(line);
    last = line;
  };
  const [{ WorkflowFailedError }, { waitForBatchScore }] = await Promise.all([import('@temporalio/client'), import('../clients/batch-client.js')]);
  let result: BatchScoreResult;
  try {
    result = await waitForBatchScore(client.workflow.getHandle(runId), show, intervalMs);
  } catch (error) {
    if (!(error instanceof WorkflowFailedError)) throw error;
    const message = `${runId} failed: ${rootMessage(error)}`;
    if (json) console.log(JSON.stringify({ event: 'end', runId, ok: false, message }));
    throw new CliError(message, 'fix what the message names, then resume with: ctrain score <model> --input … --output … --resume ' + runId);
  }
  if (json) console.log(JSON.stringify({ event: 'end', runId, ok: true, result }));
  else console.log(describeResult(result).join('\n'));
}

function rootMessage(error: Error): string {
  let cause: unknown = error;
  while (cause instanceof Error && cause.cause instanceof Error) cause = cause.cause;
  return (cause as Error).message;
}

export function describeProgress(progress: BatchProgress): string {
  return `${progress.phase.padEnd(9)} ${progress.chunksDone}/${progress.chunksTotal} chunks, ${progress.rowsDone}/${progress.rowsTotal} rows, ${progress.rejected} rejected, ${Math.round(progress.rowsPerSecond)} rows/s`;
}

export function describeResult(result: BatchScoreResult): string[] {
  return [
    `${result.runId}: ${result.scored} of ${result.rows} rows scored with ${result.modelName} version ${result.version}, ${result.rejected} rejected`,
    `  ${result.chunks} chunks (${result.reusedChunks} reused), ${Math.round(result.rowsPerSecond)} rows/s over ${result.seconds.toFixed(1)} s, of which planning ${result.planSeconds.toFixed(1)} s`,
    `  output    ${result.outputs.length ? `${uriOf(result.outputs[0]!).replace(/part-\d+\.\w+$/, '')}part-*.${result.format}` : '(no rows)'}`,
    ...(result.rejects ? [`  rejects   ${uriOf(result.rejects)}`] : []),
    `  manifest  ${uriOf(result.manifest)}`,
  ];
}
