import { DefaultLogger, Runtime } from '@temporalio/worker';

let installed = false;

/** Expected on a trainer worker, which serves activities only: not worth a warning. */
const EXPECTED = /^No workflows registered/;

/** Routes the Temporal worker runtime's logs at `level` and above (warnings by default) to stderr, once per process. */
export function installWorkerRuntime(level: 'ERROR' | 'WARN' | 'INFO' | 'DEBUG' = 'WARN'): void {
  if (installed) return;
  const logger = new DefaultLogger(level, (entry) => {
    if (!EXPECTED.test(entry.message)) console.error(`${new Date(Number(entry.timestampNanos / 1_000_000n)).toISOString()} [${entry.level}] ${entry.message}`, entry.meta ?? '');
  });
  Runtime.install({ logger });
  installed = true;
}
