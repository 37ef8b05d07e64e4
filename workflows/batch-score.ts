import { executeChild, proxyActivities, setHandler, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import type { BatchProgress, BatchScoreInput, BatchScoreResult, ChunkResult, ChunkTotals, ScoreRangeInput } from '../contracts/batch-score.js';
import { BATCH_DEFAULTS, batchProgressQuery } from '../contracts/batch-score.js';
import { inputWithModelName } from '../contracts/format-renames.js';
import { HEARTBEAT_TIMEOUT } from '../contracts/heartbeats.js';
import { STEP_RETRY } from '../contracts/retry.js';

// Every batch activity heartbeats on a timer (activities/heartbeat.ts): a killed worker is noticed within HEARTBEAT_TIMEOUT, and the chunk runs again elsewhere.
// No eager dispatch: it would hand every chunk to the worker running this workflow, leaving the other workers idle.
const batch = proxyActivities<Activities>({
  allowEagerDispatch: false,
  startToCloseTimeout: '2 hours',
  heartbeatTimeout: HEARTBEAT_TIMEOUT,
  retry: STEP_RETRY,
});

// Planning reads the whole input once; on a billion rows that takes hours, so it gets a day (a retry plans again from the start).
const planning = proxyActivities<Activities>({
  startToCloseTimeout: '24 hours',
  heartbeatTimeout: HEARTBEAT_TIMEOUT,
  retry: STEP_RETRY,
});

/**
 * Scores a file with a registered model (DESIGN §6b): plan (chunks in MinIO), score the chunks
 * with at most `concurrency` activities at once, then finish (counts, rejects, manifest). Past
 * `maxChunksPerWorkflow` chunks, ranges of chunks go to child workflows one after another, so no
 * history grows with the input. Re-run under the same id, it reuses the plan and every chunk
 * already scored.
 */
export async function batchScoreWorkflow(received: BatchScoreInput): Promise<BatchScoreResult> {
  // Schedules and histories of earlier code name the model `model`.
  const input = inputWithModelName(received);
  const runId = workflowInfo().workflowId;
  upsertSearchAttributes({ ModelName: [input.modelName] });
  const started = Date.now();
  const progress = new Progress();
  setHandler(batchProgressQuery, () => progress.snapshot());

  const plan = await planning.planBatch({ ...input, runId });
  const planSeconds = (Date.now() - started) / 1000;
  progress.begin(plan.chunks, plan.rows);
  const concurrency = Math.max(1, input.concurrency ?? BATCH_DEFAULTS.concurrency);
  const bound = Math.max(1, input.maxChunksPerWorkflow ?? BATCH_DEFAULTS.maxChunksPerWorkflow);
  if (plan.chunks <= bound) {
    await slidingWindow(plan.chunks, concurrency, async (index) => progress.add(await batch.scoreChunk({ plan: plan.plan, index })));
  } else {
    const ranges = Math.ceil(plan.chunks / bound);
    for (let range = 0; range < ranges; range += 1) {
      const from = range * bound;
      const to = Math.min(plan.chunks, from + bound);
      const totals = await executeChild(batchScoreRangeWorkflow, { workflowId: `${runId}.chunks-${from}-${to - 1}`, args: [{ plan: plan.plan, modelName: input.modelName, from, to, concurrency }] });
      progress.addTotals(totals);
    }
  }

  progress.phase = 'finishing';
  const result = await batch.finishBatch({ plan: plan.plan, maxRejectShare: input.maxRejectShare ?? BATCH_DEFAULTS.maxRejectShare, seconds: (Date.now() - started) / 1000, planSeconds });
  progress.phase = 'done';
  return { ...result, reusedChunks: progress.reused };
}

/** A child of {@link batchScoreWorkflow}: scores chunks `from` to `to - 1` of its plan and returns their counts. */
export async function batchScoreRangeWorkflow(input: ScoreRangeInput): Promise<ChunkTotals> {
  const { plan, modelName, from, to, concurrency } = inputWithModelName(input);
  upsertSearchAttributes({ ModelName: [modelName] });
  const progress = new Progress();
  setHandler(batchProgressQuery, () => progress.snapshot());
  progress.begin(to - from, 0);
  await slidingWindow(to - from, concurrency, async (offset) => progress.add(await batch.scoreChunk({ plan, index: from + offset })));
  return progress.totals();
}

/** Runs `task(0)` … `task(count - 1)` with at most `concurrency` running at once, each lane taking the next index as it frees. */
async function slidingWindow(count: number, concurrency: number, task: (index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < count) await task(next++);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, lane));
}

/** What the batchProgress query answers, kept as chunks finish. */
class Progress {
  phase: BatchProgress['phase'] = 'planning';
  reused = 0;
  private chunksDone = 0;
  private chunksTotal = 0;
  private rowsDone = 0;
  private rowsTotal = 0;
  private scored = 0;
  private rejected = 0;
  private since = 0;

  begin(chunks: number, rows: number): void {
    this.phase = 'scoring';
    this.chunksTotal = chunks;
    this.rowsTotal = rows;
    this.since = Date.now();
  }

  add(chunk: ChunkResult): void {
    this.addTotals({ chunks: 1, rows: chunk.rows, scored: chunk.scored, rejected: chunk.rejected, reused: chunk.reused ? 1 : 0 });
  }

  addTotals(totals: ChunkTotals): void {
    this.chunksDone += totals.chunks;
    this.rowsDone += totals.rows;
    this.scored += totals.scored;
    this.rejected += totals.rejected;
    this.reused += totals.reused;
  }

  totals(): ChunkTotals {
    return { chunks: this.chunksDone, rows: this.rowsDone, scored: this.scored, rejected: this.rejected, reused: this.reused };
  }

  snapshot(): BatchProgress {
    const seconds = this.since > 0 ? (Date.now() - this.since) / 1000 : 0;
    return {
      phase: this.phase,
      chunksDone: this.chunksDone,
      chunksTotal: this.chunksTotal,
      rowsDone: this.rowsDone,
      rowsTotal: this.rowsTotal || this.rowsDone,
      rejected: this.rejected,
      rowsPerSecond: seconds > 0 ? this.rowsDone / seconds : 0,
    };
  }
}
