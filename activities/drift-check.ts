import type { DriftCheckResult } from '../contracts/drift-check.js';
import type { DriftReference } from '../drift/reference.js';
import { compareToReference } from '../drift/report.js';
import { driftThresholds } from '../drift/spec-thresholds.js';
import { judgeLoggedTraffic } from '../drift/engine-drift.js';
import { STEP_ENGINE, withEngine } from '../tabular/engine.js';
import { withScratch } from './step-cache.js';
import { performanceVerdict } from '../drift/performance.js';
import type { LabelledOutcomes } from '../drift/engine-drift.js';
import { combineOutcomeWindows, judgeOutcomeWindow } from '../drift/outcome.js';
import type { OutcomeDrift, OutcomeWindow } from '../contracts/drift-check.js';
import type { PipelineSpec } from '../contracts/pipeline-spec.js';
import { parseDuration } from '../contracts/duration.js';
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
      const thresholds = driftThresholds(spec.drift);
      // Outcomes are judged in two windows: those that arrived since the last check, and the spec's rolling window.
      const rollingSince = new Date(Math.max(Date.parse(until) - parseDuration(spec.drift.outcomes.window), Date.parse(promotedAt))).toISOString();
      const outcomesSince = since < rollingSince ? since : rollingSince;
      const { drift, outcomes } = await withScratch('drift-check', async (dir) => {
        const predictions = await downloadLog(storage, modelName, 'predictions', promotedAt, until, dir);
        const outcomeLogs = await downloadLog(storage, modelName, 'outcomes', promotedAt, until, dir);
        if (predictions.length === 0) return { drift: compareToReference(reference, [], [], thresholds), outcomes: { labels: [], scores: [], arrived: [] } };
        return withEngine((engine) => judgeLoggedTraffic(engine, { predictions, outcomes: outcomeLogs }, { version: production.version, since, outcomesSince, reference, thresholds }), { ...STEP_ENGINE, spillDirectory: dir });
      });

      const outcome = judgeOutcomes(spec, reference, outcomes, [
        { name: 'since-last-check', since },
        { name: 'rolling', since: rollingSince },
      ]);
      // The blessing metric on the rolling window, as the live metric.
      const rolling = outcome.windows.find((window) => window.name === 'rolling')!;
      const metric = spec.evaluation.metric;
      const value = rolling.statistics[metric];
      const performance = { ...performanceVerdict({ metric, value: value ?? Number.NaN, threshold: spec.evaluation.threshold, minOutcomes: spec.drift.outcomes.minOutcomes, outcomes: rolling.outcomes }), value: value !== undefined && Number.isFinite(value) ? value : undefined };

      const { json: report, html: reportHtml } = driftKeys.report(modelName, until);
      await storage.putJson(report, { model: modelName, productionVersion: production.version, since, until, drift, performance, outcome });
      const facts = { modelName, productionVersion: production.version, since, until, performance: { ...performance, metric, threshold: spec.evaluation.threshold } };
      await storage.putBuffer(reportHtml, Buffer.from(await renderDriftReport({ reference, drift, facts, outcome })), 'text/html; charset=utf-8');
      if (drift.verdict !== 'insufficient-data') await storage.putJson(driftKeys.lastCheck(modelName), { until, version: production.version });
      return { ...base, verdict: drift.verdict, reason: drift.reason, performance, outcome, rows: drift.rows, driftedFeatures: drift.driftedFeatures, report, reportHtml };
    },
  };
}

/** Each window's outcomes judged, and one verdict over them. */
function judgeOutcomes(spec: PipelineSpec, reference: DriftReference, outcomes: LabelledOutcomes, windows: { name: OutcomeWindow['name']; since: string }[]): OutcomeDrift {
  const thresholds = { metric: spec.evaluation.metric, metricThreshold: spec.evaluation.threshold, ...spec.drift.outcomes };
  const judged = windows.map((window) => {
    // The outcomes are ordered by arrival: a window is their tail.
    const from = outcomes.arrived.findIndex((at) => at > window.since);
    const start = from < 0 ? outcomes.arrived.length : from;
    return judgeOutcomeWindow(spec.label.kind, window, outcomes.labels.slice(start), outcomes.scores.slice(start), reference.outcome, thresholds);
  });
  return { ...combineOutcomeWindows(judged), windows: judged, ...(reference.outcome ? {} : { note: 'this version was trained before outcome references were kept: the outcome distribution is not compared, calibration and the metric are' }) };
}
