import { modelArgument } from './arguments.js';
import { randomUUID } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import type { DriftCheckResult } from '../contracts/drift-check.js';
import type { RetrainRequest } from '../contracts/model.js';
import { modelWorkflowId, pauseUpdate, retrainSignal } from '../contracts/model.js';
import { checkName } from '../contracts/names.js';
import { TASK_QUEUES } from '../contracts/stack.js';
import type { modelWorkflow } from '../workflows/model.js';
import { driftCheckWorkflow } from '../workflows/index.js';
import { output, withClient } from './connect.js';
import { ObjectStore } from '../storage/gateway.js';
import { uriOf } from '../contracts/pipeline-run.js';
import { createCatalog } from '../ui/catalog.js';
import { checkKnownModel } from '../pipelines/known-models.js';

export function registerDriftCommands(program: Command): void {
  const drift = program.command('drift').description('drift signals, checks and reports');

  drift
    .command('signal')
    .description('send the model workflow a drift signal by hand (starts it if it is not running)')
    .argument('<model>', 'the model', modelArgument)
    .requiredOption('--reason <text>', 'why, recorded with the decision')
    .action(async (modelName: string, options: { reason: string }) => {
      await withClient(async (client, config) => {
        await checkKnownModel(new ObjectStore(config.minio), modelName);
        await client.workflow.signalWithStart<typeof modelWorkflow, [RetrainRequest]>('modelWorkflow', {
          workflowId: modelWorkflowId(modelName),
          taskQueue: TASK_QUEUES.general,
          args: [{ modelName }],
          signal: retrainSignal,
          signalArgs: [{ reason: options.reason, source: 'cli' }],
          searchAttributes: { ModelName: [modelName] },
        });
        console.log(`signalled ${modelWorkflowId(modelName)}; see its decision with \`npx ctrain models show ${modelName} --json\``);
      });
    });

  drift
    .command('check')
    .description('run the drift check now and print its verdict')
    .argument('<model>', 'the model', modelArgument)
    .option('--json', 'print JSON')
    .action(async (modelName: string, options: { json?: boolean }) => {
      await withClient(async (client, config) => {
        await checkKnownModel(new ObjectStore(config.minio), modelName);
        const result = await client.workflow.execute(driftCheckWorkflow, { taskQueue: TASK_QUEUES.general, workflowId: `drift-check:${modelName}:${randomUUID().slice(0, 8)}`, args: [{ modelName }] });
        output(options.json ?? false, result, () => describeCheck(result));
      });
    });

  drift
    .command('report')
    .description("the model's latest drift report")
    .argument('<model>', 'the model', modelArgument)
    .option('--json', 'print JSON')
    .option('--html <file>', 'also save its HTML page (charts per feature) to this file')
    .action(async (modelName: string, options: { json?: boolean; html?: string }) => {
      await withClient(async (_client, config) => {
        const storage = new ObjectStore(config.minio);
        const latest = (await createCatalog(storage).driftReports(checkName(modelName)))[0];
        if (!latest) throw new Error(`no drift report for ${modelName} yet; run \`npx ctrain drift check ${modelName}\``);
        const report = await storage.getJson<Record<string, unknown>>(latest.json);
        const { html } = latest;
        if (options.html) {
          if (!html) throw new Error(`${uriOf(latest.json)} has no HTML page beside it (written by an older ctrain)`);
          await writeFile(options.html, await storage.getBuffer(html));
        }
        const page = html ? `page: ${uriOf(html)}${options.html ? ` (saved to ${options.html})` : ''}` : 'no HTML page';
        output(options.json ?? false, { ...report, reportHtml: html }, () => [uriOf(latest.json), page, JSON.stringify(report, null, 2)]);
      });
    });

  const retrain = program.command('retrain').description('automatic retraining of a model');
  for (const [name, paused] of [['pause', true], ['resume', false]] as const) {
    retrain
      .command(name)
      .description(`${name} automatic retraining (drift, alert and schedule signals); explicit runs still run`)
      .argument('<model>', 'the model', modelArgument)
      .action(async (modelName: string) => {
        await withClient(async (client, config) => {
          await checkKnownModel(new ObjectStore(config.minio), modelName);
          const result = await client.workflow.getHandle(modelWorkflowId(modelName)).executeUpdate(pauseUpdate, { args: [{ paused }] });
          console.log(`${modelName}: automatic retraining ${result.paused ? 'paused' : 'resumed'}`);
        });
      });
  }
}

function describeCheck(result: DriftCheckResult): string[] {
  return [
    `${result.modelName} v${result.productionVersion ?? '-'}: ${result.verdict} (${result.rows} rows, ${result.since} .. ${result.until})`,
    `  ${result.reason}`,
    ...(result.outcome
      ? [`  outcomes: ${result.outcome.verdict}`, ...result.outcome.windows.map((window) => `    ${window.reason}`), ...(result.outcome.note ? [`    (${result.outcome.note})`] : [])]
      : result.performance
        ? [`  performance: ${result.performance.verdict}: ${result.performance.reason}`]
        : []),
    `  ${result.signalled ? 'signalled the model workflow' : 'no signal sent'}${result.report ? `; report ${uriOf(result.report)}` : ''}`,
    ...(result.reportHtml ? [`  page ${uriOf(result.reportHtml)}`] : []),
  ];
}
