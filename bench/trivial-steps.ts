import { DAG_STEPS } from '../contracts/pipeline-run.js';

/** The DAG's seven steps with no work in them: what is left of a run is the orchestration. */
export const TRIVIAL_STEPS = DAG_STEPS;

export type TrivialStep = (typeof TRIVIAL_STEPS)[number];

/** Each step hands a small manifest to the next, as the real steps do. */
export interface StepManifest {
  step: string;
  previous: string | null;
  run: string;
}

const step = (name: TrivialStep) => (run: string, previous: StepManifest | null): Promise<StepManifest> => Promise.resolve({ step: name, previous: previous?.step ?? null, run });

export const trivialActivities = Object.fromEntries(TRIVIAL_STEPS.map((name) => [name, step(name)])) as Record<TrivialStep, (run: string, previous: StepManifest | null) => Promise<StepManifest>>;

/** The same seven calls in a plain loop, no Temporal: the baseline. */
export async function trivialDagDirect(run: string): Promise<StepManifest | null> {
  let previous: StepManifest | null = null;
  for (const name of TRIVIAL_STEPS) previous = await trivialActivities[name](run, previous);
  return previous;
}
