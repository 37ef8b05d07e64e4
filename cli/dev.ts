import type { Command } from 'commander';
import { devLayout } from '../stack/dev-stack.js';
import { readState, runningServices, startStack, stackUrls, stopStack } from '../stack/local-stack.js';
import { provision } from '../stack/provision.js';

export function registerDevCommands(program: Command): void {
  const dev = program.command('dev').description('the embedded development stack: Temporal dev server + Web UI, MinIO');

  dev
    .command('up')
    .description('start the stack on loopback (data survives down/up)')
    .action(async () => {
      const layout = devLayout();
      const state = await startStack(layout, await provision());
      const urls = stackUrls(state.ports);
      console.log(`ctrain: stack is up (data in ${layout.home})`);
      console.log(`  Temporal  ${urls.temporalAddress}`);
      console.log(`  Web UI    ${urls.webUi}`);
      console.log(`  MinIO     ${urls.minioEndpoint} (console ${urls.minioConsole})`);
    });

  dev
    .command('down')
    .description('stop the processes that `dev up` started, and only those')
    .action(async () => {
      const stopped = await stopStack(devLayout().home);
      console.log(stopped.length ? `ctrain: stopped ${stopped.join(', ')}` : 'ctrain: nothing was running');
    });

  dev
    .command('status')
    .description('report each service, its process and its URL')
    .action(async () => {
      const layout = devLayout();
      const state = await readState(layout.home);
      if (!state) {
        console.log(`ctrain: stack is down (data in ${layout.home})`);
        return;
      }
      const running = new Set(runningServices(state).map((service) => service.pid));
      const urls = stackUrls(state.ports);
      const where = { temporal: `${urls.temporalAddress}, Web UI ${urls.webUi}`, minio: `${urls.minioEndpoint}, console ${urls.minioConsole}` };
      for (const service of state.services) {
        const health = running.has(service.pid) ? `running (pid ${service.pid})` : 'stopped';
        console.log(`${service.name.padEnd(9)} ${health.padEnd(22)} ${where[service.name]}  log ${service.log}`);
      }
      if (running.size < state.services.length) process.exitCode = 3;
    });
}
