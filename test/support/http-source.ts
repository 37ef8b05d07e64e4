import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What the test server answers for one path. */
export interface HttpRoute {
  /** Default 200. */
  status?: number;
  body: string;
  /** Sent in this many writes, so the client sees a chunked, streamed body. Default 1. */
  chunks?: number;
}

export interface HttpSource {
  /** `http://127.0.0.1:<port><path>` */
  url: (path: string) => string;
  close: () => Promise<void>;
}

/** Serves fixed bodies on 127.0.0.1 (a free port); any other path answers 404. */
export async function serveHttpSource(routes: Record<string, HttpRoute>): Promise<HttpSource> {
  const server = createServer((request, response) => {
    const route = routes[new URL(request.url ?? '/', 'http://localhost').pathname];
    if (!route) {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    response.writeHead(route.status ?? 200, { 'content-type': 'text/plain' });
    const chunks = Math.max(1, route.chunks ?? 1);
    const size = Math.ceil(route.body.length / chunks);
    for (let start = 0; start < route.body.length; start += size) response.write(route.body.slice(start, start + size));
    response.end();
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: (path) => `http://127.0.0.1:${port}${path}`,
    close: async () => {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}
