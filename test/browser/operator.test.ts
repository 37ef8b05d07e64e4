import { randomUUID } from 'node:crypto';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { PipelineRunResult } from '../../contracts/pipeline-run.js';
import { requestRun, waitForRun } from '../../clients/model-client.js';
import { registerPipeline } from '../../pipelines/index.js';
import seattleTemperature from '../../pipelines/seattle-temperature.js';
import { createUiServer } from '../../ui/server.js';
import { launchBrowser, screenshot } from '../support/browser.js';
import { untilEpoch } from '../support/run-progress.js';
import { ObjectStore } from '../../storage/gateway.js';
import { connectTemporal } from '../../harness/temporal.js';
import type { RunningWorkers } from '../../harness/workers.js';
import { startWorkers } from '../../harness/workers.js';

const stack = inject('stack');
/** A binary classifier on Seattle's weather (is the day warmer than 20 °C?), so the report has ROC, PR and calibration charts. */
const modelName = `warm-days-${randomUUID().slice(0, 6)}`;
registerPipeline({
  ...seattleTemperature,
  name: modelName,
  description: 'Binary: a day warmer than 20 °C, from its minimum temperature, rain, wind, weather and month',
  label: { column: 'warm', kind: 'binary', positiveWhen: { column: 'temp_max', greaterThan: 20 } },
  training: { epochs: 30, batchSize: 32, learningRate: 3e-3, earlyStopPatience: 5, seed: 7 },
  evaluation: { metric: 'auc', threshold: 0.6, maxRegression: 0.01 },
});

let temporal: Awaited<ReturnType<typeof connectTemporal>>;
let workers: RunningWorkers;
let browser: Browser;
let page: Page;
let finished: PipelineRunResult;
const ui = createUiServer({ storage: new ObjectStore(stack.minio), links: { webUi: `${stack.webUi}/namespaces/${stack.namespace}` } });
let uiUrl: string;

beforeAll(async () => {
  temporal = await connectTemporal(stack);
  workers = await startWorkers(stack, temporal);
  browser = await launchBrowser();
  page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  uiUrl = await ui.listen({ port: 0, host: '127.0.0.1' });
  const { runId } = await requestRun(temporal.client, modelName, { reason: 'first training', source: 'cli' }, workers);
  const { run } = await waitForRun(temporal.client, modelName, runId);
  expect(run.status).toBe('registered');
  finished = (await temporal.client.workflow.getHandle(runId).result()) as PipelineRunResult;
});
afterAll(async () => {
  await browser?.close();
  await ui.close();
  await workers?.stop();
  await temporal?.close();
});

/** Reloads `url` until `text` shows (the Web UI reads visibility, which follows the history by a moment). */
async function openUntilVisible(url: string, text: string): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    await page.goto(url);
    try {
      await page.getByText(text, { exact: true }).first().waitFor({ timeout: 5_000 });
      return;
    } catch (error) {
      if (attempt === 5) throw error;
    }
  }
}

describe.sequential('what an operator sees, in headless Chromium', () => {
  it("finds the finished run in the Temporal Web UI by its model's and dataset version's search attributes", async () => {
    const query = `ModelName="${modelName}" AND DatasetVersion="${finished.datasetVersion}" AND WorkflowType="trainingPipelineWorkflow" AND ExecutionStatus="Completed"`;
    await openUntilVisible(`${stack.webUi}/namespaces/${stack.namespace}/workflows?query=${encodeURIComponent(query)}`, finished.runId);
    const row = page.getByRole('row').filter({ hasText: finished.runId });
    await expect(row.count()).resolves.toBe(1);
    expect(await row.innerText()).toMatch(/Completed/i);
    await screenshot(page, 'web-ui-search');
  });

  it("shows the run's memo: its pipeline, spec hash and report", async () => {
    await page.goto(`${stack.webUi}/namespaces/${stack.namespace}/workflows/${encodeURIComponent(finished.runId)}`);
    await page.getByText('Memo').filter({ visible: true }).first().click();
    await page.getByText(finished.specHash).first().waitFor();
    const memo = await page.locator('body').innerText();
    expect(memo).toContain(`"pipeline": "${modelName}"`);
    expect(memo).toContain(`"report": "s3://ctrain-artifacts/runs/${finished.runId}/report.html"`);
    await screenshot(page, 'web-ui-memo');
  });

  it("shows a running training's epoch, loss and validation loss from its heartbeats", async () => {
    const { runId } = await requestRun(temporal.client, modelName, { reason: 'a long training to watch', source: 'cli', overrides: { training: { epochs: 10_000, earlyStopPatience: 10_000 } } }, workers);
    try {
      const seen = await untilEpoch(temporal.client, runId, 5);
      await page.goto(`${stack.webUi}/namespaces/${stack.namespace}/workflows/${encodeURIComponent(runId)}`);
      await page.getByText('Pending Activities').first().click();
      await page.getByText('Heartbeat Details').filter({ visible: true }).first().waitFor();
      const pending = await page.locator('body').innerText();
      expect(pending).toContain('train');
      const epoch = Number(/"epoch":\s*(\d+)/.exec(pending)?.[1]);
      expect(epoch).toBeGreaterThanOrEqual(seen);
      expect(pending).toMatch(/"loss":\s*\d/);
      expect(pending).toMatch(/"valLoss":\s*\d/);
      expect(pending).toContain('"maxEpochs": 10000');
      await screenshot(page, 'web-ui-heartbeat');
    } finally {
      await temporal.client.workflow.getHandle(runId).cancel();
    }
    const { run } = await waitForRun(temporal.client, modelName, runId);
    expect(run.status).toBe('cancelled');
  });

  it("answers the model workflow's registry query from the Web UI", async () => {
    await page.goto(`${stack.webUi}/namespaces/${stack.namespace}/workflows/${encodeURIComponent(`model:${modelName}`)}`);
    await page.getByText('Queries').filter({ visible: true }).first().click();
    await page.getByTestId('query-select-button').click();
    await page.getByRole('option', { name: 'registry', exact: true }).click();
    await page.getByRole('button', { name: 'Run Query' }).click();
    await page.getByText(`"modelName": "${modelName}"`).first().waitFor();
    const answer = await page.locator('body').innerText();
    expect(answer).toContain(`"runId": "${finished.runId}"`);
    // The answer is the registry as the workflow holds it: the finished run's version, with its lineage.
    expect(answer).toContain(`"datasetVersion": "${finished.datasetVersion}"`);
    expect(answer).toContain(`"specHash": "${finished.specHash}"`);
    await screenshot(page, 'web-ui-query');
  });

  it("lists the model and its runs in ctrain ui and renders the run report's charts", async () => {
    await page.goto(uiUrl);
    await page.getByRole('link', { name: modelName }).click();
    await page.getByRole('row').filter({ hasText: 'cancelled' }).first().waitFor();
    await screenshot(page, 'ui-model');

    await page.getByRole('row').filter({ hasText: finished.runId }).first().getByRole('link', { name: 'report' }).click();
    await page.locator('figure.chart svg').first().waitFor();
    const charts = page.locator('figure.chart');
    const captions = await charts.locator('figcaption').allInnerTexts();
    expect(captions.length).toBeGreaterThanOrEqual(4);
    for (const expected of [/loss/i, /ROC/, /precision/i, /calibration/i, /confusion/i]) expect(captions.some((caption) => expected.test(caption))).toBe(true);
    // Each chart drew something: a plot area of real size with marks inside it.
    for (const chart of await charts.locator('svg').all()) {
      const box = await chart.boundingBox();
      expect(box?.width).toBeGreaterThan(100);
      expect(box?.height).toBeGreaterThan(50);
      expect(await chart.locator('.mark-line path, .mark-rect path, .mark-symbol path, .mark-area path, .mark-rule line').count()).toBeGreaterThan(0);
    }
    await screenshot(page, 'report');
  });
});
