import type { DriftCheckResult } from '../contracts/drift-check.js';
import type { DriftReference } from '../drift/reference.js';
import { compareToReference } from '../drift/report.js';
import { judgeLoggedTraffic } from '../drift/engine-drift.js';
import { STEP_ENGINE, withEngine } from '../tabular/engine.js';
import { withScratch } from './step-cache.js';
import { liveMetric, performanceVerdict } from '../drift/performance.js';
import { downloadLog } from '../infra/prediction-logs.js';
import { specOfVersion } from '../contracts/version-spec.js';
import { failForGoodOn } from './unrecoverable.js';
import { shippedSpecs } from '../pipelines/format-one-specs.js';
import { loadRegistry } from '../infra/registry-store.js';
import { renderDriftReport } from '../report/drift-report.js';
import { driftKeys } from '../storage/layout.js';
import type { ActivityDependencies } from './dependencies.js';
import { inputWithModelName } from '../contracts/format-renames.js';


/**
 * Compares the production model's logged traffic since the last check with its drift reference
 * (feature and prediction distributions), and its live metric on the outcomes fed back with the
 * spec's threshold, the logs read by the columnar engine from a local copy of their objects.
 * Stores the report in MinIO, as JSON and as an HTML page with a chart per feature. Too few
 * rows: no verdict, and the window stays open so the next check sees more.
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
      const thresholds = { psi: spec.drift.psi, minRows: spec.drift.minRows };
      // The production version's whole life for the live metric (outcomes come after their predictions), since the last check for drift.
      const { drift, labels, scores } = await withScratch('drift-check', async (dir) => {
        const predictions = await downloadLog(storage, modelName, 'predictions', promotedAt, until, dir);
        const outcomes = await downloadLog(storage, modelName, 'outcomes', promotedAt, until, dir);
        if (predictions.length === 0) return { drift: compareToReference(reference, [], [], thresholds), labels: [], scores: [] };
        return withEngine((engine) => judgeLoggedTraffic(engine, { predictions, outcomes }, { version: production.version, since, reference, thresholds }), { ...STEP_ENGINE, spillDirectory: dir });
      });

      const metric = spec.evaluation.metric;
      const value = labels.length ? liveMetric(spec.label.kind, metric, labels, scores) : Number.NaN;
      const performance = { ...performanceVerdict({ metric, value, threshold: spec.evaluation.threshold, minOutcomes: spec.drift.minRows, outcomes: labels.length }), value: Number.isFinite(value) ? value : undefined };

      const { json: report, html: reportHtml } = driftKeys.report(modelName, until);
      await storage.putJson(report, { model: modelName, productionVersion: production.version, since, until, drift, performance });
      const facts = { modelName, productionVersion: production.version, since, until, performance: { ...performance, metric, threshold: spec.evaluation.threshold } };
      await storage.putBuffer(reportHtml, Buffer.from(await renderDriftReport({ reference, drift, facts })), 'text/html; charset=utf-8');
      if (drift.verdict !== 'insufficient-data') await storage.putJson(driftKeys.lastCheck(modelName), { until, version: production.version });
      return { ...base, verdict: drift.verdict, reason: drift.reason, performance, rows: drift.rows, driftedFeatures: drift.driftedFeatures, report, reportHtml };
    },
  };
}
