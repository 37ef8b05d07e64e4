import type { Command } from 'commander';
import { DEFAULT_UI_PORT } from '../contracts/settings.js';
import { openInBrowser } from './open.js';

export function registerUiCommand(program: Command): void {
  program
    .command('ui')
    .description('serve a small read-only page listing models, versions, runs and their reports (from MinIO)')
    .option('--port <port>', 'TCP port', String(DEFAULT_UI_PORT))
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--open', 'open it in the default browser')
    .action(async (options: { port: string; host: string; open?: boolean }) => {
      const { runUiServer } = await import('../ui/main.js');
      const ui = await runUiServer({ port: Number(options.port), host: options.host });
      console.log(`ctrain: ui listening on ${ui.url}`);
      if (options.open) openInBrowser(ui.url);
      await ui.closed;
    });
}
