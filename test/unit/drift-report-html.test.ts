import { describe, expect, it } from 'vitest';
import { formatNumber } from '../../format/numbers.js';
import { binLabels } from '../../drift/psi.js';
import { buildDriftReference } from '../../drift/reference.js';
import type { DriftThresholds } from '../../drift/report.js';
import { compareToReference } from '../../drift/report.js';
import type { InputRow } from '../../features/values.js';
import { MAX_CHART_CATEGORIES, renderDriftReport } from '../../report/drift-report.js';
import { escapeHtml } from '../../tabular/report-html.js';

const WEIRD = 'ratio <b>"x" & y</b>';
const CITIES = ['paris', 'paris', 'paris', 'lyon', 'lyon', 'nice', null];

/** Age spread evenly over 20–80 (shifted by `ageShift`), a weird-named numeric feature that never shifts, a city. */
function makeRows(n: number, { ageShift = 0, newCityEvery = 0 } = {}): InputRow[] {
  return Array.from({ length: n }, (_, i) => ({
    age: 20 + 60 * (((i + 1) * 0.6180339887498949) % 1) + ageShift,
    [WEIRD]: ((i + 1) * 0.7548776662466927) % 1,
    city: newCityEvery > 0 && i % newCityEvery === 0 ? 'marseille' : CITIES[i % CITIES.length],
  }));
}
const score = (row: InputRow): number => 1 / (1 + Math.exp(-((row.age as number) - 50) / 10));

const training = makeRows(2000);
const reference = buildDriftReference({ rows: training, numeric: ['age', WEIRD], categorical: ['city'], scores: training.map(score) });
const thresholds: DriftThresholds = { psi: 0.2, ksPValue: 0.01, chiSquarePValue: 0.01, jensenShannon: 0.1, minRows: 100 };
const live = makeRows(700, { ageShift: 15, newCityEvery: 50 });
const drift = compareToReference(reference, live, live.map(score), thresholds);
const facts = {
  modelName: 'churn',
  productionVersion: 3,
  since: '2025-01-01T00:00:00.000Z',
  until: '2025-01-02T00:00:00.000Z',
  performance: { verdict: 'no-drift', reason: 'No drift: live auc 0.81 on 500 outcomes meets the minimum 0.7.', value: 0.8123, metric: 'auc', threshold: 0.7 },
};

/** Each chart's figure: its caption and its SVG. */
function figures(html: string): { caption: string; svg: string }[] {
  return [...html.matchAll(/<figure class="chart"><figcaption>(.*?)<\/figcaption>(<svg[\s\S]*?<\/svg>)<\/figure>/g)].map(([, caption, svg]) => ({ caption: caption!, svg: svg! }));
}

describe('compareToReference keeps the distributions it compared', () => {
  it('gives reference and live shares per bin and per category', () => {
    const [age, , city] = drift.features;
    if (age?.kind !== 'numeric' || city?.kind !== 'categorical') throw new Error('unexpected features');
    const ageReference = reference.features[0]!;
    if (ageReference.kind !== 'numeric') throw new Error('unexpected reference');
    expect(age.distribution.buckets).toEqual(binLabels(ageReference.edges));
    expect(age.distribution.reference).toEqual([...ageReference.shares, ageReference.missingShare]);
    // Ages shifted by 15 years: none of the live rows fall in the lowest bin (≤ 26), far more in the top one.
    expect(age.distribution.live[0]).toBe(0);
    expect(age.distribution.live.at(-2)).toBeGreaterThan(0.3);
    expect(age.distribution.live.reduce((sum, s) => sum + s, 0)).toBeCloseTo(1, 12);

    expect(city.distribution.buckets).toEqual(['paris', 'lyon', 'nice', '(unseen)', '(missing)']);
    expect(city.distribution.reference[3]).toBe(0);
    expect(city.distribution.live[3]).toBeCloseTo(14 / 700, 12);
    expect(drift.prediction?.distribution.buckets).toHaveLength(reference.prediction.edges.length + 2);
  });

  it('labels bins uniquely, with as many digits as that takes', () => {
    expect(binLabels([1, 2.5, 10])).toEqual(['≤ 1', '(1, 2.5]', '(2.5, 10]', '> 10', '(missing)']);
    expect(binLabels([1000.01, 1000.02])).toEqual(['≤ 1000.01', '(1000.01, 1000.02]', '> 1000.02', '(missing)']);
    expect(binLabels([])).toEqual(['all values', '(missing)']);
  });
});

describe('renderDriftReport', () => {
  it('draws one chart per feature and one for the scores, each with the PSI compareToReference computed', async () => {
    const html = await renderDriftReport({ reference, drift, facts });
    expect(html.match(/<svg/g)).toHaveLength(drift.features.length + 1);
    const charts = figures(html);
    expect(charts.map((chart) => chart.caption)).toEqual([
      ...drift.features.map((f) => escapeHtml(`${f.name} (${f.kind}): ${f.drifted ? 'drifted' : 'no drift'}, PSI ${formatNumber(f.psi)}`)),
      `scores: ${drift.prediction!.drifted ? 'drifted' : 'no drift'}, PSI ${formatNumber(drift.prediction!.psi)}`,
    ]);
    // The statistics table repeats them, with KS for the numeric features and chi-square and JS for the city.
    const [age, , city] = drift.features;
    expect(html).toContain(`<td class="num">${formatNumber(age!.ks!.statistic)} (p ${formatNumber(age!.ks!.pValue)})</td>`);
    expect(html).toContain(`<td class="num">${formatNumber(city!.chiSquare!.statistic)}, ${city!.chiSquare!.df} df (p ${formatNumber(city!.chiSquare!.pValue)})</td>`);
    expect(html).toContain(`<td class="num">${formatNumber(city!.jensenShannon!)}</td>`);
  });

  it('marks the drifted feature and not the steady one', async () => {
    expect(drift.driftedFeatures).toContain('age');
    expect(drift.driftedFeatures).not.toContain(WEIRD);
    const html = await renderDriftReport({ reference, drift, facts });
    expect(html).toMatch(/<tr class="error"><td>age<\/td><td>numeric<\/td>(<td class="num">[^<]*<\/td>){4}<td class="fail">drifted<\/td>/);
    expect(html).toContain(`<tr><td>${escapeHtml(WEIRD)}</td><td>numeric</td>`);
    const steady = figures(html).find((chart) => chart.caption.startsWith(escapeHtml(WEIRD)))!;
    expect(steady.caption).toContain('no drift');
    // The drifted chart draws the live bars in red.
    expect(figures(html)[0]!.svg).toContain('fill="#cf222e"');
    expect(steady.svg).not.toContain('fill="#cf222e"');
  });

  it('shows the summary: verdict, reason, rows, window, version and the live metric against its threshold', async () => {
    const html = await renderDriftReport({ reference, drift, facts });
    expect(html).toContain('<dt>Verdict</dt><dd>drift</dd>');
    expect(html).toContain(`<dd>${escapeHtml(drift.reason)}</dd>`);
    expect(html).toContain('<dd>700 live, 2000 reference</dd>');
    expect(html).toContain('<dd>2025-01-01T00:00:00.000Z .. 2025-01-02T00:00:00.000Z</dd>');
    expect(html).toContain('<dd>v3</dd>');
    expect(html).toContain('<dd>auc 0.8123 vs threshold 0.7: no-drift</dd>');
  });

  it('escapes feature names everywhere, captions, table and charts', async () => {
    const html = await renderDriftReport({ reference, drift, facts });
    expect(html).not.toContain('<b>');
    expect(html).toContain(escapeHtml(WEIRD));
  });

  it('lists every category of a categorical feature, unseen and missing too, on both sides', async () => {
    const html = await renderDriftReport({ reference, drift, facts });
    const city = figures(html).find((chart) => chart.caption.startsWith('city'))!;
    for (const category of ['paris', 'lyon', 'nice', '(unseen)', '(missing)']) {
      expect(city.svg).toContain(`>${category}</text>`);
      const bars = [...city.svg.matchAll(/aria-label="share of rows: [^;]*; category: ([^;]*); source: (reference|live)"/g)].filter(([, name]) => name === category);
      expect(bars.map(([, , source]) => source)).toEqual(['reference', 'live']);
    }
  });

  it(`pools the smallest categories past ${MAX_CHART_CATEGORIES} into one bar`, async () => {
    const many = Array.from({ length: 3000 }, (_, i) => ({ code: `c${i % 60}`, x: i }));
    const wide = buildDriftReference({ rows: many, numeric: ['x'], categorical: ['code'], scores: many.map((_, i) => i / 3000) });
    const report = compareToReference(wide, many.slice(0, 600), many.slice(0, 600).map((_, i) => i / 3000), thresholds);
    const chart = figures(await renderDriftReport({ reference: wide, drift: report, facts }))[1]!;
    expect(chart.svg).toContain(`>(${62 - MAX_CHART_CATEGORIES + 1} other categories)</text>`);
    expect(chart.svg.match(/aria-roledescription="bar"/g)).toHaveLength(2 * MAX_CHART_CATEGORIES);
  });

  it('says so, without charts, when there were too few rows', async () => {
    const few = compareToReference(reference, live.slice(0, 10), live.slice(0, 10).map(score), thresholds);
    const html = await renderDriftReport({ reference, drift: few, facts });
    expect(html).not.toContain('<svg');
    expect(html).toContain('<dt>Verdict</dt><dd>insufficient-data</dd>');
    expect(html).toContain('Insufficient data: 10 logged rows, fewer than the 100 needed to judge drift.');
  });
});
