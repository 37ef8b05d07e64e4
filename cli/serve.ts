import type { Command } from 'commander';
import { shippedSpecs } from '../pipelines/format-one-specs.js';
import { DEFAULT_SERVE_PORT, modelServerOptionsFromEnv, runModelServer } from '../serving/main.js';

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
      // Each version's canary share and personal-data columns come from the spec stored with it in the registry.
      const server = await runModelServer({
        port: Number(options.port),
        host: options.host,
        models: options.models ?? 'all',
        // Versions registered by an earlier ctrain, without their spec, are served with the shipped one of their pipeline.
        formatOneSpecs: shippedSpecs,
        logLevel: options.logLevel,
        // Feedback tokens (unset: outcomes are open, for development only), rate limit, pseudonym key.
        ...modelServerOptionsFromEnv(process.env),
      });
      console.log(`ctrain: model server listening on ${server.url}`);
      await server.closed;
    });
}
