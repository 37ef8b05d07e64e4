import type { Worker } from '@temporalio/worker';
import { datasetRemote, Dvc } from '../infra/dvc.js';
import { createGeneralWorker } from '../workers/general.js';
import { createTrainerWorker } from '../workers/trainer.js';
import type { connectTemporal } from './temporal.js';
import { uniqueId } from './temporal.js';
import type { TestStack } from './test-stack.js';
import { ObjectStore } from '../storage/gateway.js';

export interface RunningWorkers {
  taskQueue: string;
  trainTaskQueue: string;
  general: Worker;
  trainer: Worker;
  /** Stops only the in-process trainer, so a test can serve the trainer queue from other processes. */
  stopTrainer: () => Promise<void>;
  stop: () => Promise<void>;
}

/** A general and a trainer worker on unique task queues, against the harness's real services. */
export async function startWorkers(stack: TestStack, temporal: Awaited<ReturnType<typeof connectTemporal>>): Promise<RunningWorkers> {
  const taskQueue = uniqueId('general');
  const deps = { storage: new ObjectStore(stack.minio), dvc: new Dvc(stack.tools.dvc, datasetRemote(stack.minio)), temporal: { client: temporal.client, taskQueue } };
  const trainTaskQueue = uniqueId('train');
  const general = await createGeneralWorker({ connection: temporal.workerConnection, namespace: stack.namespace, deps, taskQueue });
  const trainer = await createTrainerWorker({ connection: temporal.workerConnection, namespace: stack.namespace, deps, taskQueue: trainTaskQueue });
  const generalRun = general.run();
  const trainerRun = trainer.run();
  const stopTrainer = async (): Promise<void> => {
    if (trainer.getState() === 'RUNNING') trainer.shutdown();
    await trainerRun;
  };
  return {
    taskQueue,
    trainTaskQueue,
    general,
    trainer,
    stopTrainer,
    stop: async () => {
      await stopTrainer();
      general.shutdown();
      await generalRun;
    },
  };
}
