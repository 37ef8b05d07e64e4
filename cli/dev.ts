import type { Command } from 'commander';
import { Option } from 'commander';
import { workerCountArgument } from './arguments.js';

export function registerDevCommands(program: Command): void {
  const dev = program
    .command('dev')
    .description('a stack on this machine: Temporal + Web UI, MinIO, general and trainer workers, the model server (embedded, or the production topology)');

  dev
    .command('up')
    .description('start the stack on loopback and keep its workers and model server running (data survives down/up)')
    .addOption(
      new Option('--topology <topology>', 'embedded: Temporal dev server (SQLite) and one MinIO drive; production: PostgreSQL, the Temporal server and its Web UI, MinIO erasure-coded over four drives')
        .choices(['embedded', 'production'])
        .default('embedded'),
    )
    .option('--workers <count>', 'general worker processes to keep (1 to 16; one trainer besides)', workerCountArgument, 1)
    .action(async (options: { topology: 'embedded' | 'production'; workers: number }) => {
      const { bringUpDevStack, describeDevStack } = await import('./dev-stack-view.js');
      const up = await bringUpDevStack(options.topology, options.workers);
      console.log(`ctrain: stack is up (data in ${up.layout.home})`);
      console.log(describeDevStack(up).join('\n'));
    });

  dev
    .command('down')
    .description('stop the processes that `dev up` started, and only those')
    .action(async () => {
      const { devLayout } = await import('../stack/dev-stack.js');
      const { stopStack } = await import('../stack/local-stack.js');
      const { stopDevServices } = await import('../stack/dev-services.js');
      const home = devLayout().home;
      // The supervisor first, so it does not start Temporal or MinIO again as they stop.
      const stopped = [...(await stopDevServices(home)), ...(await stopStack(home))];
      console.log(stopped.length ? `ctrain: stopped ${stopped.join(', ')}` : 'ctrain: nothing was running');
    });

  dev
    .command('status')
    .description('each service: its process, where it answers, its restarts and its log')
    .option('--json', 'print JSON')
    .action(async (options: { json?: boolean }) => {
      const { devStackStatus, describeStatus } = await import('./dev-stack-view.js');
      const status = await devStackStatus();
      console.log(options.json ? JSON.stringify(status, null, 2) : (await describeStatus(status)).join('\n'));
      if (!status.healthy) process.exitCode = 3;
    });

  dev
    .command('supervise', { hidden: true })
    .description('keep the dev stack’s workers and model server running (started by `dev up`)')
    .requiredOption('--home <folder>', 'the stack’s folder')
    .requiredOption('--serve-port <port>', 'the model server’s port')
    .option('--general-workers <count>', 'general worker processes to keep', workerCountArgument, 1)
    .action(async (options: { home: string; servePort: string; generalWorkers: number }) => {
      const { superviseDevStack } = await import('./dev-stack-view.js');
      await superviseDevStack(options.home, Number(options.servePort), options.generalWorkers);
    });
}
