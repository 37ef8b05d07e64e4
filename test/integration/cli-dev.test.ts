import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUCKETS, TASK_QUEUES } from '../../contracts/stack.js';
import { readState } from '../../stack/local-stack.js';
import { readSupervised } from '../../stack/supervisor.js';
import { freePort, freePorts } from '../../stack/ports.js';
import { isAlive } from '../../stack/processes.js';
import { ctrain } from '../support/ctrain-cli.js';
import { ObjectStore } from '../../storage/gateway.js';

let home: string;
let env: Record<string, string>;

async function stackEnv(dir: string): Promise<Record<string, string>> {
  const [temporal, ui, minio, console, serve] = (await freePorts(5)).map(String);
  return { CTRAIN_HOME: dir, CTRAIN_TEMPORAL_PORT: temporal!, CTRAIN_TEMPORAL_UI_PORT: ui!, CTRAIN_MINIO_PORT: minio!, CTRAIN_MINIO_CONSOLE_PORT: console!, CTRAIN_SERVE_PORT: serve! };
}

beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), 'ctrain-dev-'));
  env = await stackEnv(home);
});

afterAll(async () => {
  await ctrain(['dev', 'down'], env);
  await rm(home, { recursive: true, force: true });
});

describe('ctrain dev up | status | down', () => {
  it('starts, reports, reuses, stops exactly its processes, and keeps data across down/up', async () => {
    const up = await ctrain(['dev', 'up'], env);
    expect(up.stderr).toBe('');
    expect(up.stdout).toMatch(new RegExp(`Web UI +http://127\\.0\\.0\\.1:${env.CTRAIN_TEMPORAL_UI_PORT}`));
    expect(up.stdout).toMatch(new RegExp(`model server +http://127\\.0\\.0\\.1:${env.CTRAIN_SERVE_PORT}`));
    const first = await readState(home);
    expect(first?.services.map((service) => service.name)).toEqual(['temporal', 'minio']);
    // The workers and the model server run under the supervisor, each ready.
    const supervised = await readSupervised(home);
    expect(supervised?.services.filter((service) => service.ready && service.pid !== undefined).map((service) => service.name)).toEqual(expect.arrayContaining(['general-worker', 'trainer-worker', 'model-server']));
    const health = await fetch(`http://127.0.0.1:${env.CTRAIN_SERVE_PORT}/healthz`);
    expect(health.status).toBe(200);

    const status = await ctrain(['dev', 'status'], env);
    expect(status.exitCode).toBe(0);
    expect(status.stdout).toMatch(/temporal\s+running \(pid \d+\)/);
    expect(status.stdout).toMatch(/minio\s+running \(pid \d+\)/);
    for (const name of ['general-worker', 'trainer-worker', 'model-server']) expect(status.stdout).toMatch(new RegExp(`${name}\\s+running \\(pid \\d+\\)`));
    expect(status.stdout).toContain(`http://127.0.0.1:${env.CTRAIN_MINIO_PORT}`);

    // Leave state in both services, then check it outlives a restart.
    const minio = { endpoint: `http://127.0.0.1:${env.CTRAIN_MINIO_PORT}`, accessKey: 'ctrain', secretKey: 'ctrain-dev-secret' };
    await new ObjectStore(minio).putBuffer({ bucket: BUCKETS.artifacts, key: 'survives.txt' }, Buffer.from('still here'));
    const workflowId = `survives-${Date.now()}`;
    await withClient(env, (client) => client.workflow.start('stackCheckWorkflow', { taskQueue: TASK_QUEUES.general, workflowId, args: [{}] }));

    const again = await ctrain(['dev', 'up'], env);
    expect(again.exitCode).toBe(0);
    expect((await readState(home))?.services.map((service) => service.pid)).toEqual(first?.services.map((service) => service.pid));
    expect((await readSupervised(home))?.supervisorPid).toBe(supervised?.supervisorPid);

    const down = await ctrain(['dev', 'down'], env);
    expect(down.stdout).toBe('ctrain: stopped general-worker, trainer-worker, model-server, minio, temporal');
    for (const service of first?.services ?? []) expect(isAlive(service.pid)).toBe(false);
    for (const pid of [supervised!.supervisorPid, ...supervised!.services.map((service) => service.pid)]) if (pid !== undefined) expect(isAlive(pid)).toBe(false);
    expect((await ctrain(['dev', 'status'], env)).stdout).toContain('stack is down');

    expect((await ctrain(['dev', 'up'], env)).exitCode).toBe(0);
    expect(await new ObjectStore(minio).getText({ bucket: BUCKETS.artifacts, key: 'survives.txt' })).toBe('still here');
    const described = await withClient(env, (client) => client.workflow.getHandle(workflowId).describe());
    expect(described.workflowId).toBe(workflowId);
    await withClient(env, (client) => client.workflow.getHandle(workflowId).terminate('test done'));
  });

  it('fails fast with a clear error when a port is taken, starting nothing', async () => {
    const taken = await freePort();
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(taken, '127.0.0.1', resolve));
    const otherHome = await mkdtemp(join(tmpdir(), 'ctrain-dev-'));
    try {
      const up = await ctrain(['dev', 'up'], { ...(await stackEnv(otherHome)), CTRAIN_MINIO_PORT: String(taken) });
      expect(up.exitCode).toBe(1);
      expect(up.stderr).toContain(`Port ${taken} on 127.0.0.1 (MinIO S3 API) is already in use`);
      expect(up.stderr).toContain('CTRAIN_MINIO_PORT');
      expect(await readState(otherHome)).toBeUndefined();
    } finally {
      await new Promise((resolve) => server.close(resolve));
      await rm(otherHome, { recursive: true, force: true });
    }
  });
});

async function withClient<T>(vars: Record<string, string>, body: (client: Client) => Promise<T>): Promise<T> {
  const connection = await Connection.connect({ address: `127.0.0.1:${vars.CTRAIN_TEMPORAL_PORT}` });
  try {
    return await body(new Client({ connection }));
  } finally {
    await connection.close();
  }
}
