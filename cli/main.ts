import { Command } from 'commander';
import { registerDemoCommand } from './demo.js';
import { registerDevCommands } from './dev.js';
import { registerProvisionCommand } from './provision.js';

const program = new Command('ctrain').description('Continuous training for tabular models on Temporal, MinIO, DVC and TensorFlow.js');

registerProvisionCommand(program);
registerDevCommands(program);
registerDemoCommand(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  console.error(`ctrain: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
}
