import * as vega from 'vega';
import { compile } from 'vega-lite';
import type { TopLevelSpec } from 'vega-lite';

/**
 * A Vega-Lite chart rendered to a standalone SVG string, headless (no canvas, no browser), so a
 * report is one self-contained HTML file. Text widths are estimated, which is fine for labels.
 */
export async function renderChart(spec: TopLevelSpec): Promise<string> {
  const view = new vega.View(vega.parse(compile({ background: 'white', ...spec }).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** Chart defaults shared by every report, so the charts look like one family. */
export const CHART = { width: 360, height: 240 } as const;
