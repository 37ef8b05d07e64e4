import { describe, expect, inject, it } from 'vitest';
import { BUCKETS } from '../../contracts/stack.js';
import { freePort } from '../../stack/ports.js';
import { driftCheckWorkflow, stackCheckWorkflow } from '../../workflows/index.js';
import { connectForFile, uniqueId } from '../../harness/temporal.js';
import { startWorkerProcess } from '../../harness/worker-process.js';

const stack = inject('stack');
const temporal = connectForFile(stack);

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** The samples of a Prometheus text exposition (label values here hold no quotes or commas). */
function samples(text: string): Sample[] {
  return text
    .split('\n')
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
      if (!match) throw new Error(`not a Prometheus sample line: ${line}`);
      const labels = Object.fromEntries([...(match[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="([^"]*)"/g)].map((m) => [m[1]!, m[2]!]));
      return { name: match[1]!, labels, value: Number(match[3]) };
    });
}

type LogLine = Record<string, unknown> & { msg: string; level: number };

/** Waits (up to 20 s) for a log line that `matches`: forwarded log entries reach stdout in batches. */
async function logLine(stdout: () => string, matches: (line: LogLine) => boolean): Promise<LogLine> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const found = parseLines(stdout()).find(matches);
    if (found) return found;
    if (Date.now() > deadline) throw new Error(`no such log line in:\n${stdout()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function parseLines(stdout: string): LogLine[] {
  return stdout
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as LogLine);
}

describe('a worker process with CTRAIN_WORKER_METRICS_PORT set', () => {
  it('serves Temporal and ctrain metrics on /metrics and logs each step as JSON with its workflow and run ids', async () => {
    const port = await freePort();
    const taskQueue = uniqueId('telemetry');
    const worker = await startWorkerProcess(stack, ['--role', 'general', '--task-queue', taskQueue], { CTRAIN_WORKER_METRICS_PORT: String(port), CTRAIN_LOG_LEVEL: 'info' });
    try {
      const text = `telemetry ${taskQueue}`;
      const handle = await temporal.current.client.workflow.start(stackCheckWorkflow, { taskQueue, workflowId: taskQueue, args: [{ bucket: BUCKETS.artifacts, key: `tests/${taskQueue}.txt`, text }] });
      expect((await handle.result()).readBack).toBe(text);
      // A drift check for a model with nothing in production: a real checkDrift step with a model and a verdict.
      const modelName = uniqueId('drift');
      const drift = await temporal.current.client.workflow.execute(driftCheckWorkflow, { taskQueue, workflowId: uniqueId('drift-check'), args: [{ modelName }] });
      expect(drift.verdict).toBe('no-model');

      // Logs: every stdout line is a JSON object; the step's line carries the run's ids.
      const step = await logLine(worker.stdout, (line) => line.activityType === 'writeAndReadBack' && line.outcome === 'completed');
      expect(step).toMatchObject({ workflowId: taskQueue, runId: handle.firstExecutionRunId, workflowRunId: handle.firstExecutionRunId, workflowType: 'stackCheckWorkflow', taskQueue, step: 'writeAndReadBack', sdkComponent: 'activity', service: 'ctrain-worker', level: 30 });
      expect(step.msg).toMatch(/^writeAndReadBack completed in \d+\.\d{3} s$/);
      expect(step).not.toHaveProperty('taskToken');
      const ready = parseLines(worker.stdout()).find((line) => line.msg.includes('ready on'));
      expect(ready).toMatchObject({ role: 'general', taskQueues: [taskQueue], metricsAddress: `127.0.0.1:${port}` });

      // Metrics: Core's worker and request metrics for this task queue, and ctrain's step counter.
      const reply = await fetch(`http://127.0.0.1:${port}/metrics`);
      expect(reply.status).toBe(200);
      const scraped = samples(await reply.text());
      const names = new Set(scraped.map((sample) => sample.name));
      for (const name of ['temporal_worker_task_slots_available', 'temporal_request', 'temporal_activity_execution_latency_count', 'temporal_workflow_completed', 'ctrain_step_duration_seconds_count']) expect(names, name).toContain(name);
      const slots = scraped.filter((s) => s.name === 'temporal_worker_task_slots_available' && s.labels.task_queue === taskQueue);
      expect(slots.map((s) => s.labels.worker_type).sort()).toEqual(expect.arrayContaining(['ActivityWorker', 'WorkflowWorker']));
      const completed = scraped.find((s) => s.name === 'temporal_workflow_completed' && s.labels.task_queue === taskQueue && s.labels.workflow_type === 'stackCheckWorkflow');
      expect(completed?.value).toBe(1);
      const steps = scraped.filter((s) => s.name === 'ctrain_steps_total' && s.labels.task_queue === taskQueue).map((s): Record<string, unknown> => ({ ...s.labels, value: s.value }));
      expect(steps.sort((a, b) => String(a.step).localeCompare(String(b.step)))).toEqual([
        { step: 'checkDrift', model: modelName, outcome: 'completed', task_queue: taskQueue, value: 1 },
        { step: 'writeAndReadBack', model: '', outcome: 'completed', task_queue: taskQueue, value: 1 },
      ]);
      expect(scraped.filter((s) => s.labels.model === modelName && s.name.startsWith('ctrain_drift_')).sort((a, b) => a.name.localeCompare(b.name))).toEqual([
        { name: 'ctrain_drift_checks_total', labels: { model: modelName, verdict: 'no-model', performance: 'none' }, value: 1 },
        { name: 'ctrain_drift_drifted_features', labels: { model: modelName }, value: 0 },
        { name: 'ctrain_drift_last_check_timestamp_seconds', labels: { model: modelName }, value: Date.parse(drift.until) / 1000 },
      ]);
    } finally {
      worker.process.kill('SIGTERM');
      await worker.process;
    }
  });
});
