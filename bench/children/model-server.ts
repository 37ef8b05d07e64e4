/**
 * The model server as `ctrain serve` builds it, in its own process, on a free loopback port:
 * the registry and models from MinIO, prediction logging on. The per-caller rate limit is set
 * past what the load generator sends (all its requests come from one address).
 */
import { createModelServer } from '../../serving/server.js';
import { ObjectStore } from '../../storage/gateway.js';

const [endpoint, accessKey, secretKey, modelName] = process.argv.slice(2);
const server = await createModelServer({ storage: new ObjectStore({ endpoint: endpoint!, accessKey: accessKey!, secretKey: secretKey! }), models: [modelName!], rateLimit: { max: 1e9, windowMs: 60_000 } });
const url = await server.app.listen({ host: '127.0.0.1', port: 0 });
console.log(`listening on ${url} backend ${server.backend.name}`);
process.once('SIGTERM', () => void server.close().then(() => process.exit(0)));
