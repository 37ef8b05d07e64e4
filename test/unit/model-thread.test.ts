import { beforeAll, describe, expect, it } from 'vitest';
import type * as tf from '@tensorflow/tfjs';
import { importNetwork } from '../../model/artifact.js';
import { selectBackend } from '../../model/backend.js';
import type { Checkpoint } from '../../model/checkpoint.js';
import { deserializeCheckpoint, serializeCheckpoint } from '../../model/checkpoint.js';
import { binaryMetrics } from '../../model/metrics.js';
import { predict } from '../../model/predict.js';
import { trainNetwork } from '../../model/train.js';
import { trainInThread } from '../../model/train-in-thread.js';
import type { TrainData, TrainSpec } from '../../model/types.js';
import { nativeTensorflowExpected } from '../support/native-backend.js';
import { synthetic } from '../support/synthetic-data.js';

const data: TrainData = { train: synthetic(1500, 8, 1), validation: synthetic(300, 8, 2) };
const spec: TrainSpec = {
  task: 'binary',
  network: { kind: 'mlp', hidden: [16, 8], dropout: 0.1 },
  epochs: 6,
  batchSize: 64,
  learningRate: 0.01,
  earlyStopPatience: 10,
  seed: 11,
};

const flatWeights = (layersModel: tf.LayersModel): number[] => layersModel.getWeights().flatMap((w) => [...w.dataSync()]);

beforeAll(async () => {
  await selectBackend();
});

describe('trainInThread', () => {
  it('reports every epoch with a checkpoint, awaits onEpoch, and returns a usable model', async () => {
    const seen: number[] = [];
    let inFlight = 0;
    let overlapped = false;
    const result = await trainInThread({
      data,
      spec: { ...spec, epochs: 4 },
      onEpoch: async ({ epoch, checkpoint }) => {
        overlapped ||= inFlight > 0;
        inFlight++;
        await new Promise((resolve) => setImmediate(resolve));
        seen.push(epoch);
        expect(checkpoint.epoch).toBe(epoch);
        inFlight--;
      },
    });
    expect(seen).toEqual([1, 2, 3, 4]);
    expect(overlapped).toBe(false);
    expect(result.epochs).toBe(4);
    // Chosen by measured step time among the CPU backends set-up provides.
    expect(result.backend.measured.map((timing) => timing.name)).toEqual(nativeTensorflowExpected() ? ['tensorflow', 'wasm'] : ['wasm']);
    expect(['tensorflow', 'wasm']).toContain(result.backend.name);
    const layersModel = await importNetwork(result.networkBytes);
    const test = synthetic(500, 8, 3);
    expect(binaryMetrics(test.labels, predict(layersModel, test.features, test.rows, test.width)).auc).toBeGreaterThan(0.9);
    layersModel.dispose();
  });

  it('resumes in a fresh thread from a serialised checkpoint, on the backend the run chose, to the weights of an unbroken run', async () => {
    // Both runs on wasm, which the resumed one (free to choose) must keep.
    const straight = await trainNetwork({ data, spec, backends: ['wasm'] });
    let third: Checkpoint | undefined;
    const partial = await trainNetwork({ data, spec: { ...spec, epochs: 3 }, backends: ['wasm'], onEpoch: ({ checkpoint }) => void (third = checkpoint) });
    partial.layersModel.dispose();
    const epochs: number[] = [];
    const resumed = await trainInThread({
      data,
      spec,
      resumeFrom: deserializeCheckpoint(serializeCheckpoint(third as Checkpoint)),
      onEpoch: ({ epoch }) => void epochs.push(epoch),
    });
    expect(epochs).toEqual([4, 5, 6]);
    expect(resumed.backend).toMatchObject({ name: 'wasm', measured: [{ name: 'wasm' }] });
    expect(resumed.backend.detail).toContain('the backend the run chose before it was resumed');
    expect(resumed.history).toEqual(expect.arrayContaining(straight.history.slice(0, 3)));
    const layersModel = await importNetwork(resumed.networkBytes);
    const a = flatWeights(straight.layersModel);
    const b = flatWeights(layersModel);
    // Adam's bias-correction power is recomputed on restore (beta^t vs a running product): measured 1.2e-7.
    expect(Math.max(...a.map((v, i) => Math.abs(v - (b[i] ?? Number.NaN))))).toBeLessThan(1e-6);
    [straight.layersModel, layersModel].forEach((m) => m.dispose());
  });

  it('stops the thread when the signal aborts', async () => {
    const controller = new AbortController();
    const seen: number[] = [];
    const run = trainInThread({
      data,
      spec: { ...spec, epochs: 200 },
      signal: controller.signal,
      onEpoch: ({ epoch }) => {
        seen.push(epoch);
        if (epoch === 2) controller.abort();
      },
    });
    await expect(run).rejects.toMatchObject({ name: 'AbortError' });
    expect(seen).toEqual([1, 2]);
  });

  it('does not start when the signal is already aborted', async () => {
    await expect(trainInThread({ data, spec, signal: AbortSignal.abort(new Error('cancelled by the workflow')) })).rejects.toThrow(
      'cancelled by the workflow',
    );
  });

  it('rejects with the error onEpoch threw, ending the thread', async () => {
    const run = trainInThread({
      data,
      spec,
      onEpoch: () => {
        throw new Error('checkpoint upload failed');
      },
    });
    await expect(run).rejects.toThrow('checkpoint upload failed');
  });

  it('passes the thread’s named errors through', async () => {
    await expect(trainInThread({ data, spec: { ...spec, learningRate: -1 } })).rejects.toMatchObject({
      name: 'InvalidTrainSpecError',
      message: expect.stringContaining('learningRate') as unknown,
    });
  });
});
