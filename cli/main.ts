import { Command } from 'commander';
import { registerAlertsCommand } from './alerts.js';
import { registerCancelCommand } from './cancel.js';
import { registerCodecServerCommand } from './codec-server.js';
import { registerDemoCommand } from './demo.js';
import { registerDevCommands } from './dev.js';
import { registerDriftCommands } from './drift.js';
import { registerModelCommands } from './models.js';
import { registerProvisionCommand } from './provision.js';
import { registerRunCommand } from './run.js';
import { registerScheduleCommands } from './schedule.js';
import { registerServeCommand } from './serve.js';
import { registerStatusCommand } from './status.js';
import { registerWorkerCommand } from './worker.js';

const program = new Command('ctrain').description('Continuous training for tabular models on Temporal, MinIO, DVC and TensorFlow.js');

registerProvisionCommand(program);
registerDevCommands(program);
registerDemoCommand(program);
registerRunCommand(program);
registerCancelCommand(program);
registerStatusCommand(program);
registerModelCommands(program);
registerWorkerCommand(program);
registerServeCommand(program);
registerAlertsCommand(program);
registerCodecServerCommand(program);
registerDriftCommands(program);
registerScheduleCommands(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  console.error(`ctrain: ${describeError(error)}`);
  process.exitCode = 1;
}

/** The message with its causes: Temporal wraps the reason (a refused update, a failed activity) in a cause. */
function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  return error.cause ? `${error.message}: ${describeError(error.cause)}` : error.message;
}
