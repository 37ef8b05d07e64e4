/** The models one server answers for: a fixed list, or every model with a registry ('all', rediscovered as models appear). */
import { checkName, nameProblem } from '../contracts/names.js';
import type { LoadedVersion, LoadOptions } from '../scoring/loaded-version.js';
import type { ReloadEvent } from './registry-watch.js';
import { DEFAULT_POLL_MS, RegistryWatch } from './registry-watch.js';
import type { ObjectStore } from '../storage/gateway.js';
import { registryKeys } from '../storage/layout.js';

export interface ModelSetOptions {
  storage: ObjectStore;
  /** Model names, or 'all' for every registry in the registry bucket. */
  models: readonly string[] | 'all';
  /** How versions load: the pseudonym key, specs for versions registered without theirs. */
  load?: LoadOptions;
  /** Registry (and, for 'all', discovery) poll interval in milliseconds. Default {@link DEFAULT_POLL_MS}. */
  pollMs?: number;
  onReload?: (event: ReloadEvent) => void;
  /** Called just before a version's network is freed (see RegistryWatchOptions.retire). */
  retire?: (loaded: LoadedVersion) => void;
  /** Listing the registry bucket failed (for 'all'); retried on the next tick. */
  onDiscoveryError?: (error: Error) => void;
}

/** Why a model cannot answer yet. */
export interface Unready {
  model: string;
  reason: string;
}

export class ModelSet {
  private readonly watches = new Map<string, RegistryWatch>();
  private discoveryError: Error | undefined = undefined;
  private timer: NodeJS.Timeout | undefined;
  private discovering: Promise<void> | undefined;
  private closed = false;

  constructor(private readonly options: ModelSetOptions) {
    if (options.models !== 'all') {
      // Each name becomes a registry key: refuse one that could leave its prefix.
      for (const modelName of options.models) checkName(modelName);
    }
  }

  /** Loads every model once (failures are recorded, not thrown), then keeps polling. */
  async start(): Promise<void> {
    if (this.options.models === 'all') {
      await this.discover();
      this.schedule();
    } else {
      await Promise.all(this.options.models.map((modelName) => this.add(modelName)));
    }
  }

  get(modelName: string): RegistryWatch | undefined {
    return this.watches.get(modelName);
  }

  names(): string[] {
    return [...this.watches.keys()].sort();
  }

  /**
   * Models that cannot answer yet. A listed model needs a loaded production version. With 'all',
   * a discovered model whose registry names no production (or cannot be read) is not counted, so one
   * broken registry does not take every other model out of service.
   */
  unready(): Unready[] {
    const unready: Unready[] = [];
    if (this.discoveryError) unready.push({ model: '*', reason: `cannot list registries: ${this.discoveryError.message}` });
    for (const [modelName, watch] of this.watches) {
      if (watch.state?.production) continue;
      const named = watch.state?.registry.aliases.production !== undefined;
      if (this.options.models === 'all' && !named) continue;
      unready.push({ model: modelName, reason: watch.error?.message ?? (named ? 'production version not loaded yet' : 'no production version in its registry') });
    }
    return unready;
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    await this.discovering;
    await Promise.all([...this.watches.values()].map((watch) => watch.close()));
  }

  private async add(modelName: string): Promise<void> {
    if (this.watches.has(modelName) || this.closed) return;
    const watch = new RegistryWatch({ storage: this.options.storage, modelName, load: this.options.load, pollMs: this.options.pollMs, onReload: this.options.onReload, retire: this.options.retire });
    this.watches.set(modelName, watch);
    await watch.start();
  }

  private schedule(): void {
    if (this.closed) return;
    this.timer = setTimeout(() => {
      this.discovering = this.discover().finally(() => (this.discovering = undefined));
      void this.discovering.then(() => this.schedule());
    }, this.options.pollMs ?? DEFAULT_POLL_MS);
    this.timer.unref();
  }

  private async discover(): Promise<void> {
    try {
      const found = await listRegistries(this.options.storage);
      this.discoveryError = undefined;
      await Promise.all(found.map((modelName) => this.add(modelName)));
    } catch (error) {
      this.discoveryError = error instanceof Error ? error : new Error(String(error));
      this.options.onDiscoveryError?.(this.discoveryError);
    }
  }
}

/** Model names with a folder in the registry bucket; names that are not valid model names are skipped. */
async function listRegistries(storage: ObjectStore): Promise<string[]> {
  return (await storage.listFolders(registryKeys.all)).filter((name) => nameProblem(name) === undefined);
}
