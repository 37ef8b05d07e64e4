import { createHash } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/common';
import { FAILURE_TYPES } from '../contracts/failure-types.js';
import type { CacheOptions, IngestManifest, ValidateManifest } from '../contracts/pipeline-run.js';
import type { PipelineSpec } from '../contracts/pipeline-spec.js';
import { LabelTally, tallySnapshotLabels } from '../features/label-check.js';
import { STEP_ENGINE, withEngine } from '../tabular/engine.js';
import { float32Overflows, nestedFeatures, snapshotColumns, snapshotStatistics } from '../tabular/snapshot-statistics.js';
import { cacheKey } from '../infra/artifacts.js';
import { canonicalJson } from '../contracts/canonical-json.js';
import type { Anomaly, DatasetSchema, TableRow } from '../tabular/index.js';
import { buildValidationReport, checkAgainstSchema, computeStatistics, detectFormat, inferSchema, readRows, renderValidationHtml } from '../tabular/index.js';
import { pullDatasetVersion } from './dataset.js';
import type { ActivityDependencies } from './dependencies.js';
import { completeStep, reuseCached, withScratch } from './step-cache.js';
import { pipelineKeys, stepKeys } from '../storage/layout.js';
import { uriOf } from '../contracts/pipeline-run.js';

/** Bump when validating the same data against the same reference could decide differently. */
const VALIDATE_CODE_VERSION = 'validate-3';

export interface ValidateInput {
  spec: PipelineSpec;
  specHash: string;
  ingest: IngestManifest;
  cache?: CacheOptions;
}

/**
 * Computes the snapshot's statistics and checks them against the pipeline's reference schema,
 * inferring that reference on the first run. Anomalies fail the run, not retryable, with a
 * JSON and an HTML report in MinIO.
 */
export function createValidateActivities({ storage }: ActivityDependencies) {
  return {
    async validate({ spec, ingest, cache }: ValidateInput): Promise<ValidateManifest> {
      const referenceRef = pipelineKeys.referenceSchema(spec.name);
      const existing = await storage.getJson<DatasetSchema>(referenceRef);
      const labelColumn = spec.label.positiveWhen?.column ?? spec.label.column;
      const { numeric, categorical } = spec.features;
      const modelColumns = [...new Set([...numeric, ...categorical, spec.label.column, labelColumn])].sort();
      const config = { labelColumn, modelColumns };
      if (existing) {
        const cached = await reuseCached<ValidateManifest>(storage, 'validate', keyFor(config, ingest, existing), cache);
        if (cached) return cached;
      }

      const labels = new LabelTally(spec.label);
      const columnAnomalies: Anomaly[] = [];
      const statistics = await withScratch('validate', async (dir) => {
        const path = await pullDatasetVersion(storage, ingest, dir);
        // Versions ingested before snapshots were Parquet are JSON Lines: the file's extension says which.
        if (detectFormat(path) !== 'parquet') return computeStatistics(tally(readRows(path, detectFormat(path)), labels));
        return withEngine(async (engine) => {
          const columns = await snapshotColumns(engine, path);
          await tallySnapshotLabels(engine, path, columns, labels, spec.label);
          const { timeParts } = spec.features;
          columnAnomalies.push(...nestedFeatures(columns, [...numeric, ...categorical, ...(timeParts ? [timeParts.column] : [])]));
          columnAnomalies.push(...(await float32Overflows(engine, path, [...spec.features.numeric, ...(spec.label.kind === 'regression' ? [spec.label.column] : [])])));
          return snapshotStatistics(engine, path);
        }, { ...STEP_ENGINE, spillDirectory: dir });
      });
      const reference = existing ?? inferSchema(statistics);
      const key = keyFor(config, ingest, reference);
      const output = (name: string) => stepKeys.output('validate', key, name);
      const anomalies = checkAgainstSchema(reference, statistics, { labelColumn, numericColumns: spec.features.numeric, modelColumns });
      if (statistics.rowCount > 0) anomalies.unshift(...labels.anomalies(), ...columnAnomalies);
      const report = buildValidationReport({ dataset: `${spec.name}@${ingest.datasetVersion}`, statistics, anomalies, schema: reference });
      const refs = { statistics: output('statistics.json'), report: output('report.json'), reportHtml: output('report.html') };
      await storage.putJson(refs.statistics, statistics);
      await storage.putJson(refs.report, report);
      await storage.putBuffer(refs.reportHtml, Buffer.from(renderValidationHtml(report)), 'text/html; charset=utf-8');

      if (!report.passed) {
        const errors = report.anomalies.filter((anomaly) => anomaly.severity === 'error');
        throw ApplicationFailure.create({
          nonRetryable: true,
          type: FAILURE_TYPES.DataValidationError,
          message: `Dataset ${ingest.datasetVersion} of ${spec.name} failed validation with ${errors.length} anomalies: ${errors.map((anomaly) => anomaly.message).join(' | ')} Report: ${uriOf(refs.reportHtml)}`,
          details: [{ report: refs.report, reportHtml: refs.reportHtml, anomalies: errors }],
        });
      }
      // The reference is stored only once data has passed against it.
      if (!existing) await storage.putJson(referenceRef, reference);
      return completeStep(storage, {
        step: 'validate',
        cacheKey: key,
        cached: false,
        contentHash: key,
        finishedAt: new Date().toISOString(),
        ...refs,
        referenceSchema: referenceRef,
        inferredReference: !existing,
        warnings: report.summary.warnings,
      });
    },
  };
}

/** Feeds each row to the label checks on its way to the statistics: one pass over the snapshot. */
async function* tally(rows: AsyncIterable<TableRow>, labels: LabelTally): AsyncGenerator<TableRow> {
  for await (const row of rows) {
    labels.add(row);
    yield row;
  }
}

function keyFor(config: unknown, ingest: IngestManifest, reference: DatasetSchema): string {
  const referenceHash = createHash('sha256').update(canonicalJson(reference)).digest('hex');
  return cacheKey('validate', VALIDATE_CODE_VERSION, config, { dataset: ingest.contentHash, reference: referenceHash });
}
