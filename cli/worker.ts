import type { Command } from 'commander';
import { Option } from 'commander';
import type { Worker } from '@temporalio/worker';
import { TASK_QUEUES } from '../contracts/stack.js';
import { configFromEnv } from '../infra/config.js';

interface WorkerOptions {
  role: 'general' | 'trainer' | 'all';
  taskQueue: string;
  trainTaskQueue: string;
}

export function registerWorkerCommand(program: Command): void {
  program
    .command('worker')
    .description('run workers until SIGINT/SIGTERM: general (workflows and CPU steps), trainer (training only, e.g. on a GPU machine) or all')
    .addOption(new Option('--role <role>', 'which task queues to serve').choices(['general', 'trainer', 'all']).default('all'))
    .option('--task-queue <queue>', 'general task queue', TASK_QUEUES.general)
    .option('--train-task-queue <queue>', 'trainer task queue', TASK_QUEUES.train)
    .action(async (options: WorkerOptions) => {
      // In the order they were imported before they were loaded here.
      const { installWorkerRuntime } = await import('../infra/temporal.js');
      const { logLevelFromEnv } = await import('../infra/worker-telemetry.js');
      const { connectWorkers, temporalOptionsFromEnv } = await import('../infra/temporal-connection.js');
      const { WORKER_SERVICE_NAME } = await import('../infra/tracing.js');
      const { createDependencies } = await import('../workers/dependencies.js');
      const { createGeneralWorker } = await import('../workers/general.js');
      const { createTrainerWorker } = await import('../workers/trainer.js');
      const config = configFromEnv();
      // With OTEL_EXPORTER_OTLP_(TRACES_)ENDPOINT, traces of workflows and steps, the activities' own client calls included.
      const temporal = await temporalOptionsFromEnv(process.env, config.temporal, WORKER_SERVICE_NAME);
      const { tracing } = temporal;
      // JSON logs on stdout (CTRAIN_LOG_LEVEL, default info) and, with CTRAIN_WORKER_METRICS_PORT, Prometheus metrics.
      const runtime = installWorkerRuntime(logLevelFromEnv() ?? 'INFO');
      const connection = await connectWorkers(temporal);
      const deps = await createDependencies(config, options.taskQueue, temporal);
      const workers: Worker[] = [];
      const base = { connection, namespace: temporal.namespace, dataConverter: temporal.dataConverter, tracing, deps };
      if (options.role !== 'trainer') workers.push(await createGeneralWorker({ ...base, taskQueue: options.taskQueue }));
      if (options.role !== 'general') workers.push(await createTrainerWorker({ ...base, taskQueue: options.trainTaskQueue }));
      const queues = [options.role !== 'trainer' ? options.taskQueue : undefined, options.role !== 'general' ? options.trainTaskQueue : undefined].filter(Boolean);
      const security = [temporal.tls ? 'TLS' : undefined, temporal.payloadKeyId ? `payloads encrypted with key ${temporal.payloadKeyId}` : undefined].filter(Boolean);
      const metrics = runtime.metricsAddress ? `; metrics on http://${runtime.metricsAddress}/metrics` : '';
      // Said at any log level: scripts and tests wait for it.
      runtime.log.child({}, { level: 'info' }).info(
        { role: options.role, taskQueues: queues, temporalAddress: config.temporal.address, tls: Boolean(temporal.tls), payloadKeyId: temporal.payloadKeyId, metricsAddress: runtime.metricsAddress, tracesUrl: tracing?.url },
        `ctrain: worker (${options.role}) ready on ${queues.join(', ')} at ${config.temporal.address}${security.length ? ` (${security.join(', ')})` : ''}${metrics}${tracing ? `; traces to ${tracing.url}` : ''}`,
      );
      // Each worker stops on SIGINT/SIGTERM, finishing or handing back its tasks.
      await Promise.all(workers.map((worker) => worker.run()));
      await connection.close();
      await tracing?.shutdown();
    });
}
