import { Command } from 'commander';
import { registerDemoCommand } from './demo.js';
import { registerDevCommands } from './dev.js';
import { registerModelCommands } from './models.js';
import { registerProvisionCommand } from './provision.js';
import { registerRunCommand } from './run.js';
import { registerServeCommand } from './serve.js';
import { registerStatusCommand } from './status.js';
import { registerWorkerCommand } from './worker.js';

const program = new Command('ctrain').description('Continuous training for tabular models on Temporal, MinIO, DVC and TensorFlow.js');

registerProvisionCommand(program);
registerDevCommands(program);
registerDemoCommand(program);
registerRunCommand(program);
registerStatusCommand(program);
registerModelCommands(program);
registerWorkerCommand(program);
registerServeCommand(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  console.error(`ctrain: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
}
