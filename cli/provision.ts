import type { Command } from 'commander';
import { provision } from '../stack/provision.js';

export function registerProvisionCommand(program: Command): void {
  program
    .command('provision')
    .description('install the pinned Temporal CLI, MinIO server and DVC into the cache (reused when present)')
    .action(async () => {
      const tools = await provision();
      for (const [name, path] of Object.entries(tools)) console.log(`ctrain: ${name.padEnd(8)} ${path}`);
    });
}
