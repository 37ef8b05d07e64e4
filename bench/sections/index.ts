import type { BenchSection } from '../contract.js';
import { alerts } from './alerts.js';
import { batchScore } from './batch-score.js';
import { cli } from './cli.js';
import { dataSteps } from './data-steps.js';
import { orchestration } from './orchestration.js';
import { scale } from './scale.js';
import { serving } from './serving.js';
import { training } from './training.js';

/** In the order they run and appear in the table. */
export const SECTIONS: readonly BenchSection[] = [orchestration, dataSteps, training, alerts, serving, batchScore, scale, cli];
