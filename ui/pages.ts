import type { ModelVersion, Registry, RunRecord } from '../contracts/model.js';
import { formatNumber } from '../format/numbers.js';
import { renderPage } from '../report/page.js';
import { escapeHtml } from '../tabular/report-html.js';
import type { DriftReportEntry } from './catalog.js';
import { uriOf } from '../contracts/pipeline-run.js';

/** Where pages link to: ctrain ui's own routes, and the Temporal Web UI when its address is known. */
export interface Links {
  /** Base URL of the Temporal Web UI's namespace, e.g. http://127.0.0.1:8233/namespaces/default. */
  webUi?: string;
}

export const paths = {
  model: (modelName: string): string => `/models/${encodeURIComponent(modelName)}`,
  runReport: (runId: string): string => `/runs/${encodeURIComponent(runId)}/report`,
  driftReport: (modelName: string, name: string): string => `/models/${encodeURIComponent(modelName)}/drift/${encodeURIComponent(name)}`,
};

const link = (href: string, text: string): string => `<a href="${escapeHtml(href)}">${escapeHtml(text)}</a>`;
const aliasesOf = (registry: Registry): string =>
  Object.entries(registry.aliases).filter(([, version]) => version !== undefined).map(([alias, version]) => `${alias} v${version}`).join(', ') || 'none';
const table = (head: string[], rows: string[][]): string =>
  `<table><thead><tr>${head.map((cell) => `<th>${escapeHtml(cell)}</th>`).join('')}</tr></thead><tbody>${rows.map((row) => `<tr>${row.map((cell) => `<td>${cell}</td>`).join('')}</tr>`).join('')}</tbody></table>`;

/** The landing page: every model, its aliases and its latest run. */
/** A model whose registry this ctrain cannot read, and why. */
export interface Unreadable {
  modelName: string;
  reason: string;
}

export function renderIndex(registries: Registry[], unreadable: Unreadable[] = []): string {
  const rows = registries.map((registry) => {
    const last = registry.runs.at(-1);
    return [link(paths.model(registry.modelName), registry.modelName), escapeHtml(aliasesOf(registry)), String(registry.versions.length), last ? `${escapeHtml(last.status)} (${escapeHtml(last.runId)})` : '—'];
  });
  rows.push(...unreadable.map(({ modelName, reason }) => [escapeHtml(modelName), `unreadable: ${escapeHtml(reason)}`, '—', '—']));
  return renderPage({
    title: 'ctrain',
    facts: [['models', String(registries.length)]],
    sections: [
      {
        id: 'models',
        title: 'Models',
        intro: rows.length === 0 ? 'No model has been trained yet: start one with npx ctrain run <pipeline>.' : undefined,
        html: rows.length === 0 ? '' : table(['model', 'aliases', 'versions', 'latest run'], rows),
      },
    ],
  });
}

/** One model: its versions with their metrics, its runs with their reports, its drift checks. */
export function renderModel(registry: Registry, reports: Set<string>, drift: DriftReportEntry[], links: Links = {}): string {
  const aliasOf = (version: number): string => Object.entries(registry.aliases).filter(([, v]) => v === version).map(([alias]) => alias).join(', ');
  const reportCell = (runId: string): string => (reports.has(runId) ? link(paths.runReport(runId), 'report') : '—');
  const webUiCell = (runId: string): string => (links.webUi ? link(`${links.webUi}/workflows/${encodeURIComponent(runId)}`, 'Web UI') : '');
  const versions = [...registry.versions].reverse().map((version: ModelVersion) => [
    `v${version.version}`,
    escapeHtml(aliasOf(version.version)),
    escapeHtml(version.createdAt),
    `<code>${escapeHtml(version.datasetVersion)}</code>`,
    escapeHtml(formatMetrics(version.metrics)),
    version.blessed ? '<span class="pass">blessed</span>' : `<span class="fail">not blessed</span>: ${escapeHtml(version.blessingReason)}`,
    `${reportCell(version.runId)} ${webUiCell(version.runId)}`,
  ]);
  const runs = [...registry.runs].reverse().map((run: RunRecord) => [
    escapeHtml(run.runId),
    escapeHtml(run.status),
    escapeHtml(run.requests[0] ? `${run.requests[0].source}: ${run.requests[0].reason}` : ''),
    escapeHtml(run.startedAt ?? ''),
    escapeHtml(run.finishedAt ?? ''),
    run.version === undefined ? '—' : `v${run.version}`,
    `${reportCell(run.runId)} ${webUiCell(run.runId)}${run.error ? ` <span class="fail">${escapeHtml(run.error)}</span>` : ''}`,
  ]);
  const checks = drift.map((entry) => [escapeHtml(entry.name), entry.html ? link(paths.driftReport(registry.modelName, entry.name), 'page') : `<code>${escapeHtml(uriOf(entry.json))}</code>`]);
  return renderPage({
    title: `ctrain: ${registry.modelName}`,
    facts: [
      ['aliases', aliasesOf(registry)],
      ['versions', String(registry.versions.length)],
      ['retraining', registry.paused ? 'paused' : 'automatic'],
    ],
    sections: [
      { id: 'versions', title: 'Versions', intro: versions.length ? undefined : 'No version registered yet.', html: versions.length ? table(['version', 'alias', 'created', 'dataset', 'metrics', 'blessing', 'run'], versions) : '' },
      { id: 'runs', title: 'Runs', intro: runs.length ? undefined : 'No run yet.', html: runs.length ? table(['run', 'status', 'requested by', 'started', 'finished', 'version', ''], runs) : '' },
      { id: 'drift', title: 'Drift checks', intro: checks.length ? undefined : 'No drift check has run yet.', html: checks.length ? table(['check', 'report'], checks) : '' },
    ],
  }).replace('<body>\n', `<body>\n<p>${link('/', '← all models')}</p>\n`);
}

function formatMetrics(metrics: Record<string, number>): string {
  return Object.entries(metrics).map(([name, value]) => `${name} ${formatNumber(value)}`).join(' · ');
}
