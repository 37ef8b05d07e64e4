/** Logging registry reloads without repeating a failure that every poll retries. */
import type { FastifyBaseLogger } from 'fastify';
import type { ReloadEvent } from './registry-watch.js';

/** Logs what each model serves when it changes; a failure retried every poll is logged once until it changes. */
export function reloadLogger(log: FastifyBaseLogger, next: (event: ReloadEvent) => void): (event: ReloadEvent) => void {
  const lastServed = new Map<string, string>();
  const lastFailure = new Map<string, string>();
  return (event) => {
    next(event);
    const { modelName, state, error } = event;
    const production = state?.production?.version;
    const canary = state?.canary?.version;
    const served = `${production}/${canary}`;
    // Nothing served before and nothing now is not news.
    if ((lastServed.get(modelName) ?? 'undefined/undefined') !== served) {
      lastServed.set(modelName, served);
      log.info({ model: modelName, production, canary }, 'model versions served');
    }
    if (!error) lastFailure.delete(modelName);
    else if (lastFailure.get(modelName) !== error.message) {
      lastFailure.set(modelName, error.message);
      log.warn({ model: modelName, err: error }, 'model reload failed; serving what was loaded before');
    }
  };
}
