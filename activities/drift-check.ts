import type { DriftCheckResult } from '../contracts/drift-check.js';
import type { OutcomeRecord, PredictionRecord } from '../contracts/prediction-log.js';
import type { DriftReference } from '../drift/reference.js';
import { compareToReference } from '../drift/report.js';
import { liveMetric, performanceVerdict } from '../drift/performance.js';
import { readLog } from '../infra/prediction-logs.js';
import { specOfVersion } from '../contracts/version-spec.js';
import { failForGoodOn } from './unrecoverable.js';
import { shippedSpecs } from '../pipelines/format-one-specs.js';
import { loadRegistry } from '../infra/registry-store.js';
import { renderDriftReport } from '../report/drift-report.js';
import type { TableRow } from '../tabular/index.js';
import { driftKeys } from '../storage/layout.js';
import type { ActivityDependencies } from './dependencies.js';
import { inputWithModelName } from '../contracts/format-renames.js';


/**
 * Compares the production model's logged traffic since the last check with its drift reference
 * (feature and prediction distributions), and its live metric on the outcomes fed back with the
 * spec's threshold. Stores the report in MinIO, as JSON and as an HTML page with a chart per
 * feature. Too few rows: no verdict, and the window stays open so the next check sees more.
 */
export function createDriftCheckActivities({ storage }: ActivityDependencies) {
  return {
    async checkDrift(input: { modelName: string }): Promise<DriftCheckResult> {
      // Scheduled by earlier code before an upgrade, it names the model `model`.
      const { modelName } = inputWithModelName(input);
      const until = new Date().toISOString();
      const registry = await failForGoodOn(() => loadRegistry(storage, modelName));
      const production = registry?.versions.find((version) => version.version === registry.aliases.production);
      const promotedAt = [...(registry?.history ?? [])].reverse().find((change) => change.alias === 'production' && change.to === production?.version)?.at ?? until;
      const since = (await storage.getJson<{ until: string; version: number }>(driftKeys.lastCheck(modelName)).then((last) => (last?.version === production?.version ? last?.until : undefined))) ?? promotedAt;
      const base = { modelName, since, until, rows: 0, driftedFeatures: [], signalled: false, productionVersion: production?.version };
      if (!production?.driftReference) return { ...base, verdict: 'no-model', reason: `${modelName} has no production version with a drift reference yet.` };

      // The thresholds of the spec the production version was trained with, not of today's code.
      const { spec } = await failForGoodOn(() => specOfVersion(production, shippedSpecs));
      const reference = (await storage.getJson<DriftReference>(production.driftReference))!;
      // The production version's whole life, for the live metric: outcomes come after their predictions.
      const served = (await readLog<PredictionRecord>(storage, modelName, 'predictions', promotedAt, until)).filter((p) => p.version === production.version);
      const recent = served.filter((p) => p.at > since);
      const drift = compareToReference(reference, recent.map((p) => p.input as TableRow), recent.map((p) => p.score), { psi: spec.drift.psi, minRows: spec.drift.minRows });

      const outcomes = new Map((await readLog<OutcomeRecord>(storage, modelName, 'outcomes', promotedAt, until)).map((o) => [o.id, Number(o.label)]));
      const labelled = served.filter((p) => outcomes.has(p.id));
      const metric = spec.evaluation.metric;
      const value = labelled.length ? liveMetric(spec.label.kind, metric, labelled.map((p) => outcomes.get(p.id)!), labelled.map((p) => p.score)) : Number.NaN;
      const performance = { ...performanceVerdict({ metric, value, threshold: spec.evaluation.threshold, minOutcomes: spec.drift.minRows, outcomes: labelled.length }), value: Number.isFinite(value) ? value : undefined };

      const { json: report, html: reportHtml } = driftKeys.report(modelName, until);
      await storage.putJson(report, { model: modelName, productionVersion: production.version, since, until, drift, performance });
      const facts = { modelName, productionVersion: production.version, since, until, performance: { ...performance, metric, threshold: spec.evaluation.threshold } };
      await storage.putBuffer(reportHtml, Buffer.from(await renderDriftReport({ reference, drift, facts })), 'text/html; charset=utf-8');
      if (drift.verdict !== 'insufficient-data') await storage.putJson(driftKeys.lastCheck(modelName), { until, version: production.version });
      return { ...base, verdict: drift.verdict, reason: drift.reason, performance, rows: drift.rows, driftedFeatures: drift.driftedFeatures, report, reportHtml };
    },
  };
}
