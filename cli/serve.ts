import type { Command } from 'commander';
import { loadPipeline, pipelineNames } from '../pipelines/index.js';
import { DEFAULT_SERVE_PORT, runModelServer } from '../serving/main.js';

interface ServeOptions {
  port: string;
  host: string;
  models?: string[];
  logLevel: string;
}

export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description('serve the production (and canary) versions over HTTP; reloads when an alias moves')
    .option('--port <port>', 'TCP port', String(DEFAULT_SERVE_PORT))
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--models <names...>', 'models to serve (default: every model in the registry)')
    .option('--log-level <level>', 'pino log level', 'info')
    .action(async (options: ServeOptions) => {
      // Each model's canary share comes from its spec's deploy policy.
      const canaryPercent = Object.fromEntries(pipelineNames().map((name) => [name, loadPipeline(name).deploy.canaryPercent]));
      const server = await runModelServer({
        port: Number(options.port),
        host: options.host,
        models: options.models ?? 'all',
        canaryPercent,
        logLevel: options.logLevel,
        // Comma-separated bearer tokens for posting outcomes; unset means open (development only).
        feedbackTokens: process.env.CTRAIN_FEEDBACK_TOKENS?.split(',').filter(Boolean),
      });
      console.log(`ctrain: model server listening on ${server.url}`);
      await server.closed;
    });
}
