import type { EvaluateManifest, ObjectRef, TrainManifest, ValidateManifest } from '../contracts/pipeline-run.js';
import type { PipelineSpec } from '../contracts/pipeline-spec.js';
import type { EvaluationRecord } from '../model/evaluation-record.js';
import { buildRunReport } from '../report/run-report.js';
import type { ValidationReport } from '../tabular/report.js';
import { runKeys } from '../storage/layout.js';
import type { ActivityDependencies } from './dependencies.js';

export interface ReportRunInput {
  runId: string;
  spec: PipelineSpec;
  specHash: string;
  datasetVersion: string;
  validate: ValidateManifest;
  train: TrainManifest;
  evaluate: EvaluateManifest;
}

/**
 * The run's report: reads what the step manifests point at (the validation report, the
 * evaluation record), renders one HTML page with its charts and stores it beside the run's
 * step records. Not cached: it is cheap, and a resumed run gets a report of its own.
 */
export function createReportActivities({ storage }: ActivityDependencies) {
  return {
    async reportRun({ runId, spec, specHash, datasetVersion, validate, train, evaluate }: ReportRunInput): Promise<ObjectRef> {
      // A missing object leaves its part of the report empty, said so on the page; other errors are retried.
      const [validation, evaluation] = await Promise.all([storage.getJson<ValidationReport>(validate.report), storage.getJson<EvaluationRecord>(evaluate.evaluation)]);
      const html = await buildRunReport({ runId, spec, specHash, datasetVersion, validation, train, evaluate, evaluation });
      const report = runKeys.report(runId);
      await storage.putBuffer(report, Buffer.from(html, 'utf8'), 'text/html; charset=utf-8');
      return report;
    },
  };
}
