/**
 * One configuration, two launchers: docker-compose.yml runs the production topology with the
 * versions and the Temporal server and Web UI configuration files that `ctrain dev up --topology
 * production` runs here (and the production test tier tests), so what is tested is what a team deploys.
 */
import { readFileSync } from 'node:fs';
import { join, posix, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { PROJECT_ROOT } from '../../stack/paths.js';
import { CONFIG_FILES, MINIO_DRIVES, TEMPORAL_DATABASES, temporalServerEnv } from '../../stack/production-stack.js';
import { PINNED, POSTGRES_RELEASE } from '../../stack/versions.js';

interface Service {
  image?: string;
  build?: string;
  command?: string[];
  environment?: Record<string, string>;
  volumes?: string[];
}
const compose = parse(readFileSync(join(PROJECT_ROOT, 'docker-compose.yml'), 'utf8'), { merge: true }) as { services: Record<string, Service>; volumes: Record<string, unknown> };
const service = (name: string): Service => compose.services[name] ?? {};
const tagOf = (image: string | undefined): string => image?.split(':').at(-1) ?? '';
const withoutV = (version: string): string => version.replace(/^v/, '');

/** Where a container path comes from on the host, through the service's bind mounts (`./host:/container[:ro]`). */
function hostPathOf(entry: Service, containerPath: string): string | undefined {
  for (const volume of entry.volumes ?? []) {
    const [host, container] = volume.split(':');
    if (!host?.startsWith('./') || !container) continue;
    if (containerPath === container) return resolve(PROJECT_ROOT, host);
    if (containerPath.startsWith(`${container}/`)) return resolve(PROJECT_ROOT, host, posix.relative(container, containerPath));
  }
  return undefined;
}

/** The variables a configuration template reads (`env "NAME"`). */
function templateVariables(path: string): Set<string> {
  return new Set([...readFileSync(path, 'utf8').matchAll(/env "([A-Z0-9_]+)"/g)].map((match) => match[1]!));
}

describe('docker-compose.yml and the production launcher', () => {
  it('run the same versions of PostgreSQL, the Temporal server and its schema tool, the Web UI and MinIO', () => {
    expect(tagOf(service('postgresql').image)).toBe(POSTGRES_RELEASE);
    expect(tagOf(service('temporal').image)).toBe(withoutV(PINNED.temporalServer));
    expect(tagOf(service('temporal-schema').image)).toBe(withoutV(PINNED.temporalServer));
    expect(tagOf(service('temporal-ui').image)).toBe(withoutV(PINNED.temporalUi));
    // MinIO is built from its Go module in both: the image's tag and the Dockerfile's default version are the pinned one.
    expect(tagOf(service('minio').image)).toBe(PINNED.minio);
    const dockerfile = readFileSync(resolve(PROJECT_ROOT, service('minio').build ?? '', 'Dockerfile'), 'utf8');
    expect(/ARG MINIO_VERSION=(\S+)/.exec(dockerfile)?.[1]).toBe(PINNED.minio);
    expect(/ARG GO_IMAGE=golang:(\S+?)-/.exec(dockerfile)?.[1]).toBe(PINNED.goToolchain.replace(/^go/, ''));
  });

  it('give the Temporal server and the Web UI the very files the launcher copies', () => {
    const temporal = service('temporal');
    expect(hostPathOf(temporal, temporal.environment?.TEMPORAL_SERVER_CONFIG_FILE_PATH ?? '')).toBe(CONFIG_FILES.server);
    expect(hostPathOf(temporal, temporal.environment?.CTRAIN_TEMPORAL_DYNAMIC_CONFIG ?? '')).toBe(CONFIG_FILES.dynamic);
    // The UI image renders /home/ui-server/config/docker.yaml as its configuration.
    expect(hostPathOf(service('temporal-ui'), '/home/ui-server/config/docker.yaml')).toBe(CONFIG_FILES.ui);
  });

  it('set only variables the configuration files read, and the launcher sets every one that has no default', () => {
    const serverReads = templateVariables(CONFIG_FILES.server);
    const launcher = temporalServerEnv(
      { home: '/stack', ports: { temporal: 7233, temporalUi: 8233, minio: 9000, minioConsole: 9001 }, minio: { accessKey: 'a', secretKey: 'b' }, postgres: { port: 5432, user: 'temporal', password: 'temporal' } },
      { http: 1, history: 2, matching: 3, worker: 4, frontendMembership: 5, historyMembership: 6, matchingMembership: 7, workerMembership: 8, metrics: 9 },
    );
    expect(Object.keys(launcher).filter((name) => !serverReads.has(name))).toEqual([]);
    // Compose's own: the image's entry point reads TEMPORAL_* and BIND_ON_IP; the rest go to the file.
    const composeSets = Object.keys(service('temporal').environment ?? {}).filter((name) => name.startsWith('CTRAIN_'));
    expect(composeSets.filter((name) => !serverReads.has(name))).toEqual([]);
    // Both point the server at PostgreSQL and name the dynamic configuration.
    for (const name of ['CTRAIN_POSTGRES_ADDRESS', 'CTRAIN_POSTGRES_PASSWORD', 'CTRAIN_TEMPORAL_DYNAMIC_CONFIG']) {
      expect(composeSets, name).toContain(name);
      expect(Object.keys(launcher), name).toContain(name);
    }
    const uiReads = templateVariables(CONFIG_FILES.ui);
    expect(Object.keys(service('temporal-ui').environment ?? {}).filter((name) => !uiReads.has(name))).toEqual([]);
  });

  it('create the same databases with the same embedded schemas', () => {
    const script = service('temporal-schema').command?.join('\n') ?? '';
    const pairs = TEMPORAL_DATABASES.map(({ database, schema }) => `${database}:${schema.split('/').at(-1)}`);
    expect(script).toContain(`for pair in ${pairs.join(' ')}; do`);
    expect(script).toContain('update-schema --schema-name "postgresql/v12/$$schema"');
    expect(TEMPORAL_DATABASES.every(({ schema }) => schema.startsWith('postgresql/v12/'))).toBe(true);
  });

  it('run MinIO erasure-coded over the same number of drives, each its own volume', () => {
    const minio = service('minio');
    expect(minio.command).toContain(`/data{1...${MINIO_DRIVES}}`);
    const drives = (minio.volumes ?? []).filter((volume) => /^minio-data\d+:\/data\d+$/.test(volume));
    expect(drives).toHaveLength(MINIO_DRIVES);
    for (const volume of drives) expect(Object.keys(compose.volumes)).toContain(volume.split(':')[0]);
  });
});
