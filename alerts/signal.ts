/** Turns planned signals into retrain signals, starting each model workflow that is not running (signal-with-start). */
import type { Client } from '@temporalio/client';
import type { RetrainRequest } from '../contracts/model.js';
import { checkName } from '../contracts/names.js';
import { retrainSignal } from '../contracts/model.js';
import type { modelWorkflow } from '../workflows/model.js';
import type { PlannedSignal } from './plan.js';

export interface SignalTarget {
  client: Client;
  /** Task queue of the general workers, which run the model workflow. */
  taskQueue: string;
  /** Trainer task queue handed to a model workflow this starts; default: the spec's. */
  trainTaskQueue?: string;
}

export type SignalResult = { signal: PlannedSignal; seconds: number } & ({ ok: true } | { ok: false; error: string });

/** Sends every signal at once; one failing does not stop the others. */
export async function sendSignals(target: SignalTarget, signals: readonly PlannedSignal[], requestedAt: string): Promise<SignalResult[]> {
  return Promise.all(
    signals.map(async (signal): Promise<SignalResult> => {
      const started = performance.now();
      const seconds = (): number => (performance.now() - started) / 1000;
      try {
        await signalRetrain(target, signal, { reason: signal.reason, source: 'alert', evidence: signal.evidence, requestedAt });
        return { signal, seconds: seconds(), ok: true };
      } catch (error) {
        return { signal, seconds: seconds(), ok: false, error: error instanceof Error ? error.message : String(error) };
      }
    }),
  );
}

async function signalRetrain({ client, taskQueue, trainTaskQueue }: SignalTarget, { modelName, workflowId }: PlannedSignal, request: RetrainRequest): Promise<void> {
  // The name becomes a workflow id and, through the model workflow, registry keys.
  checkName(modelName);
  await client.workflow.signalWithStart<typeof modelWorkflow, [RetrainRequest]>('modelWorkflow', {
    workflowId,
    taskQueue,
    args: [{ modelName, trainTaskQueue }],
    signal: retrainSignal,
    signalArgs: [request],
    searchAttributes: { ModelName: [modelName] },
  });
}
