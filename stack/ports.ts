import { createServer } from 'node:net';

export class PortInUseError extends Error {
  override name = 'PortInUseError';
}

/** Asks the OS for a free loopback port. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** `count` distinct free loopback ports: all are held open together, so none is handed out twice. */
export async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from({ length: count }, () => new Promise<ReturnType<typeof createServer>>((resolve, reject) => {
      const server = createServer();
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve(server));
    })),
  );
  const ports = servers.map((server) => {
    const address = server.address();
    return typeof address === 'object' && address ? address.port : 0;
  });
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  return ports;
}

/** Fails fast, naming the service and how to move it, when a port is already taken. */
export async function assertPortFree(port: number, what: string, envVar: string): Promise<void> {
  if (!(await isFree(port))) {
    throw new PortInUseError(`Port ${port} on 127.0.0.1 (${what}) is already in use. Stop whatever holds it, or choose another port with ${envVar}.`);
  }
}

/**
 * `count` distinct free loopback ports between `from` and `to`, tried from a random point. The
 * production Temporal server needs this: it records its services' ports in PostgreSQL as
 * smallint, and the OS hands out free ports above 32767. `exclude`: ports already promised to
 * something that has not bound them yet.
 */
export async function freePortsBetween(count: number, from: number, to: number, exclude: number[] = []): Promise<number[]> {
  const span = to - from + 1;
  const start = Math.floor(Math.random() * span);
  const found: number[] = [];
  for (let step = 0; step < span && found.length < count; step++) {
    const port = from + ((start + step) % span);
    if (!exclude.includes(port) && (await isFree(port))) found.push(port);
  }
  if (found.length < count) throw new PortInUseError(`only ${found.length} of ${count} ports between ${from} and ${to} are free on 127.0.0.1`);
  return found;
}

async function isFree(port: number): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}
