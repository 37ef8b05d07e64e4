import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { temporalOptionsFromEnv } from '../../infra/temporal-connection.js';
import { TemporalTlsError, temporalTlsFromEnv } from '../../infra/temporal-tls.js';

let dir: string;
const file = (name: string) => join(dir, name);

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ctrain-tls-'));
  await writeFile(file('ca.pem'), '-----BEGIN CERTIFICATE-----\nca\n-----END CERTIFICATE-----\n');
  await writeFile(file('client.pem'), '-----BEGIN CERTIFICATE-----\nclient\n-----END CERTIFICATE-----\n');
  await writeFile(file('client.key'), '-----BEGIN PRIVATE KEY-----\nkey\n-----END PRIVATE KEY-----\n');
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('TLS for the Temporal connection, from the environment', () => {
  it('is off by default and when turned off', async () => {
    expect(await temporalTlsFromEnv({})).toBeUndefined();
    expect(await temporalTlsFromEnv({ CTRAIN_TEMPORAL_TLS: '0' })).toBeUndefined();
  });

  it('uses the system roots with CTRAIN_TEMPORAL_TLS=1 alone', async () => {
    expect(await temporalTlsFromEnv({ CTRAIN_TEMPORAL_TLS: '1' })).toEqual({});
  });

  it('reads the CA, the client pair and the server name from the files named', async () => {
    const tls = await temporalTlsFromEnv({
      CTRAIN_TEMPORAL_TLS_CA_FILE: file('ca.pem'),
      CTRAIN_TEMPORAL_TLS_CERT_FILE: file('client.pem'),
      CTRAIN_TEMPORAL_TLS_KEY_FILE: file('client.key'),
      CTRAIN_TEMPORAL_TLS_SERVER_NAME: 'temporal.internal',
    });
    expect(Buffer.from(tls!.serverRootCACertificate!).toString()).toContain('\nca\n');
    expect(Buffer.from(tls!.clientCertPair!.crt).toString()).toContain('\nclient\n');
    expect(Buffer.from(tls!.clientCertPair!.key).toString()).toContain('PRIVATE KEY');
    expect(tls!.serverNameOverride).toBe('temporal.internal');
  });

  it('names the variable whose file is missing', async () => {
    const missing = file('nope.pem');
    await expect(temporalTlsFromEnv({ CTRAIN_TEMPORAL_TLS: '1', CTRAIN_TEMPORAL_TLS_CA_FILE: missing })).rejects.toThrow(TemporalTlsError);
    await expect(temporalTlsFromEnv({ CTRAIN_TEMPORAL_TLS_CA_FILE: missing })).rejects.toThrow(`CTRAIN_TEMPORAL_TLS_CA_FILE names ${missing}, which cannot be read (ENOENT)`);
    await expect(temporalTlsFromEnv({ CTRAIN_TEMPORAL_TLS_CERT_FILE: file('client.pem'), CTRAIN_TEMPORAL_TLS_KEY_FILE: missing })).rejects.toThrow(`CTRAIN_TEMPORAL_TLS_KEY_FILE names ${missing}`);
  });

  it('refuses half a client pair, a contradiction and a bad flag', async () => {
    await expect(temporalTlsFromEnv({ CTRAIN_TEMPORAL_TLS_CERT_FILE: file('client.pem') })).rejects.toThrow('needs both CTRAIN_TEMPORAL_TLS_CERT_FILE and CTRAIN_TEMPORAL_TLS_KEY_FILE');
    await expect(temporalTlsFromEnv({ CTRAIN_TEMPORAL_TLS: '0', CTRAIN_TEMPORAL_TLS_CA_FILE: file('ca.pem') })).rejects.toThrow('turns TLS off, but CTRAIN_TEMPORAL_TLS_CA_FILE is set');
    await expect(temporalTlsFromEnv({ CTRAIN_TEMPORAL_TLS: 'yes' })).rejects.toThrow('CTRAIN_TEMPORAL_TLS=yes must be 1 or 0');
  });

  it('ends up in the options every client and worker connection is built from', async () => {
    const options = await temporalOptionsFromEnv({ CTRAIN_TEMPORAL_ADDRESS: 'temporal.internal:7233', CTRAIN_TEMPORAL_TLS_CA_FILE: file('ca.pem') });
    expect(options.address).toBe('temporal.internal:7233');
    expect(options.tls?.serverRootCACertificate).toBeDefined();
    expect(options.dataConverter).toEqual({});
  });
});
