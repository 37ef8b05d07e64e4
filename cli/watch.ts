import { setTimeout as sleep } from 'node:timers/promises';
import type { Client } from '@temporalio/client';
import type { Command } from 'commander';
import { withClient } from './connect.js';
import { CliError } from './errors.js';
import { isBatchScoreId, watchBatchScore } from './score.js';
import type { RunTarget } from './watch-source.js';
import { modelOfTarget, resolveRun, RunReader } from './watch-source.js';
import type { Outcome, RunSnapshot, StepView } from './watch-view.js';
import { changedSteps, renderHeader, renderStep, runOutcome, stepEvent, stepViews } from './watch-view.js';

/** How progress is shown: redrawn in place on a terminal, a line per change otherwise, or one JSON object per change. */
export type WatchMode = 'tty' | 'lines' | 'json';

export type FinalOutcome = Extract<Outcome, { final: true }>;

/** `ctrain watch <run>`: follows a run live until it ends. */
export function registerWatchCommand(program: Command): void {
  program
    .command('watch')
    .description('follow a run live: each step (pending, running, done, reused, failed, skipped), training epochs and losses; exits 1 if the run fails')
    .argument('<run>', 'a run id, e.g. flight-delay.train.20261201T120000000Z, a batch score\'s id (flight-delay.score.…), or a model name: its current or latest run')
    .option('--json', 'print one JSON object per change, one per line (docs/cli-json.md)')
    .option('--interval <ms>', 'how often to look, in milliseconds', '500')
    .action(async (target: string, options: { json?: boolean; interval: string }) => {
      const intervalMs = Number(options.interval);
      if (!(intervalMs > 0)) throw new CliError(`--interval ${options.interval} is not a positive number of milliseconds`, 'e.g. --interval 1000 looks once a second');
      await withClient(async (client, config) => {
        if (isBatchScoreId(target)) return watchBatchScore(client, target, options.json ?? false, intervalMs);
        // What a run looks like comes from its model workflow's queries: with no worker they would wait silently.
        const [{ modelWorkflowRunning, requireWorkerFor }, { modelWorkflowId }] = await Promise.all([import('../clients/worker-presence.js'), import('../contracts/model.js')]);
        const modelName = modelOfTarget(target);
        if (await modelWorkflowRunning(client, modelName)) await requireWorkerFor(client, modelWorkflowId(modelName), { address: config.temporal.address });
        const run = await resolveRun(client, target);
        const outcome = await watchRun(client, run, { mode: options.json ? 'json' : defaultWatchMode(), intervalMs });
        if (!outcome.ok) throw new CliError(outcome.message, failureHint(run, outcome));
      });
    });
}

/** A redrawn block on a terminal, a line per change when stdout goes to a file or a pipe. */
export const defaultWatchMode = (): WatchMode => (process.stdout.isTTY ? 'tty' : 'lines');

export interface WatchOptions {
  mode: WatchMode;
  /** Between two looks at the run. Default 500. */
  intervalMs?: number;
  /** Print the outcome line of a successful run at the end (`run --wait` prints its own summary). Default true. */
  outcomeLine?: boolean;
}

/** Follows the run, showing each change, until it has ended (and its model workflow has recorded the outcome); answers how it ended. */
export async function watchRun(client: Client, target: RunTarget, { mode, intervalMs = 500, outcomeLine = true }: WatchOptions): Promise<FinalOutcome> {
  const reader = new RunReader(client, target);
  const show = shower(mode, outcomeLine);
  for (;;) {
    const snapshot = await reader.snapshot();
    const outcome = runOutcome(snapshot);
    show(snapshot, stepViews(snapshot), outcome);
    if (outcome.final) return outcome;
    await sleep(intervalMs);
  }
}

function shower(mode: WatchMode, outcomeLine: boolean): (snapshot: RunSnapshot, views: StepView[], outcome: Outcome) => void {
  let header: string | undefined;
  let before: StepView[] | undefined;
  let drawn = 0;
  return (snapshot, views, outcome) => {
    const changed = changedSteps(before, views);
    const newHeader = renderHeader(snapshot);
    if (mode === 'json') {
      if (newHeader !== header) console.log(JSON.stringify({ event: 'run', runId: snapshot.runId, model: snapshot.modelView?.name, status: snapshot.status?.toLowerCase() ?? 'queued' }));
      for (const view of changed) console.log(JSON.stringify({ event: 'step', ...stepEvent(snapshot.runId, view) }));
      if (outcome.final) console.log(JSON.stringify({ event: 'end', runId: snapshot.runId, ok: outcome.ok, status: outcome.status, message: outcome.message }));
    } else if (mode === 'lines') {
      if (newHeader !== header) console.log(newHeader);
      for (const view of changed) console.log(`  ${renderStep(view)}`);
      if (outcome.final && outcome.ok && outcomeLine) console.log(outcome.message);
    } else if (newHeader !== header || changed.length || outcome.final) {
      // Move up over the block drawn last time and draw it again, each line cleared first and
      // cut to the terminal's width, so none wraps and the next move up lands where it began.
      const width = Math.max(20, (process.stdout.columns || 120) - 1);
      const block = [newHeader, ...views.map((view) => `  ${renderStep(view)}`), ...(outcome.final && outcome.ok && outcomeLine ? [outcome.message] : [])].map((line) => line.slice(0, width));
      process.stdout.write(`${drawn ? `\x1b[${drawn}A` : ''}${block.map((line) => `\x1b[2K${line}\n`).join('')}`);
      drawn = block.length;
    }
    header = newHeader;
    before = views;
  };
}

function failureHint(run: RunTarget, outcome: FinalOutcome): string {
  if (!run.modelName) return `\`npx ctrain status ${run.runId}\` shows its steps`;
  if (outcome.status === 'cancelled') return `start a new run with \`npx ctrain run ${run.modelName}\``;
  return `once the cause is fixed, \`npx ctrain run ${run.modelName} --resume ${run.runId}\` reuses the steps that succeeded`;
}
