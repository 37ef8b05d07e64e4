import type { PipelineRunResult } from '../../contracts/pipeline-run.js';
import type { PipelineSpec } from '../../contracts/pipeline-spec.js';
import { loadPipeline } from '../../pipelines/index.js';

/** The shipped regression spec with the deploy and drift sections a decision test needs. */
export function specWith(changes: { deploy?: Partial<PipelineSpec['deploy']>; drift?: Partial<PipelineSpec['drift']>; label?: Partial<PipelineSpec['label']> } = {}): PipelineSpec {
  const spec = loadPipeline('seattle-temperature');
  return { ...spec, deploy: { ...spec.deploy, ...changes.deploy }, drift: { ...spec.drift, ...changes.drift }, label: { ...spec.label, ...changes.label } };
}

/**
 * What a training run hands back, without training: only the fields the model workflow reads
 * (register, sameAs, deploy) are meaningful; the step manifests are otherwise empty.
 */
export function runResult(runId: string, options: { spec?: PipelineSpec; specHash?: string; datasetVersion?: string; modelKey?: string; blessed?: boolean } = {}): PipelineRunResult {
  const { spec = specWith(), specHash = 'spec-1', datasetVersion = 'data-1', modelKey = `models/${runId}/model.json`, blessed = true } = options;
  const ref = (key: string) => ({ bucket: 'artifacts', key });
  const base = { cacheKey: 'key', cached: false, contentHash: 'hash', finishedAt: '2026-12-04T00:00:00.000Z' };
  return {
    runId,
    pipeline: spec.name,
    spec,
    specHash,
    datasetVersion,
    ingest: { ...base, step: 'ingest', datasetVersion, snapshot: ref('snapshot'), dvcFile: ref('dvc'), rows: 10, bytes: 100, reusedVersion: false },
    validate: { ...base, step: 'validate', statistics: ref('stats'), report: ref('report'), reportHtml: ref('report.html'), referenceSchema: ref('schema'), inferredReference: false, warnings: 0 },
    feature: { ...base, step: 'feature', transform: ref(`transforms/${runId}.json`), splits: { train: { features: ref('f'), labels: ref('l'), rows: 7 }, validation: { features: ref('f'), labels: ref('l'), rows: 1 }, test: { features: ref('f'), labels: ref('l'), rows: 2 } }, testRows: ref('rows'), width: 3 },
    train: { ...base, step: 'train', modelArtifact: ref(modelKey), backend: 'cpu', epochsRun: 3, bestEpoch: 2, loss: 1, valLoss: 1.2 },
    evaluate: {
      ...base,
      step: 'evaluate',
      metrics: { rmse: 3.5 },
      productionMetrics: { rmse: 3.6 },
      blessed,
      reason: blessed ? 'rmse 3.5 <= 4' : 'rmse 5 > 4',
      evaluation: ref('evaluation'),
      driftReference: ref('drift-reference'),
    },
  };
}
