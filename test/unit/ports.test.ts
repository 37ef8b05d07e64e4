import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { assertPortFree, freePort, PortInUseError } from '../../stack/ports.js';

describe('port checks', () => {
  it('accepts a free port and names the service and variable for a taken one', async () => {
    const port = await freePort();
    await expect(assertPortFree(port, 'MinIO S3 API', 'CTRAIN_MINIO_PORT')).resolves.toBeUndefined();

    const server = createServer();
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    try {
      const check = assertPortFree(port, 'MinIO S3 API', 'CTRAIN_MINIO_PORT');
      await expect(check).rejects.toThrow(PortInUseError);
      await expect(assertPortFree(port, 'MinIO S3 API', 'CTRAIN_MINIO_PORT')).rejects.toThrow(`Port ${port} on 127.0.0.1 (MinIO S3 API) is already in use`);
      await expect(assertPortFree(port, 'MinIO S3 API', 'CTRAIN_MINIO_PORT')).rejects.toThrow('CTRAIN_MINIO_PORT');
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
