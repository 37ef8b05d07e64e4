import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { FAILURE_TYPES } from '../contracts/failure-types.js';
import { isHigherBetter } from '../contracts/metric-direction.js';
import type { CacheOptions, EvaluateManifest, FeatureManifest, ModelRef, TrainManifest } from '../contracts/pipeline-run.js';
import type { PipelineSpec } from '../contracts/pipeline-spec.js';
import { buildDriftReference } from '../drift/reference.js';
import { outcomeReference } from '../drift/outcome.js';
import type { DriftReference } from '../drift/reference.js';
import { driftColumns, driftReferenceOfTable } from '../drift/engine-drift.js';
import { sqlString, STEP_ENGINE, withEngine } from '../tabular/engine.js';
import { cacheKey } from '../infra/artifacts.js';
import { featureGroups, featureWidth, readFeatureTransform } from '../features/feature-transform.js';
import { fourDecimals } from '../format/numbers.js';
import type * as tf from '@tensorflow/tfjs';
import { binaryMetrics, decideBlessing, gateOnBaseline, importNetwork, predict, regressionMetrics, selectBackend, trivialBaseline } from '../model/index.js';
import type { Blessing } from '../model/index.js';
import { evaluationCurves } from '../model/curves.js';
import type { Curves } from '../model/curves.js';
import type { EvaluationRecord } from '../model/evaluation-record.js';
import { permutationImportance } from '../model/importance.js';
import type { FeatureImportance } from '../model/importance.js';
import { sliceMetrics, worstSliceRegression } from '../model/slices.js';
import type { SliceMetrics, SliceRegression } from '../model/slices.js';
import type { TableRow } from '../tabular/index.js';
import { toMatrix } from './feature.js';
import type { ActivityDependencies } from './dependencies.js';
import { loadLabels, loadSplit, testRowsOf } from './matrices.js';
import { completeStep, reuseCached, withScratch } from './step-cache.js';
import { stepKeys } from '../storage/layout.js';
import { uriOf } from '../contracts/pipeline-run.js';
import { isMissingObject } from '../storage/gateway.js';
import { manifestOfFormatTwo, modelRefOfFormatTwo } from '../contracts/format-renames.js';

/** Bump when the same model and split could get different metrics, blessing or drift reference. */
const EVALUATE_CODE_VERSION = 'evaluate-6';
/** Test rows permutation importance shuffles (the first of the split): enough to rank features, bounded in time. */
const IMPORTANCE_ROWS = 10_000;

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
    async evaluate(input: EvaluateInput): Promise<EvaluateManifest> {
      // Scheduled by earlier code before an upgrade, the network artifacts are called `model`.
      const { spec, feature, cache } = input;
      const train = manifestOfFormatTwo(input.train);
      const current = input.production && modelRefOfFormatTwo(input.production);
      // A candidate that is the production model itself (an unchanged re-run) has nothing to be compared with.
      const production = current?.modelArtifact.key === train.modelArtifact.key ? undefined : current;
      const config = { evaluation: spec.evaluation, task: spec.label.kind };
      const key = cacheKey('evaluate', EVALUATE_CODE_VERSION, config, { model: train.contentHash, features: feature.contentHash, production: production?.modelArtifact.key ?? 'none' });
      const cached = await reuseCached<EvaluateManifest>(storage, 'evaluate', key, cache);
      if (cached) return cached;

      await selectBackend();
      const test = await loadSplit(storage, feature, 'test');
      if (test.rows === 0) throw ApplicationFailure.nonRetryable(`The test split of ${spec.name} is empty; lower split.test or add data.`, FAILURE_TYPES.DataValidationError);
      const { metric, threshold, maxRegression, slices: sliceColumns = [], maxSliceRegression } = spec.evaluation;
      const higherIsBetter = isHigherBetter(metric);
      const transform = readFeatureTransform(await storage.getJson(feature.transform));
      const { candidate, importance } = await withModel(storage, train.modelArtifact, (layersModel) => {
        const scores = predict(layersModel, test.features, test.rows, test.width);
        const rows = Math.min(test.rows, IMPORTANCE_ROWS);
        const importance = permutationImportance({
          features: test.features.subarray(0, rows * test.width),
          rows,
          width: test.width,
          labels: test.labels.subarray(0, rows),
          groups: featureGroups(transform),
          score: (matrix) => predict(layersModel, matrix, rows, test.width),
          metric: (labels, scored) => metricsOf(spec, labels, scored)[metric] ?? Number.NaN,
          higherIsBetter,
          seed: spec.training?.seed ?? 1,
        });
        return { candidate: scores, importance };
      });
      const metrics = metricsOf(spec, test.labels, candidate);
      const trainingLabels = await loadLabels(storage, feature, 'train');
      const baseline = trivialBaseline(spec.label.kind, trainingLabels, test.labels, (labels, scores) => metricsOf(spec, labels, scores));
      const curves = evaluationCurves(spec.label.kind, test.labels, candidate);
      const testRowBytes = await storage.getBuffer(feature.testRows);
      const testRows = await testRowsOf(feature, testRowBytes);
      checkSliceColumns(spec, sliceColumns, testRows);
      const slices = sliceMetrics({ rows: testRows, labels: test.labels, scores: candidate, columns: sliceColumns, metricsOf: (labels, scores) => metricsOf(spec, labels, scores) });
      const driftReference = stepKeys.output('evaluate', key, 'drift-reference.json');
      // The test rows' outcomes beside their features: outcome drift compares live outcomes with them.
      const reference = { ...(await driftReferenceOfTestRows(spec, feature, testRowBytes, testRows, candidate)), outcome: outcomeReference(spec.label.kind, test.labels, candidate) };
      await storage.putJson(driftReference, reference);

      const productionRun = production ? await productionMetricsOn(storage, spec, testRows, production, sliceColumns) : undefined;
      const productionMetrics = productionRun?.metrics;
      const worstSlice = productionRun ? worstSliceRegression(slices, productionRun.slices, metric, higherIsBetter) : undefined;
      const decided = gateOnSlices(decideBlessing({ metric, candidate: metrics[metric] ?? Number.NaN, production: productionMetrics?.[metric], threshold, maxRegression }), metric, worstSlice, maxSliceRegression);
      const { gate = true, margin = 0 } = spec.evaluation.baseline ?? {};
      const blessing = gate ? gateOnBaseline(decided, { metric, candidate: metrics[metric] ?? Number.NaN, baseline, margin }) : decided;
      const evaluation = stepKeys.output('evaluate', key, 'evaluation.json');
      const record: EvaluationRecord = { metric, metrics, baseline, productionMetrics, productionVersion: production?.version, ...blessing, slices, productionSlices: productionRun?.slices, worstSlice, importance, curves, productionCurves: productionRun?.curves };
      await storage.putJson(evaluation, record);
      return completeStep(storage, {
        step: 'evaluate',
        cacheKey: key,
        cached: false,
        contentHash: key,
        finishedAt: new Date().toISOString(),
        metrics,
        productionMetrics,
        productionVersion: production?.version,
        baseline,
        blessed: blessing.blessed,
        reason: blessing.reason,
        evaluation,
        driftReference,
        ...(worstSlice ? { worstSlice } : {}),
        topFeatures: topFeatures(importance),
      });
    },
  };
}

/** The production model's metrics (overall and per slice) and curves on the same raw test rows, through its own transform. */
async function productionMetricsOn(storage: ActivityDependencies['storage'], spec: PipelineSpec, rows: readonly TableRow[], production: ModelRef, sliceColumns: readonly string[]): Promise<{ metrics: Record<string, number>; slices: SliceMetrics[]; curves: Curves }> {
  try {
    const transform = readFeatureTransform(await storage.getJson(production.transform));
    const width = featureWidth(transform);
    const matrix = toMatrix(transform, rows, width);
    const scores = await withModel(storage, production.modelArtifact, (layersModel) => predict(layersModel, matrix.features, rows.length, width));
    const metricsOfRows = (labels: Float32Array, scored: Float32Array) => metricsOf(spec, labels, scored);
    return {
      metrics: metricsOfRows(matrix.labels, scores),
      slices: sliceMetrics({ rows, labels: matrix.labels, scores, columns: sliceColumns, metricsOf: metricsOfRows }),
      curves: evaluationCurves(spec.label.kind, matrix.labels, scores),
    };
  } catch (error) {
    if (!isMissingObject(error)) throw error;
    // Retrying cannot bring a deleted artifact back; a person restores it or rolls back, then resumes the run.
    throw ApplicationFailure.nonRetryable(
      `Production model v${production.version} of ${spec.name} cannot be read (${uriOf(production.modelArtifact)} or ${uriOf(production.transform)} is missing). Restore it or roll back, then resume this run.`,
      FAILURE_TYPES.ProductionModelMissing,
    );
  }
}

/** A slice column no test row has is a typo in the spec, not a slice of missing values. */
function checkSliceColumns(spec: PipelineSpec, columns: readonly string[], rows: readonly TableRow[]): void {
  const present = new Set(rows.flatMap((row) => Object.keys(row)));
  const absent = columns.filter((column) => !present.has(column));
  if (absent.length > 0) {
    throw ApplicationFailure.nonRetryable(`evaluation.slices of ${spec.name} names ${absent.map((column) => `"${column}"`).join(', ')}, which no test row has; the rows have ${[...present].sort().join(', ')}.`, FAILURE_TYPES.PipelineSpecError);
  }
}

/** A blessed candidate that loses more than maxSliceRegression against production on one slice is not blessed after all. */
function gateOnSlices(blessing: Blessing, metric: string, worst: SliceRegression | undefined, maxSliceRegression: number | undefined): Blessing {
  if (!blessing.blessed || maxSliceRegression === undefined || !worst || worst.regression <= maxSliceRegression) return blessing;
  return {
    ...blessing,
    blessed: false,
    reason: `${metric} on the slice ${worst.column}=${worst.value} is ${fourDecimals(worst.candidate)} against production's ${fourDecimals(worst.production)}: ${fourDecimals(worst.regression)} worse, more than evaluation.maxSliceRegression ${maxSliceRegression}`,
  };
}

const topFeatures = (importance: readonly FeatureImportance[]): string[] => importance.slice(0, 5).map((entry) => entry.feature);


/** The drift reference of the test rows and the candidate's scores: by the engine over the stored Parquet (its bytes, already read), or from the rows of an older JSON Lines copy. */
async function driftReferenceOfTestRows(spec: PipelineSpec, feature: FeatureManifest, bytes: Buffer, rows: readonly TableRow[], scores: Float32Array): Promise<DriftReference> {
  const { numeric, categorical, timeParts } = spec.features;
  if (!feature.testRows.key.endsWith('.parquet')) return buildDriftReference({ rows, numeric, categorical, timeParts, scores: Array.from(scores) });
  return withScratch('evaluate', async (dir) => {
    const path = join(dir, 'test.rows.parquet');
    await writeFile(path, bytes);
    return withEngine((engine) => driftReferenceOfTable(engine, `read_parquet(${sqlString(path)})`, driftColumns(numeric, categorical, timeParts), { scores }), { ...STEP_ENGINE, spillDirectory: dir });
  });
}

async function withModel<T>(storage: ActivityDependencies['storage'], ref: { bucket: string; key: string }, use: (layersModel: tf.LayersModel) => T): Promise<T> {
  const layersModel = await importNetwork(await storage.getBuffer(ref));
  try {
    return use(layersModel);
  } finally {
    layersModel.dispose();
  }
}

/** The spec's task's metrics as plain numbers (calibration's table stays in the evaluation object). */
function metricsOf(spec: PipelineSpec, labels: Float32Array, scores: Float32Array): Record<string, number> {
  if (spec.label.kind === 'regression') {
    const { rmse, mae, r2, rows } = regressionMetrics(labels, scores);
    return { rmse, mae, r2, rows };
  }
  const { auc, accuracy, precision, recall, f1, logLoss, brier, calibration, rows, positives } = binaryMetrics(labels, scores);
  return { auc, accuracy, precision, recall, f1, logLoss, brier, expectedCalibrationError: calibration.ece, rows, positives };
}
