import type { Client } from '@temporalio/client';
import { expect } from 'vitest';
import type { PipelineRunResult } from '../../contracts/pipeline-run.js';
import { runKeys } from '../../storage/layout.js';
import { uriOf } from '../../contracts/pipeline-run.js';
import type { ObjectStore as Storage } from '../../storage/gateway.js';

export interface StoredRunReport {
  html: string;
  /** Each chart's caption, in page order, for the charts that hold an SVG. */
  charts: string[];
}

/**
 * A finished run's report as stored in MinIO, checked against what the run hands back and its
 * memo: the result names the report, and the memo carries the spec name, its hash and the link.
 */
export async function readRunReport(client: Client, storage: Storage, runId: string, pipeline: string): Promise<StoredRunReport> {
  const handle = client.workflow.getHandle(runId);
  const result = (await handle.result()) as PipelineRunResult;
  const ref = runKeys.report(runId);
  expect(result.report).toEqual(ref);
  const { memo } = await handle.describe();
  expect(memo).toEqual({ pipeline, specHash: result.specHash, report: uriOf(ref) });
  expect(result.specHash).toMatch(/^[0-9a-f]{64}$/);
  const html = (await storage.getBuffer(ref)).toString('utf8');
  expect(html.startsWith('<!doctype html>')).toBe(true);
  for (const id of ['data', 'training', 'evaluation', 'comparison']) expect(html).toContain(`<section id="${id}">`);
  const charts = [...html.matchAll(/<figcaption>([^<]*)<\/figcaption><svg/g)].map((match) => match[1]!);
  return { html, charts };
}

/** The number a report wrote for a value: four significant digits. */
export const shown = (value: number): string => String(Number(value.toPrecision(4)));
