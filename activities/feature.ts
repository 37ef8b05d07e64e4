import { join } from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import type { CacheOptions, FeatureManifest, IngestManifest } from '../contracts/pipeline-run.js';
import type { PipelineSpec } from '../contracts/pipeline-spec.js';
import { labelOf } from '../features/label.js';
import { FeatureValueError } from '../features/values.js';
import { SplitError, splitRows } from '../features/split.js';
import type { FeatureTransform } from '../features/transform.js';
import { applyTransform, FeatureFitError, featureWidth, fitTransform } from '../features/transform.js';
import { artifactKeys, cacheKey, putBuffer, putJson } from '../infra/artifacts.js';
import type { Row } from '../tabular/read.js';
import { readRows } from '../tabular/read.js';
import type { ActivityDependencies } from './index.js';
import { completeStep, reuseCached, withScratch } from './step-cache.js';

/** Bump when the feature step's output for the same inputs would change. */
const FEATURE_CODE_VERSION = 'feature-1';

export interface FeatureInput {
  spec: PipelineSpec;
  ingest: IngestManifest;
  cache?: CacheOptions;
}

/** Splits deterministically, fits the transform on the training split only, and stores the transform and the transformed splits. */
export function createFeatureActivities({ storage }: ActivityDependencies) {
  return {
    async feature({ spec, ingest, cache }: FeatureInput): Promise<FeatureManifest> {
      const config = { features: spec.features, label: spec.label, split: spec.split };
      const key = cacheKey('feature', FEATURE_CODE_VERSION, config, { dataset: ingest.contentHash });
      const cached = await reuseCached<FeatureManifest>(storage, 'feature', key, cache);
      if (cached) return cached;

      const rows = await withScratch('feature', async (dir) => {
        const path = join(dir, 'snapshot.jsonl');
        await storage.fGetObject(ingest.snapshot.bucket, ingest.snapshot.key, path);
        const labelled: Row[] = [];
        try {
          for await (const row of readRows(path, 'jsonl')) if (labelOf(spec.label, row) !== undefined) labelled.push(row);
        } catch (error) {
          throw dataError(error);
        }
        return labelled;
      });
      if (rows.length === 0) throw ApplicationFailure.nonRetryable(`No row of dataset ${ingest.datasetVersion} has a label "${spec.label.column}".`, 'DataValidationError');

      let transform: FeatureTransform;
      let splits: ReturnType<typeof splitRows<Row>>;
      try {
        splits = splitRows(rows, spec.split);
        transform = fitTransform(splits.train, spec);
      } catch (error) {
        throw dataError(error);
      }
      const output = (name: string) => artifactKeys.stepOutput('feature', key, name);
      const transformRef = output('transform.json');
      await putJson(storage, transformRef, transform);
      const width = featureWidth(transform);
      const stored = {} as FeatureManifest['splits'];
      for (const name of ['train', 'validation', 'test'] as const) {
        const { features, labels } = toMatrix(transform, splits[name], width);
        stored[name] = { features: output(`${name}.features.f32`), labels: output(`${name}.labels.f32`), rows: splits[name].length };
        await putBuffer(storage, stored[name].features, Buffer.from(features.buffer));
        await putBuffer(storage, stored[name].labels, Buffer.from(labels.buffer));
      }
      const testRows = output('test.rows.jsonl');
      await putBuffer(storage, testRows, Buffer.from(splits.test.map((row) => JSON.stringify(row)).join('\n')), 'application/x-ndjson');
      return completeStep(storage, {
        step: 'feature',
        cacheKey: key,
        cached: false,
        contentHash: key,
        finishedAt: new Date().toISOString(),
        transform: transformRef,
        splits: stored,
        testRows,
        width,
      });
    },
  };
}

/** Bad values in the data are the data's fault: no retry fixes them. */
function dataError(error: unknown): unknown {
  if (error instanceof SplitError || error instanceof FeatureFitError || error instanceof FeatureValueError) return ApplicationFailure.nonRetryable(error.message, 'DataValidationError');
  return error;
}

/** Row-major float32 features and labels for one split. */
export function toMatrix(transform: FeatureTransform, rows: readonly Row[], width: number): { features: Float32Array; labels: Float32Array } {
  const features = new Float32Array(rows.length * width);
  const labels = new Float32Array(rows.length);
  rows.forEach((row, index) => {
    const transformed = applyTransform(transform, row);
    features.set(transformed.features, index * width);
    labels[index] = transformed.label ?? Number.NaN;
  });
  return { features, labels };
}
