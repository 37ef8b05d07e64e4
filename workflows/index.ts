export { batchScoreRangeWorkflow, batchScoreWorkflow } from './batch-score.js';
export { driftCheckWorkflow, scheduledRetrainWorkflow } from './drift-check.js';
export { modelWorkflow } from './model.js';
export { stackCheckWorkflow } from './stack-check.js';
export { trainingPipelineWorkflow } from './training-pipeline.js';
