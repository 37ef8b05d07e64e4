import { DefaultLogger, Runtime } from '@temporalio/worker';

let installed = false;

/** Routes the Temporal worker runtime's logs at `level` and above (warnings by default), once per process. */
export function installWorkerRuntime(level: 'WARN' | 'INFO' | 'DEBUG' = 'WARN'): void {
  if (installed) return;
  Runtime.install({ logger: new DefaultLogger(level) });
  installed = true;
}
