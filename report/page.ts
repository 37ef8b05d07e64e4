import { escapeHtml } from '../tabular/report-html.js';

/** One part of a report: a heading, optional prose, charts (SVG strings) and raw HTML (tables). */
export interface ReportSection {
  id: string;
  title: string;
  /** Plain text, escaped. */
  intro?: string;
  /** Trusted HTML shown before the charts (a verdict, a key table). */
  lead?: string;
  /** Rendered SVG charts, each with a caption. */
  charts?: { title: string; svg: string }[];
  /** Trusted HTML built by report code (tables), inserted as is. */
  html?: string;
}

export interface ReportPage {
  title: string;
  /** Key facts shown under the title, e.g. run id, dataset version. */
  facts: [string, string][];
  sections: ReportSection[];
}

const STYLE = `body{font:14px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:1200px;padding:0 1rem;color:#1f2328}
h1{margin-bottom:.25rem}h2{border-bottom:1px solid #d0d7de;padding-bottom:.3rem;margin-top:2rem}
dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1rem;margin:1rem 0}dl.facts dt{color:#57606a}dl.facts dd{margin:0;font-family:ui-monospace,monospace}
nav a{margin-right:1rem}.charts{display:flex;flex-wrap:wrap;gap:1rem}figure.chart{margin:0;border:1px solid #d0d7de;border-radius:6px;padding:.5rem}
figure.chart figcaption{font-weight:600;margin-bottom:.25rem}table{border-collapse:collapse;margin:1rem 0}
th,td{border:1px solid #d0d7de;padding:.3rem .6rem;text-align:left}th{background:#f6f8fa}td.num{text-align:right;font-variant-numeric:tabular-nums}
.pass{color:#1a7f37}.fail{color:#b42318}tr.error{background:#fde8e8}tr.warning{background:#fff6db}
.verdict{font-weight:600;font-size:1.05rem}.badge{font-size:.75rem;padding:0 .3rem;border-radius:3px;color:#fff}.badge.error{background:#b42318}.badge.warning{background:#b68103}`;

/** A self-contained HTML page: inline CSS and SVG, no scripts, no external requests. */
export function renderPage(page: ReportPage): string {
  const facts = page.facts.map(([name, value]) => `<dt>${escapeHtml(name)}</dt><dd>${escapeHtml(value)}</dd>`).join('');
  const nav = page.sections.map((section) => `<a href="#${escapeHtml(section.id)}">${escapeHtml(section.title)}</a>`).join('');
  const sections = page.sections.map(renderSection).join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(page.title)}</title><style>${STYLE}</style></head>
<body>
<h1>${escapeHtml(page.title)}</h1>
<dl class="facts">${facts}</dl>
<nav>${nav}</nav>
${sections}
</body></html>
`;
}

function renderSection(section: ReportSection): string {
  const charts = section.charts?.length
    ? `<div class="charts">${section.charts.map((chart) => `<figure class="chart"><figcaption>${escapeHtml(chart.title)}</figcaption>${chart.svg}</figure>`).join('')}</div>`
    : '';
  const intro = section.intro ? `<p>${escapeHtml(section.intro)}</p>` : '';
  return `<section id="${escapeHtml(section.id)}"><h2>${escapeHtml(section.title)}</h2>${intro}${section.lead ?? ''}${charts}${section.html ?? ''}</section>`;
}
