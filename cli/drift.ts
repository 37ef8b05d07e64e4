import { modelArgument } from './arguments.js';
import { randomUUID } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import type { Client } from '@temporalio/client';
import type { DriftCheckResult } from '../contracts/drift-check.js';
import type { RetrainRequest } from '../contracts/model.js';
import { uriOf } from '../contracts/pipeline-run.js';
import { TASK_QUEUES } from '../contracts/stack.js';
import type { ServiceConfig } from '../infra/config.js';
import type { modelWorkflow } from '../workflows/model.js';
import { durationArgument } from './duration-argument.js';

/** How long `drift check` waits for its verdict unless --timeout says otherwise. */
const CHECK_TIMEOUT_MS = 120_000;
/** How long `retrain pause|resume` wait for the model workflow's answer. */
const UPDATE_TIMEOUT_MS = 30_000;

export function registerDriftCommands(program: Command): void {
  const drift = program.command('drift').description('drift signals, checks and reports');

  drift
    .command('signal')
    .description('send the model workflow a drift signal by hand (starts it if it is not running); needs a running worker')
    .argument('<model>', 'the model', modelArgument)
    .requiredOption('--reason <text>', 'why, recorded with the decision')
    .action(async (modelName: string, options: { reason: string }) => {
      const { modelWorkflowId, retrainSignal } = await import('../contracts/model.js');
      await withKnownModel(modelName, async (client, config) => {
        await (await import('../clients/worker-presence.js')).requireModelWorker(client, modelName, { address: config.temporal.address });
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
    .description('run the drift check now and print its verdict; needs a running worker')
    .argument('<model>', 'the model', modelArgument)
    .option('--timeout <duration>', 'how long to wait for the verdict (default 2 minutes); then the check is stopped', durationArgument)
    .option('--json', 'print JSON')
    .action(async (modelName: string, options: { json?: boolean; timeout?: number }) => {
      const [{ requireWorker }, { executeBounded }] = await Promise.all([import('../clients/worker-presence.js'), import('../clients/bounded-workflow.js')]);
      await withKnownModel(modelName, async (client, config) => {
        const { address } = config.temporal;
        const taskQueue = TASK_QUEUES.general;
        await requireWorker(client, taskQueue, { address });
        const result = await executeBounded<DriftCheckResult>(client, 'driftCheckWorkflow', {
          workflowId: `drift-check:${modelName}:${randomUUID().slice(0, 8)}`,
          taskQueue,
          args: [{ modelName }],
          timeoutMs: options.timeout ?? CHECK_TIMEOUT_MS,
          what: `the drift check of ${modelName}`,
          address,
          hint: `give it longer with \`npx ctrain drift check ${modelName} --timeout 10m\`, or see the worker's log`,
        });
        print(options.json ?? false, result, () => describeCheck(result));
      });
    });

  drift
    .command('report')
    .description("the model's latest drift report")
    .argument('<model>', 'the model', modelArgument)
    .option('--json', 'print JSON')
    .option('--html <file>', 'also save its HTML page (charts per feature) to this file')
    .action(async (modelName: string, options: { json?: boolean; html?: string }) => {
      const [{ configFromEnv }, { ObjectStore }, { createCatalog }, { checkName }] = await Promise.all([
        import('../infra/config.js'),
        import('../storage/gateway.js'),
        import('../ui/catalog.js'),
        import('../contracts/names.js'),
      ]);
      const storage = new ObjectStore(configFromEnv().minio);
      const latest = (await createCatalog(storage).driftReports(checkName(modelName)))[0];
      if (!latest) throw new Error(`no drift report for ${modelName} yet; run \`npx ctrain drift check ${modelName}\``);
      const report = await storage.getJson<Record<string, unknown>>(latest.json);
      const { html } = latest;
      if (options.html) {
        if (!html) throw new Error(`${uriOf(latest.json)} has no HTML page beside it (written by an older ctrain)`);
        await writeFile(options.html, await storage.getBuffer(html));
      }
      const page = html ? `page: ${uriOf(html)}${options.html ? ` (saved to ${options.html})` : ''}` : 'no HTML page';
      print(options.json ?? false, { ...report, reportHtml: html }, () => [uriOf(latest.json), page, JSON.stringify(report, null, 2)]);
    });

  const retrain = program.command('retrain').description('automatic retraining of a model');
  for (const [name, paused] of [['pause', true], ['resume', false]] as const) {
    retrain
      .command(name)
      .description(`${name} automatic retraining (drift, alert and schedule signals); explicit runs still run; needs a running worker`)
      .argument('<model>', 'the model', modelArgument)
      .action(async (modelName: string) => {
        const [{ modelWorkflowId, pauseUpdate }, { requireWorkerFor, withWorkerDeadline }] = await Promise.all([import('../contracts/model.js'), import('../clients/worker-presence.js')]);
        await withKnownModel(modelName, async (client, config) => {
          const { address } = config.temporal;
          const workflowId = modelWorkflowId(modelName);
          const taskQueue = await requireWorkerFor(client, workflowId, { address });
          const waitingFor = `the model workflow ${workflowId} did not answer within ${UPDATE_TIMEOUT_MS / 1000} s; it may still ${name} retraining once a worker takes it`;
          const result = await withWorkerDeadline(client, { address, taskQueue, ms: UPDATE_TIMEOUT_MS, waitingFor }, () => client.workflow.getHandle(workflowId).executeUpdate(pauseUpdate, { args: [{ paused }] }));
          console.log(`${modelName}: automatic retraining ${result.paused ? 'paused' : 'resumed'}`);
        });
      });
  }
}

/** Runs `body` with a Temporal client once MinIO says ctrain knows the model. */
async function withKnownModel(modelName: string, body: (client: Client, config: ServiceConfig) => Promise<void>): Promise<void> {
  const [{ withClient }, { ObjectStore }, { checkKnownModel }] = await Promise.all([import('./connect.js'), import('../storage/gateway.js'), import('../pipelines/known-models.js')]);
  await withClient(async (client, config) => {
    await checkKnownModel(new ObjectStore(config.minio), modelName);
    await body(client, config);
  });
}

/** Prints data as JSON (for --json) or as lines for people. */
function print(json: boolean, data: unknown, lines: () => string[]): void {
  console.log(json ? JSON.stringify(data, null, 2) : lines().join('\n'));
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
