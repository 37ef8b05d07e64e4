/** Logging registry reloads without repeating a failure that every poll retries. */
import type { FastifyBaseLogger } from 'fastify';
import type { ReloadEvent } from './registry-watch.js';

/** Logs what each model serves when it changes; a failure retried every poll is logged once until it changes. */
export function reloadLogger(log: FastifyBaseLogger, next: (event: ReloadEvent) => void): (event: ReloadEvent) => void {
  const lastServed = new Map<string, string>();
  const lastFailure = new Map<string, string>();
  return (event) => {
    next(event);
    const { model, state, error } = event;
    const production = state?.production?.version;
    const canary = state?.canary?.version;
    const served = `${production}/${canary}`;
    // Nothing served before and nothing now is not news.
    if ((lastServed.get(model) ?? 'undefined/undefined') !== served) {
      lastServed.set(model, served);
      log.info({ model, production, canary }, 'model versions served');
    }
    if (!error) lastFailure.delete(model);
    else if (lastFailure.get(model) !== error.message) {
      lastFailure.set(model, error.message);
      log.warn({ model, err: error }, 'model reload failed; serving what was loaded before');
    }
  };
}
