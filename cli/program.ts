import { Command } from 'commander';
import { registerAlertsCommand } from './alerts.js';
import { registerCancelCommand } from './cancel.js';
import { registerCodecServerCommand } from './codec-server.js';
import { registerCompletionCommand } from './completion.js';
import { registerDemoCommand } from './demo.js';
import { registerDevCommands } from './dev.js';
import { registerDriftCommands } from './drift.js';
import { registerGpuCommands } from './gpu.js';
import { registerModelCommands } from './models.js';
import { registerProvisionCommand } from './provision.js';
import { registerReportCommand } from './report.js';
import { registerRunCommand } from './run.js';
import { registerPipelineCommands } from './pipelines.js';
import { registerPrepareTemporalCommand } from './prepare-temporal.js';
import { registerScheduleCommands } from './schedule.js';
import { registerScoreCommand } from './score.js';
import { registerServeCommand } from './serve.js';
import { registerStatusCommand } from './status.js';
import { registerUiCommand } from './ui.js';
import { registerWatchCommand } from './watch.js';
import { registerWorkerCommand } from './worker.js';

/** The whole `ctrain` command tree; main.ts parses the process's arguments with it. */
export function buildProgram(): Command {
  const program = new Command('ctrain').description('Continuous training for tabular models on Temporal, MinIO, DVC and TensorFlow.js');

  registerProvisionCommand(program);
  registerDevCommands(program);
  registerPrepareTemporalCommand(program);
  registerDemoCommand(program);
  registerRunCommand(program);
  registerPipelineCommands(program);
  registerScoreCommand(program);
  registerCancelCommand(program);
  registerStatusCommand(program);
  registerWatchCommand(program);
  registerModelCommands(program);
  registerWorkerCommand(program);
  registerGpuCommands(program);
  registerServeCommand(program);
  registerAlertsCommand(program);
  registerCodecServerCommand(program);
  registerDriftCommands(program);
  registerScheduleCommands(program);
  registerCompletionCommand(program);
  registerReportCommand(program);
  registerUiCommand(program);
  return program;
}
