import type { Command } from 'commander';
import { DEFAULT_CODEC_PORT } from '../contracts/settings.js';

export function registerCodecServerCommand(program: Command): void {
  program
    .command('codec-server')
    .description('serve Temporal\'s remote codec protocol (POST /encode, /decode) so the Web UI and `temporal` CLI can read encrypted payloads; keys from CTRAIN_PAYLOAD_KEY or CTRAIN_PAYLOAD_KEY_FILE, optional bearer token CTRAIN_CODEC_TOKEN')
    .option('--port <port>', 'TCP port', String(DEFAULT_CODEC_PORT))
    .option('--host <host>', 'address to listen on (other than loopback only with CTRAIN_CODEC_TOKEN)', '127.0.0.1')
    .option('--log-level <level>', 'pino log level', 'info')
    .action(async (options: { port: string; host: string; logLevel: string }) => {
      const { runCodecServer } = await import('../codec/main.js');
      const running = await runCodecServer({ port: Number(options.port), host: options.host, logLevel: options.logLevel });
      console.log(`ctrain: codec server listening on ${running.url} (key ${running.keyId}); give the Web UI or \`temporal --codec-endpoint\` this URL`);
      await running.closed;
    });
}
