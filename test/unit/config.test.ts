import { describe, expect, it } from 'vitest';
import { configFromEnv, devPorts } from '../../infra/config.js';

describe('service configuration from the environment', () => {
  it('defaults to the embedded stack on loopback with development credentials', () => {
    const config = configFromEnv({});
    expect(config.temporal).toEqual({ address: '127.0.0.1:7233', namespace: 'default' });
    expect(config.minio).toEqual({ endpoint: 'http://127.0.0.1:9000', accessKey: 'ctrain', secretKey: 'ctrain-dev-secret' });
  });

  it('follows the port variables and lets explicit addresses win', () => {
    expect(configFromEnv({ CTRAIN_TEMPORAL_PORT: '17233', CTRAIN_MINIO_PORT: '19000' }).temporal.address).toBe('127.0.0.1:17233');
    const config = configFromEnv({ CTRAIN_TEMPORAL_ADDRESS: 'temporal:7233', CTRAIN_MINIO_ENDPOINT: 'http://minio:9000', CTRAIN_MINIO_PORT: '19000' });
    expect(config.temporal.address).toBe('temporal:7233');
    expect(config.minio.endpoint).toBe('http://minio:9000');
  });

  it('refuses a port that is not a TCP port, naming the variable', () => {
    expect(() => devPorts({ CTRAIN_MINIO_PORT: 'nine' })).toThrow('CTRAIN_MINIO_PORT=nine is not a valid TCP port');
    expect(() => devPorts({ CTRAIN_TEMPORAL_UI_PORT: '70000' })).toThrow('CTRAIN_TEMPORAL_UI_PORT=70000');
  });
});
