import type { FastifyBaseLogger } from 'fastify';

export interface Shutdown {
  /** Stops the service once (later calls get the same promise). */
  close: () => Promise<void>;
  /** Settles once the service has stopped, by close() or by a signal. */
  closed: Promise<void>;
}

/**
 * A long-running HTTP service's shutdown: `stop` runs once, on close() or on the first SIGINT
 * or SIGTERM (when `handleSignals`); a failed stop sets a non-zero exit code.
 */
export function gracefulShutdown({ what, log, stop, handleSignals, onSignalDoing }: { what: string; log: FastifyBaseLogger; stop: () => Promise<void>; handleSignals: boolean; onSignalDoing: string }): Shutdown {
  let resolveClosed: () => void = () => undefined;
  let rejectClosed: (error: unknown) => void = () => undefined;
  const closed = new Promise<void>((resolve, reject) => {
    resolveClosed = resolve;
    rejectClosed = reject;
  });
  // Consumers that only call close() must not see an unhandled rejection from `closed`.
  closed.catch(() => undefined);
  const onSignal = (signal: NodeJS.Signals): void => {
    log.info(`${signal} received: ${onSignalDoing}`);
    void close().catch((error: unknown) => {
      log.error({ err: error }, `${what} did not shut down cleanly`);
      process.exitCode = 1;
    });
  };
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> =>
    (closing ??= (async () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      try {
        await stop();
        log.info(`${what} stopped`);
        resolveClosed();
      } catch (error) {
        rejectClosed(error);
        throw error;
      }
    })());
  if (handleSignals) {
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
  }
  return { close, closed };
}
