/**
 * Vega-Lite specs for a run report's charts: pure functions from plotted points to a spec, so
 * each chart reads on its own. report/svg.ts renders them; report/run-report.ts picks them.
 */
import type { TopLevelSpec } from 'vega-lite';
import { CHART } from './svg.js';

/** One model's series in a chart that compares models ('candidate', 'production v3'). */
export interface Series<T> {
  label: string;
  points: readonly T[];
}

const CANDIDATE_COLOR = '#0969da';
const PRODUCTION_COLOR = '#bc4c00';

/** Candidate first in blue, production in orange, in every chart. */
function modelColor(models: readonly string[]) {
  return { field: 'model', type: 'nominal' as const, title: 'model', scale: { domain: [...models], range: [CANDIDATE_COLOR, PRODUCTION_COLOR] } };
}

const q = (field: string, title: string, extra: Record<string, unknown> = {}) => ({ field, type: 'quantitative' as const, title, ...extra });
const unit = { domain: [0, 1] };

function flatten<T extends object>(series: readonly Series<T>[]): (T & { model: string })[] {
  return series.flatMap(({ label, points }) => points.map((point) => ({ ...point, model: label })));
}

/** A dashed reference line from (x0, y0) to (x1, y1). */
function diagonal(x0: number, y0: number, x1: number, y1: number, xField: string, yField: string) {
  return {
    data: { values: [{ [xField]: x0, [yField]: y0 }, { [xField]: x1, [yField]: y1 }] },
    mark: { type: 'line' as const, color: '#8c959f', strokeDash: [4, 4] },
    encoding: { x: { field: xField, type: 'quantitative' as const }, y: { field: yField, type: 'quantitative' as const } },
  };
}

/** Training and validation loss per epoch, with the best epoch marked by a rule. */
export function lossChart(history: readonly { epoch: number; loss: number; valLoss: number | null }[], bestEpoch: number): TopLevelSpec {
  const values = history.flatMap(({ epoch, loss, valLoss }) => [{ epoch, loss, split: 'training' }, ...(valLoss === null ? [] : [{ epoch, loss: valLoss, split: 'validation' }])]);
  return {
    ...CHART,
    layer: [
      {
        data: { values },
        mark: { type: 'line', point: history.length <= 60 },
        encoding: { x: q('epoch', 'epoch', { axis: { tickMinStep: 1 } }), y: q('loss', 'loss', { scale: { zero: false } }), color: { field: 'split', type: 'nominal', title: 'split', scale: { range: [CANDIDATE_COLOR, PRODUCTION_COLOR] } } },
      },
      {
        data: { values: [{ epoch: bestEpoch, label: `best epoch ${bestEpoch}` }] },
        layer: [
          { mark: { type: 'rule', color: '#1a7f37', strokeDash: [2, 2] }, encoding: { x: q('epoch', 'epoch') } },
          { mark: { type: 'text', color: '#1a7f37', align: 'left', dx: 4, y: 8 }, encoding: { x: q('epoch', 'epoch'), text: { field: 'label' } } },
        ],
      },
    ],
  };
}

export function rocChart(series: readonly Series<{ fpr: number; tpr: number }>[]): TopLevelSpec {
  return {
    ...CHART,
    layer: [
      diagonal(0, 0, 1, 1, 'fpr', 'tpr'),
      { data: { values: flatten(series) }, mark: 'line', encoding: { x: q('fpr', 'false positive rate', { scale: unit }), y: q('tpr', 'true positive rate', { scale: unit }), color: modelColor(series.map((s) => s.label)), order: { field: 'fpr' } } },
    ],
  };
}

export function precisionRecallChart(series: readonly Series<{ recall: number; precision: number }>[]): TopLevelSpec {
  return {
    ...CHART,
    data: { values: flatten(series) },
    mark: 'line',
    encoding: { x: q('recall', 'recall', { scale: unit }), y: q('precision', 'precision', { scale: unit }), color: modelColor(series.map((s) => s.label)), order: { field: 'recall' } },
  };
}

/** Mean predicted probability against the observed share of positives per bin; the diagonal is perfect calibration. */
export function calibrationChart(series: readonly Series<{ meanPredicted: number; fractionPositive: number; count: number }>[]): TopLevelSpec {
  return {
    ...CHART,
    layer: [
      diagonal(0, 0, 1, 1, 'meanPredicted', 'fractionPositive'),
      {
        data: { values: flatten(series) },
        mark: { type: 'line', point: true },
        encoding: { x: q('meanPredicted', 'mean predicted probability', { scale: unit }), y: q('fractionPositive', 'observed share of positives', { scale: unit }), color: modelColor(series.map((s) => s.label)) },
      },
    ],
  };
}

/** Rows by actual and predicted class, counts written in the cells. */
export function confusionChart({ tp, fp, fn, tn }: { tp: number; fp: number; fn: number; tn: number }): TopLevelSpec {
  const values = [
    { actual: 'positive', predicted: 'positive', count: tp },
    { actual: 'positive', predicted: 'negative', count: fn },
    { actual: 'negative', predicted: 'positive', count: fp },
    { actual: 'negative', predicted: 'negative', count: tn },
  ];
  const order = { sort: ['positive', 'negative'] };
  const dark = Math.max(tp, fp, fn, tn) / 2;
  return {
    width: 240,
    height: 200,
    data: { values },
    encoding: { x: { field: 'predicted', type: 'nominal', title: 'predicted', ...order, axis: { labelAngle: 0 } }, y: { field: 'actual', type: 'nominal', title: 'actual', ...order } },
    layer: [
      { mark: 'rect', encoding: { color: { field: 'count', type: 'quantitative', legend: null, scale: { scheme: 'blues' } } } },
      {
        mark: { type: 'text', fontSize: 14, fontWeight: 'bold' },
        encoding: { text: { field: 'count', type: 'quantitative', format: ',' }, color: { condition: { test: `datum.count > ${dark}`, value: 'white' }, value: '#1f2328' } },
      },
    ],
  };
}

/** Predicted against actual, one point per sampled row; the diagonal is a perfect prediction. */
export function scatterChart(series: readonly Series<{ actual: number; predicted: number }>[]): TopLevelSpec {
  const values = flatten(series);
  const all = values.flatMap((point) => [point.actual, point.predicted]);
  const low = Math.min(...all);
  const high = Math.max(...all);
  return {
    ...CHART,
    layer: [
      // aria off: a label per point would double the size of the SVG.
      { data: { values }, mark: { type: 'circle', size: 12, opacity: 0.45, aria: false }, encoding: { x: q('actual', 'actual', { scale: { zero: false } }), y: q('predicted', 'predicted', { scale: { zero: false } }), color: modelColor(series.map((s) => s.label)) } },
      diagonal(low, low, high, high, 'actual', 'predicted'),
    ],
  };
}

/** Bars from `lower` to `upper` with height `value`; overlaid (not stacked), with a legend, when there are two models. */
export function binChart(series: readonly Series<{ lower: number; upper: number; value: number }>[], xTitle: string, yTitle: string): TopLevelSpec {
  return {
    ...CHART,
    data: { values: flatten(series) },
    mark: { type: 'rect', opacity: series.length > 1 ? 0.55 : 0.85, stroke: 'white', strokeWidth: 0.5 },
    encoding: {
      x: q('lower', xTitle, { scale: { zero: false } }),
      x2: { field: 'upper' },
      y: q('value', yTitle, { stack: null }),
      color: series.length > 1 ? modelColor(series.map((s) => s.label)) : { value: CANDIDATE_COLOR },
    },
  };
}

/**
 * Densities over bins as step areas, one per model, overlaid: models binned apart still compare,
 * since each bin's height is its share of rows per unit of width.
 */
export function densityChart(series: readonly Series<{ lower: number; upper: number; count: number }>[], xTitle: string): TopLevelSpec {
  const steps = series.map(({ label, points }) => {
    const total = points.reduce((sum, bin) => sum + bin.count, 0);
    const density = (bin: { lower: number; upper: number; count: number }) => (bin.upper > bin.lower && total > 0 ? bin.count / total / (bin.upper - bin.lower) : 0);
    const last = points.at(-1);
    // step-after draws each bin from its lower edge; a last point closes the last bin at its upper edge.
    return { label, points: [...points.map((bin) => ({ x: bin.lower, density: density(bin) })), ...(last ? [{ x: last.upper, density: density(last) }] : [])] };
  });
  return {
    ...CHART,
    data: { values: flatten(steps) },
    mark: { type: 'area', interpolate: 'step-after', opacity: 0.3, line: true },
    encoding: { x: q('x', xTitle, { scale: { zero: false } }), y: q('density', 'share of rows per unit', { stack: null }), color: modelColor(series.map((s) => s.label)) },
  };
}

/** Horizontal bars, largest first, with optional ± error whiskers. */
export function barChart(bars: readonly { label: string; value: number; error?: number }[], xTitle: string): TopLevelSpec {
  const values = [...bars].sort((a, b) => b.value - a.value).map(({ label, value, error = 0 }) => ({ label, value, low: value - error, high: value + error }));
  const withErrors = bars.some((bar) => bar.error !== undefined && bar.error > 0);
  return {
    width: CHART.width,
    height: { step: 18 },
    data: { values },
    encoding: { y: { field: 'label', type: 'nominal', title: null, sort: values.map((bar) => bar.label) } },
    layer: [
      { mark: { type: 'bar', color: CANDIDATE_COLOR }, encoding: { x: q('value', xTitle) } },
      ...(withErrors ? [{ mark: { type: 'rule', color: '#1f2328' }, encoding: { x: q('low', xTitle), x2: { field: 'high' } } }] : []),
    ],
  } as TopLevelSpec;
}
