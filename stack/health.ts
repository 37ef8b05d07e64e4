import { readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { openConnection } from '../infra/temporal-connection.js';

/** Tells a health wait whether the process it waits for is still there, and where its log is. */
export type Liveness = () => { alive: boolean; log: string };

export class ServiceStartError extends Error {
  override name = 'ServiceStartError';
}

const POLL_MS = 250;

/** Waits until the Temporal frontend answers a real RPC. The embedded dev server listens on loopback without TLS. */
export async function waitForTemporal(address: string, deadline: number, liveness: Liveness): Promise<void> {
  await poll(`Temporal at ${address}`, deadline, liveness, async () => {
    const connection = await openConnection({ address }, 2_000);
    try {
      await connection.workflowService.getSystemInfo({});
      return true;
    } finally {
      await connection.close();
    }
  });
}

export async function waitForWebUi(url: string, deadline: number, liveness: Liveness): Promise<void> {
  await poll(`the Temporal Web UI at ${url}`, deadline, liveness, async () => (await fetch(url, { signal: AbortSignal.timeout(2_000) })).ok);
}

/**
 * Waits until MinIO answers. An erasure-coded MinIO is live before its drives are formatted and
 * refuses requests until then: `cluster` waits for write quorum as well.
 */
export async function waitForMinio(endpoint: string, deadline: number, liveness: Liveness, check: 'live' | 'cluster' = 'live'): Promise<void> {
  await poll(`MinIO at ${endpoint}`, deadline, liveness, async () => (await fetch(`${endpoint}/minio/health/${check}`, { signal: AbortSignal.timeout(2_000) })).ok);
}

async function poll(what: string, deadline: number, liveness: Liveness, probe: () => Promise<boolean>): Promise<void> {
  for (;;) {
    const ok = await probe().catch(() => false);
    if (ok) return;
    const { alive, log } = liveness();
    if (!alive) throw new ServiceStartError(`${what} exited during start-up. Last lines of ${log}:\n${await tail(log)}`);
    if (Date.now() > deadline) throw new ServiceStartError(`${what} did not become healthy in time. Last lines of ${log}:\n${await tail(log)}`);
    await sleep(POLL_MS);
  }
}

async function tail(path: string, lines = 20): Promise<string> {
  const text = await readFile(path, 'utf8').catch(() => '(no log)');
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}
