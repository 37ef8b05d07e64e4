import * as tf from '@tensorflow/tfjs';
import type { BackendChoice, BackendName, SkippedBackend } from './backend.js';
import { attemptBackend, BACKEND_NAMES, backendOrder, tfNameOf, trySelect } from './backend.js';
import { BackendUnavailableError } from './errors.js';
import { oneLine } from './webgpu.js';

/** Set to 0 to train on the first usable backend of the order, unmeasured. */
export const BACKEND_TRIAL_ENV = 'CTRAIN_TF_BACKEND_TRIAL';

/**
 * Another backend replaces the order's pick only when its measured step is at least this much
 * faster, so that timing noise between two close backends does not flip the choice from run to run.
 */
export const TRIAL_MARGIN = 1.2;

/** One backend's measured training step for the model at hand. */
export interface StepTiming {
  name: BackendName;
  msPerStep: number;
}

/** A backend choice that rests on measured step times (empty when the choice was forced or the trial is off). */
export interface MeasuredChoice extends BackendChoice {
  measured: StepTiming[];
}

/**
 * Times training steps of the model at hand on the backend tfjs has active; milliseconds a step.
 * It may stop early with a larger figure once a step takes more than `giveUpAboveMs`.
 */
export type StepTrial = (name: BackendName, giveUpAboveMs: number) => Promise<number>;

/** A backend whose second step takes this many times the best measured step so far cannot win; infinite until one is measured. */
const GIVE_UP_FACTOR = 4;

/**
 * Picks the backend to train on by measuring the model at hand: a small tabular MLP can train
 * faster on the CPU than on a GPU, or on wasm than on native TensorFlow (whose kernel calls cost
 * more each), so the order alone does not decide. Every usable backend of the order is tried
 * (the pure-JS one only when no other works: a step of a large model takes it minutes); the
 * order's pick is kept unless another is {@link TRIAL_MARGIN}× faster. A resumed run keeps the
 * backend it chose before (`resumedOn`, from its checkpoint) where that one still works.
 * CTRAIN_TF_BACKEND forces one, unmeasured; CTRAIN_TF_BACKEND_TRIAL=0 keeps the order's pick, unmeasured.
 */
export async function selectBackendByTrial(
  trial: StepTrial,
  preference?: readonly BackendName[],
  env: NodeJS.ProcessEnv = process.env,
  resumedOn?: { name: string; measured: { name: string; msPerStep: number }[] },
): Promise<MeasuredChoice> {
  const { order, forced } = backendOrder(env, preference);
  if (forced || env[BACKEND_TRIAL_ENV] === '0') return { ...(await trySelect(order, forced)), measured: [] };
  const kept = resumedOn && order.find((name) => name === resumedOn.name);
  if (kept) {
    const attempt = await attemptBackend(kept);
    if (attempt.ok) {
      const measured = resumedOn.measured.filter((timing): timing is StepTiming => (BACKEND_NAMES as readonly string[]).includes(timing.name));
      return { name: kept, detail: `${attempt.detail} (the backend the run chose before it was resumed, kept so that it goes on as it would have unbroken)`, skipped: [], measured };
    }
  }

  const skipped: SkippedBackend[] = [];
  const measured: (StepTiming & { detail: string })[] = [];
  for (const name of order) {
    if (name === 'cpu' && measured.length > 0) continue;
    const attempt = await attemptBackend(name);
    if (!attempt.ok) {
      skipped.push({ name, reason: attempt.reason });
      continue;
    }
    try {
      const best = Math.min(...measured.map((timing) => timing.msPerStep));
      measured.push({ name, msPerStep: await trial(name, GIVE_UP_FACTOR * best), detail: attempt.detail });
    } catch (error) {
      skipped.push({ name, reason: `its trial step failed: ${oneLine(error)}` });
    }
  }
  const pick = measured[0];
  if (!pick) throw new BackendUnavailableError(`No TensorFlow.js backend could train this model: ${skipped.map(({ name, reason }) => `${name}: ${reason}`).join('; ')}`);
  const fastest = measured.reduce((best, timing) => (timing.msPerStep < best.msPerStep ? timing : best));
  const chosen = fastest.msPerStep * TRIAL_MARGIN <= pick.msPerStep ? fastest : pick;
  if (!(await tf.setBackend(tfNameOf(chosen.name)))) throw new BackendUnavailableError(`Backend ${chosen.name} trained a trial step but could not be activated again`);

  const timings = measured.map(({ name, msPerStep }) => `${name} ${formatMs(msPerStep)}`).join(', ');
  const why = measured.length === 1 ? `the only backend measured: ${timings} a step` : `measured for this model, ms a step: ${timings}${chosen === pick ? '' : `; ${pick.name} was first in the order`}`;
  const reasons = skipped.map(({ name, reason }) => `${name} skipped: ${reason}`);
  return {
    name: chosen.name,
    detail: `${chosen.detail} (${[why, ...reasons].join('; ')})`,
    skipped,
    measured: measured.map(({ name, msPerStep }) => ({ name, msPerStep })),
  };
}

function formatMs(ms: number): string {
  return ms >= 100 ? ms.toFixed(0) : ms.toPrecision(2);
}
