import * as tf from '@tensorflow/tfjs';
import { expect } from 'vitest';
import { NATIVE_TENSORFLOW_ENV } from '../../stack/native-tensorflow.js';

/**
 * Whether `npm test`'s set-up should have built TensorFlow's native backend here: on linux x64
 * unless CTRAIN_NATIVE_TENSORFLOW=0. Tests that expect it then fail when the set-up did not.
 */
export function nativeTensorflowExpected(env: NodeJS.ProcessEnv = process.env): boolean {
  return process.platform === 'linux' && process.arch === 'x64' && env[NATIVE_TENSORFLOW_ENV] !== '0';
}

/** The backend training picks on a machine without a GPU. */
export function expectedCpuBackend(): 'tensorflow' | 'wasm' {
  return nativeTensorflowExpected() ? 'tensorflow' : 'wasm';
}

/**
 * Scores of the same rows by the same weights: bit for bit on wasm and cpu. TensorFlow's native
 * matMul blocks its sums by the batch's row count, so there a row's score may move in its last
 * bits with the batch around it: within 1e-6 of the score's size.
 */
export function expectSameScores(actual: ArrayLike<number>, expected: ArrayLike<number>): void {
  const got = Array.from(actual);
  const want = Array.from(expected);
  if (tf.getBackend() !== 'tensorflow') {
    expect(got).toEqual(want);
    return;
  }
  expect(got).toHaveLength(want.length);
  const worst = Math.max(0, ...got.map((value, i) => Math.abs(value - want[i]!) / Math.max(1, Math.abs(want[i]!))));
  expect(worst).toBeLessThan(1e-6);
}
