import type { Command } from 'commander';
import { DEFAULT_ALERTS_PORT } from '../contracts/settings.js';

export function registerAlertsCommand(program: Command): void {
  program
    .command('alerts')
    .description('receive Alertmanager webhooks (and a plain JSON form) and turn firing alerts into retraining signals; tokens from CTRAIN_ALERT_TOKENS (or CTRAIN_ALERT_TOKENS_FILE), or an HMAC secret from CTRAIN_ALERT_HMAC_SECRET (or CTRAIN_ALERT_HMAC_SECRET_FILE); per-caller limit CTRAIN_ALERT_RATE_LIMIT per CTRAIN_ALERT_RATE_WINDOW')
    .option('--port <port>', 'TCP port', String(DEFAULT_ALERTS_PORT))
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--model-label <label>', 'the alert label that names the model', 'model')
    .action(async (options: { port: string; host: string; modelLabel: string }) => {
      const [{ runAlertReceiver }, { DEFAULT_ALERT_RATE_LIMIT }, { rateLimitFromEnv }] = await Promise.all([import('../alerts/main.js'), import('../alerts/server.js'), import('../http/rate-limit.js')]);
      const rateLimit = rateLimitFromEnv(process.env, 'CTRAIN_ALERT', DEFAULT_ALERT_RATE_LIMIT);
      const running = await runAlertReceiver({ port: Number(options.port), host: options.host, modelLabel: options.modelLabel, rateLimit });
      console.log(`ctrain: alert receiver listening on ${running.url} (POST /alerts/alertmanager, POST /alerts)`);
      await running.closed;
    });
}
