import { ApplicationFailure } from '@temporalio/common';
import type { CacheOptions, EvaluateManifest, FeatureManifest, ModelRef, TrainManifest } from '../contracts/pipeline-run.js';
import type { PipelineSpec } from '../contracts/pipeline-spec.js';
import { buildDriftReference } from '../drift/reference.js';
import { featureWidth, readFeatureTransform } from '../features/transform.js';
import { artifactKeys, cacheKey, getBuffer, getJson, putJson, uriOf } from '../infra/artifacts.js';
import { binaryMetrics, decideBlessing, importModel, predict, regressionMetrics, selectBackend } from '../model/index.js';
import type { Row } from '../tabular/index.js';
import { toMatrix } from './feature.js';
import type { ActivityDependencies } from './index.js';
import { loadSplit } from './matrices.js';
import { completeStep, reuseCached } from './step-cache.js';

/** Bump when the same model and split could get different metrics or a different blessing. */
const EVALUATE_CODE_VERSION = 'evaluate-2';

export interface EvaluateInput {
  spec: PipelineSpec;
  feature: FeatureManifest;
  train: TrainManifest;
  production?: ModelRef;
  cache?: CacheOptions;
}

/**
 * Metrics of the candidate on the test split, the same metrics for the production model on
 * the same rows (through its own transform), and the blessing decision.
 */
export function createEvaluateActivities({ storage }: ActivityDependencies) {
  return {
    async evaluate({ spec, feature, train, production: current, cache }: EvaluateInput): Promise<EvaluateManifest> {
      // A candidate that is the production model itself (an unchanged re-run) has nothing to be compared with.
      const production = current?.model.key === train.model.key ? undefined : current;
      const config = { evaluation: spec.evaluation, task: spec.label.kind };
      const key = cacheKey('evaluate', EVALUATE_CODE_VERSION, config, { model: train.contentHash, features: feature.contentHash, production: production?.model.key ?? 'none' });
      const cached = await reuseCached<EvaluateManifest>(storage, 'evaluate', key, cache);
      if (cached) return cached;

      await selectBackend();
      const test = await loadSplit(storage, feature, 'test');
      if (test.rows === 0) throw ApplicationFailure.nonRetryable(`The test split of ${spec.name} is empty; lower split.test or add data.`, 'DataValidationError');
      const candidate = await scoreModel(storage, train.model, test.features, test.rows, test.width);
      const metrics = metricsOf(spec, test.labels, candidate);
      const testRows = await readTestRows(storage, feature);
      const driftReference = artifactKeys.stepOutput('evaluate', key, 'drift-reference.json');
      const { numeric, categorical } = spec.features;
      await putJson(storage, driftReference, buildDriftReference({ rows: testRows, numeric, categorical, scores: Array.from(candidate) }));

      const productionMetrics = production ? await productionMetricsOn(storage, spec, feature, production) : undefined;
      const { metric, threshold, maxRegression } = spec.evaluation;
      const blessing = decideBlessing({ metric, candidate: metrics[metric] ?? Number.NaN, production: productionMetrics?.[metric], threshold, maxRegression });
      const evaluation = artifactKeys.stepOutput('evaluate', key, 'evaluation.json');
      await putJson(storage, evaluation, { metric, metrics, productionMetrics, productionVersion: production?.version, ...blessing });
      return completeStep(storage, {
        step: 'evaluate',
        cacheKey: key,
        cached: false,
        contentHash: key,
        finishedAt: new Date().toISOString(),
        metrics,
        productionMetrics,
        productionVersion: production?.version,
        blessed: blessing.blessed,
        reason: blessing.reason,
        evaluation,
        driftReference,
      });
    },
  };
}

/** The production model's metrics on the same raw test rows, through its own transform. */
async function productionMetricsOn(storage: ActivityDependencies['storage'], spec: PipelineSpec, feature: FeatureManifest, production: ModelRef): Promise<Record<string, number>> {
  const rows = await readTestRows(storage, feature);
  try {
    const transform = readFeatureTransform(await getJson(storage, production.transform));
    const width = featureWidth(transform);
    const matrix = toMatrix(transform, rows, width);
    return metricsOf(spec, matrix.labels, await scoreModel(storage, production.model, matrix.features, rows.length, width));
  } catch (error) {
    if ((error as { code?: string }).code !== 'NoSuchKey') throw error;
    // Retrying cannot bring a deleted artifact back; a person restores it or rolls back, then resumes the run.
    throw ApplicationFailure.nonRetryable(
      `Production model v${production.version} of ${spec.name} cannot be read (${uriOf(production.model)} or ${uriOf(production.transform)} is missing). Restore it or roll back, then resume this run.`,
      'ProductionModelMissing',
    );
  }
}

async function readTestRows(storage: ActivityDependencies['storage'], feature: FeatureManifest): Promise<Row[]> {
  return (await getBuffer(storage, feature.testRows)).toString('utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line) as Row);
}

async function scoreModel(storage: ActivityDependencies['storage'], ref: { bucket: string; key: string }, features: Float32Array, rows: number, width: number): Promise<Float32Array> {
  const model = await importModel(await getBuffer(storage, ref));
  try {
    return predict(model, features, rows, width);
  } finally {
    model.dispose();
  }
}

/** The spec's task's metrics as plain numbers (calibration's table stays in the evaluation object). */
function metricsOf(spec: PipelineSpec, labels: Float32Array, scores: Float32Array): Record<string, number> {
  if (spec.label.kind === 'regression') {
    const { rmse, mae, r2, rows } = regressionMetrics(labels, scores);
    return { rmse, mae, r2, rows };
  }
  const { auc, accuracy, precision, recall, f1, logLoss, calibration, rows, positives } = binaryMetrics(labels, scores);
  return { auc, accuracy, precision, recall, f1, logLoss, expectedCalibrationError: calibration.ece, rows, positives };
}
