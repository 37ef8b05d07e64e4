/**
 * The model server as `ctrain serve` builds and runs it, in its own process, on a free loopback
 * port: the code of the CLI's compiled build (scripts/build-cli.mjs), not the sources through the
 * TypeScript loader, which adds work to every closure; the registry and models from MinIO,
 * prediction logging on. The per-caller rate limit is set past what the load generator sends (all
 * its requests come from one address).
 */
// @ts-expect-error plain JavaScript module without type declarations
import { builtModule as untypedBuiltModule } from '../../scripts/build-cli.mjs';

import type * as ServerModule from '../../serving/server.js';
import type * as StorageModule from '../../storage/gateway.js';

const builtModule = untypedBuiltModule as (path: string) => Promise<string>;

const { createModelServer } = (await import(await builtModule('serving/server.js'))) as typeof ServerModule;
const { ObjectStore } = (await import(await builtModule('storage/gateway.js'))) as typeof StorageModule;

const [endpoint, accessKey, secretKey, modelName] = process.argv.slice(2);
const server = await createModelServer({ storage: new ObjectStore({ endpoint: endpoint!, accessKey: accessKey!, secretKey: secretKey! }), models: [modelName!], rateLimit: { max: 1e9, windowMs: 60_000 } });
const url = await server.app.listen({ host: '127.0.0.1', port: 0 });
console.log(`listening on ${url} backend ${server.backend.name}`);
process.once('SIGTERM', () => void server.close().then(() => process.exit(0)));
