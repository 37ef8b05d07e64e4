import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { readRows } from '../../tabular/read.js';
import type { TableRow } from '../../tabular/row.js';
import { buildValidationReport } from '../../tabular/report.js';
import { escapeHtml, renderValidationHtml } from '../../tabular/report-html.js';
import type { ValidationReport } from '../../tabular/report.js';
import { inferSchema } from '../../tabular/schema.js';
import { checkAgainstSchema } from '../../tabular/schema-check.js';
import { computeStatistics } from '../../tabular/statistics.js';

const SEATTLE = join(import.meta.dirname, '../../node_modules/vega-datasets/data/seattle-weather.csv');

describe('validation report', () => {
  let clean: ValidationReport;
  let failed: ValidationReport;
  beforeAll(async () => {
    const rows: TableRow[] = [];
    for await (const row of readRows(SEATTLE, 'csv')) rows.push(row);
    const statistics = await computeStatistics(rows);
    const schema = inferSchema(statistics);
    clean = buildValidationReport({ dataset: 'seattle-weather.csv', statistics, anomalies: [] });
    const crafted = rows.map((row, index): TableRow => {
      const rest = Object.fromEntries(Object.entries(row).filter(([name]) => name !== 'wind'));
      return { ...rest, station: 'SEA', weather: index % 10 === 0 ? 'hail' : (row.weather ?? null) };
    });
    const craftedStats = await computeStatistics(crafted);
    failed = buildValidationReport({
      dataset: 's3://ctrain/datasets/<v2>&"new".csv',
      statistics: craftedStats,
      anomalies: checkAgainstSchema(schema, craftedStats, { labelColumn: 'weather' }),
      schema,
    });
  });

  it('is plain JSON with a verdict and a summary, errors listed first', () => {
    expect(JSON.parse(JSON.stringify(failed))).toEqual(failed);
    expect(clean).toMatchObject({ passed: true, summary: { rows: 1461, columns: 6, errors: 0, warnings: 0 }, anomalies: [] });
    expect(clean).not.toHaveProperty('schema');
    expect(failed.passed).toBe(false);
    expect(failed.summary).toEqual({ rows: 1461, columns: 6, errors: 2, warnings: 1 });
    expect(failed.anomalies.map((anomaly) => anomaly.severity)).toEqual(['error', 'error', 'warning']);
    expect(failed.schema?.columns).toHaveLength(6);
  });

  it('renders a passing report as a standalone page', () => {
    const html = renderValidationHtml(clean);
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toContain('<title>Validation: seattle-weather.csv</title>');
    expect(html).toContain('Passed: 0 errors, 0 warnings · 1461 rows · 6 columns');
    expect(html).toContain('No anomalies.');
    expect(html).toContain('<td>weather</td><td>categorical</td><td>1461</td><td>0 (0.0%)</td><td>5 distinct: rain (641), sun (640), fog (101), drizzle (53), snow (26)</td>');
    expect(html).not.toContain('class="error"');
  });

  it('highlights anomalies and the columns they concern, and lists missing columns', () => {
    const html = renderValidationHtml(failed);
    expect(html).toContain('Failed: 2 errors, 1 warning · 1461 rows · 6 columns');
    expect(html).toContain('<tr class="error"><td>error</td><td><code>missing_column</code></td><td>wind</td>');
    expect(html).toMatch(/<tr class="error"><td>weather <span class="badge error">unseen_categories<\/span><\/td>/);
    expect(html).toMatch(/<tr class="warning"><td>station <span class="badge warning">unexpected_column<\/span><\/td>/);
    expect(html).toContain('<p>Not in this dataset: wind.</p>');
  });

  it('escapes every text it did not write itself', async () => {
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
    const hostile = '<script>alert("x")</script>';
    const statistics = await computeStatistics([{ [hostile]: 'a&b <i>' }, { [hostile]: "it's" }]);
    const html = renderValidationHtml(buildValidationReport({
      dataset: hostile,
      statistics,
      anomalies: [{ severity: 'warning', code: 'unexpected_column', column: hostile, message: `Column "${hostile}" is new` }],
    }));
    expect(html).not.toContain('<script>');
    expect(html).not.toContain('<i>');
    expect(html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
    expect(html).toContain('a&amp;b &lt;i&gt; (1)');
    expect(html).toContain('it&#39;s (1)');
    const html2 = renderValidationHtml(failed);
    expect(html2).toContain('s3://ctrain/datasets/&lt;v2&gt;&amp;&quot;new&quot;.csv');
  });
});
