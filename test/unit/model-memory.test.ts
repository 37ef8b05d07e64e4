import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../../model/backend.js';
import type { Checkpoint } from '../../model/checkpoint.js';
import { predict } from '../../model/predict.js';
import { trainNetwork } from '../../model/train.js';
import type { TrainData, TrainSpec } from '../../model/types.js';
import { synthetic } from '../support/synthetic-data.js';

const data: TrainData = { train: synthetic(600, 8, 21), validation: synthetic(200, 8, 22) };
const held = synthetic(300, 8, 23);
const spec: TrainSpec = {
  task: 'binary',
  network: { kind: 'mlp', hidden: [16, 8], dropout: 0.1 },
  epochs: 3,
  batchSize: 64,
  learningRate: 0.01,
  earlyStopPatience: 2,
  seed: 5,
};

describe('training memory', () => {
  it('frees every tensor a run made: tf.memory() is the same before and after each of 10 runs in one process', async () => {
    await selectBackend(['wasm']);
    let first: Checkpoint | undefined;
    const warm = await trainNetwork({ data, spec: { ...spec, epochs: 1 }, backends: ['wasm'], onEpoch: ({ checkpoint }) => void (first = checkpoint) });
    warm.layersModel.dispose();
    const snapshots: { tensors: number; bytes: number }[] = [];
    const snapshot = (): void => {
      const { numTensors, numBytes } = tf.memory();
      snapshots.push({ tensors: numTensors, bytes: numBytes });
    };
    for (let run = 0; run < 10; run++) {
      snapshot();
      let checkpoints = 0;
      let during = 0;
      // Every other run resumes from a checkpoint, as a retried train activity does.
      const resumeFrom = run % 2 === 1 ? first : undefined;
      const result = await trainNetwork({ data, spec, resumeFrom, backends: ['wasm'], onEpoch: () => {
          checkpoints++;
          during = Math.max(during, tf.memory().numTensors);
        },
      });
      // The model is the caller's until it disposes it; a serving-style predict must not hold tensors either.
      expect(predict(result.layersModel, held.features, held.rows, held.width)).toHaveLength(held.rows);
      expect(checkpoints).toBe(result.epochs - (resumeFrom ? 1 : 0));
      // The count does see a run's tensors (model, optimizer, data) while it lives.
      expect(during).toBeGreaterThan(snapshots.at(-1)?.tensors ?? Number.POSITIVE_INFINITY);
      result.layersModel.dispose();
      snapshot();
    }
    expect(snapshots).toHaveLength(20);
    expect(snapshots).toEqual(Array.from({ length: 20 }, () => snapshots[0]));
    expect(tf.getBackend()).toBe('wasm');
  });
});
