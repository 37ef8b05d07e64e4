import { mkdtemp, readFile, writeFile, copyFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { BUCKETS } from '../../contracts/stack.js';
import { Dvc, DvcError } from '../../infra/dvc.js';
import { ObjectStore } from '../../storage/gateway.js';
import { uniqueId } from '../../harness/temporal.js';

const stack = inject('stack');
const workspaces: string[] = [];

async function workspace(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'ctrain-dvc-'));
  workspaces.push(dir);
  return dir;
}

afterAll(async () => {
  await Promise.all(workspaces.map((dir) => rm(dir, { recursive: true, force: true })));
});

async function listKeys(prefix: string): Promise<string[]> {
  return new ObjectStore(stack.minio).listKeys({ bucket: BUCKETS.datasets, prefix });
}

describe('DVC with a MinIO remote', () => {
  const prefix = uniqueId('dvc-test');
  const dvc = new Dvc(stack.tools.dvc, { url: `s3://${BUCKETS.datasets}/${prefix}`, ...stack.minio });
  const csv = 'id,distance,late\n1,120,0\n2,950,1\n3,430,0\n';

  it('adds and pushes a file, then pulls the same bytes into a fresh workspace', async () => {
    const first = await workspace();
    await dvc.init(first);
    await writeFile(join(first, 'flights.csv'), csv);
    const version = await dvc.add(first, 'flights.csv');
    await dvc.push(first);

    expect(version.size).toBe(Buffer.byteLength(csv));
    const pushed = await listKeys(`${prefix}/`);
    expect(pushed.some((key) => key.endsWith(version.md5.slice(2)))).toBe(true);

    const fresh = await workspace();
    await dvc.init(fresh);
    await copyFile(join(first, 'flights.csv.dvc'), join(fresh, 'flights.csv.dvc'));
    await dvc.pull(fresh);
    expect(await readFile(join(fresh, 'flights.csv'), 'utf8')).toBe(csv);
  });

  it('gives the same bytes the same version and stores them once', async () => {
    const a = await workspace();
    const b = await workspace();
    await dvc.init(a);
    await dvc.init(b);
    await writeFile(join(a, 'same.csv'), csv + '4,10,1\n');
    await writeFile(join(b, 'again.csv'), csv + '4,10,1\n');
    const [va, vb] = [await dvc.add(a, 'same.csv'), await dvc.add(b, 'again.csv')];
    await dvc.push(a);
    const before = await listKeys(`${prefix}/`);
    await dvc.push(b);

    expect(vb.md5).toBe(va.md5);
    expect(await listKeys(`${prefix}/`)).toEqual(before);
  });

  it('reports a pull of a version the remote does not have as a DvcError', async () => {
    const dir = await workspace();
    await dvc.init(dir);
    await writeFile(join(dir, 'missing.csv.dvc'), 'outs:\n- md5: 0123456789abcdef0123456789abcdef\n  size: 3\n  hash: md5\n  path: missing.csv\n');
    await expect(dvc.pull(dir)).rejects.toThrow(DvcError);
  });
});
