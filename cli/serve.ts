import type { Command } from 'commander';
import { DEFAULT_SERVE_PORT } from '../contracts/settings.js';

interface ServeOptions {
  port: string;
  host: string;
  models?: string[];
  logLevel: string;
  feedbackOpen?: boolean;
}

export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description('serve the production (and canary) versions over HTTP; reloads when an alias moves')
    .option('--port <port>', 'TCP port', String(DEFAULT_SERVE_PORT))
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--models <names...>', 'models to serve (default: every model in the registry)')
    .option('--log-level <level>', 'pino log level', 'info')
    .option('--feedback-open', 'take outcomes without a bearer token when no CTRAIN_FEEDBACK_TOKENS are set (as CTRAIN_FEEDBACK_OPEN=1); for development only')
    .action(async (options: ServeOptions) => {
      const [{ shippedSpecs }, { modelServerOptionsFromEnv, runModelServer }] = await Promise.all([import('../pipelines/format-one-specs.js'), import('../serving/main.js')]);
      const fromEnv = modelServerOptionsFromEnv(process.env);
      // Each version's canary share and personal-data columns come from the spec stored with it in the registry.
      const server = await runModelServer({
        port: Number(options.port),
        host: options.host,
        models: options.models ?? 'all',
        // Versions registered by an earlier ctrain, without their spec, are served with the shipped one of their pipeline.
        formatOneSpecs: shippedSpecs,
        logLevel: options.logLevel,
        // Feedback tokens (none: outcomes refused unless opened explicitly), rate limit, pseudonym key.
        ...fromEnv,
        feedbackOpen: options.feedbackOpen === true || fromEnv.feedbackOpen,
      });
      console.log(`ctrain: model server listening on ${server.url}`);
      if (fromEnv.feedbackTokens?.length === 0) {
        console.log(options.feedbackOpen === true || fromEnv.feedbackOpen ? 'ctrain: outcomes are taken without a token (feedback open)' : 'ctrain: outcomes are refused: set CTRAIN_FEEDBACK_TOKENS for senders, or --feedback-open');
      }
      await server.closed;
    });
}
