/**
 * Follows one model's registry in MinIO and keeps its production and canary versions loaded.
 * Polling is cheap: a HEAD (statObject) per tick, and a download only when the etag moved.
 */

import type { ModelVersion, Registry } from '../contracts/model.js';
import { parseRegistry, RegistryFormatError } from '../contracts/registry-format.js';
import { registryKeys } from '../storage/layout.js';
import type { ObjectStore } from '../storage/gateway.js';
import type { LoadedVersion, LoadOptions } from '../scoring/loaded-version.js';
import { loadVersion } from '../scoring/loaded-version.js';
import { withTimeout } from '../infra/timeout.js';

/** The aliases the server answers with; `previous` is only a rollback target. */
export const SERVED_ALIASES = ['production', 'canary'] as const;
export type ServedAlias = (typeof SERVED_ALIASES)[number];

/** Default registry poll interval, in milliseconds. */
export const DEFAULT_POLL_MS = 1000;

/**
 * The registry object's stat and read take milliseconds. One MinIO never answers is abandoned after
 * this, so it cannot hold the poll, and every later one, for good (model loads are not bounded: a
 * large version may take long).
 */
export const REGISTRY_READ_TIMEOUT_MS = 15_000;

/** What a model serves right now. Replaced whole on every reload, never mutated. */
export interface ServingState {
  registry: Registry;
  /** Etag of the registry object this state was built from. */
  etag: string;
  /** ISO time the state was built. */
  loadedAt: string;
  production?: LoadedVersion;
  canary?: LoadedVersion;
}

/** Reported after each reload attempt that found a change (or retried a failure). */
export interface ReloadEvent {
  modelName: string;
  /** What is served after the attempt: on failure, what was served before (or production without the failed canary). */
  state: ServingState | undefined;
  /** Set when the attempt failed in whole or in part. */
  error?: Error;
}

export interface RegistryWatchOptions {
  storage: ObjectStore;
  modelName: string;
  /** How versions load: the pseudonym key, specs for versions registered without theirs. */
  load?: LoadOptions;
  /** Poll interval in milliseconds. Default {@link DEFAULT_POLL_MS}. */
  pollMs?: number;
  onReload?: (event: ReloadEvent) => void;
  /** Called just before a version's network is freed, so nothing still queued for it (a micro-batch) runs after. */
  retire?: (loaded: LoadedVersion) => void;
}

export class RegistryWatch {
  readonly modelName: string;
  private current: ServingState | undefined;
  /** Etag of the last registry applied in full; null once its absence was applied. */
  private appliedEtag: string | null | undefined;
  private lastError: Error | undefined;
  /** Versions are immutable, so a loaded one is reused by number across reloads. */
  private readonly versions = new Map<number, Promise<LoadedVersion>>();
  private timer: NodeJS.Timeout | undefined;
  private polling: Promise<void> | undefined;
  private closed = false;

  constructor(private readonly options: RegistryWatchOptions) {
    this.modelName = options.modelName;
  }

  /** Loads once, then polls. Never throws: failures are kept in {@link error} and retried on the next tick. */
  async start(): Promise<void> {
    await this.poll();
    this.schedule();
  }

  /** What is being served, or undefined before a production-less or absent registry. */
  get state(): ServingState | undefined {
    return this.current;
  }

  /** The last reload's failure, cleared by a complete reload. */
  get error(): Error | undefined {
    return this.lastError;
  }

  /** One check; concurrent callers share it. */
  poll(): Promise<void> {
    this.polling ??= this.check().finally(() => (this.polling = undefined));
    return this.polling;
  }

  /** Stops polling and disposes every loaded model. */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    await this.polling;
    this.current = undefined;
    await this.disposeExcept(new Set());
  }

  private schedule(): void {
    if (this.closed) return;
    this.timer = setTimeout(() => void this.poll().then(() => this.schedule()), this.options.pollMs ?? DEFAULT_POLL_MS);
    // Serving keeps the process alive; the watch alone must not.
    this.timer.unref();
  }

  private async check(): Promise<void> {
    const ref = registryKeys.registry(this.modelName);
    try {
      const etag = (await withTimeout(this.options.storage.stat(ref), REGISTRY_READ_TIMEOUT_MS, () => abandoned(`the stat of ${ref.key}`)))?.etag ?? null;
      if (etag === this.appliedEtag && !this.lastError) return;
      if (etag === null) return await this.install(undefined, null);
      const registry = parseRegistry(await withTimeout(this.options.storage.getText(ref), REGISTRY_READ_TIMEOUT_MS, () => abandoned(`the read of ${ref.key}`)), this.modelName);
      const { state, error } = await this.build(registry, etag);
      await this.install(state, etag, error);
    } catch (error) {
      this.fail(error instanceof Error ? error : new Error(String(error)));
    }
  }

  /**
   * Loads each served alias. A production that fails to load keeps the old state whole (an old
   * production beats none); a canary that fails is left out, so production still takes all traffic.
   */
  private async build(registry: Registry, etag: string): Promise<{ state: ServingState | undefined; error?: Error }> {
    if (registry.aliases.production === undefined) return { state: undefined };
    const production = await this.load(registry, 'production');
    if (production instanceof Error) throw production;
    const state: ServingState = { registry, etag, loadedAt: new Date().toISOString(), production };
    if (registry.aliases.canary === undefined) return { state };
    const canary = await this.load(registry, 'canary');
    if (canary instanceof Error) return { state, error: canary };
    return { state: { ...state, canary } };
  }

  private async load(registry: Registry, alias: ServedAlias): Promise<LoadedVersion | Error> {
    const number = registry.aliases[alias];
    const entry = registry.versions.find((v: ModelVersion) => v.version === number);
    if (!entry) return new RegistryFormatError(`registry of "${this.modelName}": ${alias} is version ${String(number)}, which is not registered`);
    let loading = this.versions.get(entry.version);
    if (!loading) {
      loading = loadVersion(this.options.storage, entry, this.options.load);
      this.versions.set(entry.version, loading);
    }
    try {
      return await loading;
    } catch (error) {
      // Forget the failure so the next poll downloads again.
      if (this.versions.get(entry.version) === loading) this.versions.delete(entry.version);
      return error instanceof Error ? error : new Error(String(error));
    }
  }

  private async install(state: ServingState | undefined, etag: string | null, error?: Error): Promise<void> {
    this.current = state;
    // A partial load is served but not marked applied, so the next poll retries what failed.
    if (!error) this.appliedEtag = etag;
    this.lastError = error;
    // Requests read the state and queue their rows in one go; retire() scores what is queued before a model is freed.
    await this.disposeExcept(new Set([state?.production?.version, state?.canary?.version]));
    this.options.onReload?.({ modelName: this.modelName, state, error });
  }

  private fail(error: Error): void {
    this.lastError = error;
    this.options.onReload?.({ modelName: this.modelName, state: this.current, error });
  }

  private async disposeExcept(keep: Set<number | undefined>): Promise<void> {
    for (const [number, loading] of [...this.versions]) {
      if (keep.has(number)) continue;
      this.versions.delete(number);
      let loaded: LoadedVersion;
      try {
        loaded = await loading;
      } catch {
        // A load that failed left nothing to dispose.
        continue;
      }
      this.options.retire?.(loaded);
      loaded.layersModel.dispose();
    }
  }
}

const abandoned = (what: string): Error => new Error(`${what} took over ${REGISTRY_READ_TIMEOUT_MS / 1000} s; abandoned, checked again on the next poll`);
