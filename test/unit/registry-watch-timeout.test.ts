import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ReloadEvent } from '../../serving/registry-watch.js';
import { REGISTRY_READ_TIMEOUT_MS, RegistryWatch } from '../../serving/registry-watch.js';
import type { ObjectStore } from '../../storage/gateway.js';

afterEach(() => {
  vi.useRealTimers();
});

describe('the registry watch', () => {
  it('abandons a registry request that is never answered, and polls again', async () => {
    vi.useFakeTimers();
    let stats = 0;
    // The first stat is never answered, as a request a stuck MinIO holds; later ones find no registry.
    const storage = { stat: () => (++stats === 1 ? new Promise<never>(() => undefined) : Promise.resolve(undefined)) } as unknown as ObjectStore;
    const events: ReloadEvent[] = [];
    const watch = new RegistryWatch({ storage, modelName: 'stuck', pollMs: 200, onReload: (event) => events.push(event) });

    const started = watch.start();
    await vi.advanceTimersByTimeAsync(REGISTRY_READ_TIMEOUT_MS);
    await started;
    expect(events.map((event) => event.error?.message)).toEqual([`the stat of stuck/registry.json took over ${REGISTRY_READ_TIMEOUT_MS / 1000} s; abandoned, checked again on the next poll`]);

    await vi.advanceTimersByTimeAsync(200);
    expect(stats).toBe(2);
    expect(events).toHaveLength(2);
    expect(events[1]).toEqual({ modelName: 'stuck', state: undefined, error: undefined });
    expect(watch.error).toBeUndefined();
    await watch.close();
  });
});
