/** The peer: a bare fastify server of the same version on the same route, answering a constant. */
import Fastify from 'fastify';

const app = Fastify({ logger: false });
const answer = { predictions: [{ id: 'constant', version: 1, alias: 'production', score: 0.5 }] };
app.post('/v1/models/:model/predict', (_request, reply) => reply.send(answer));
const url = await app.listen({ host: '127.0.0.1', port: 0 });
console.log(`listening on ${url}`);
process.once('SIGTERM', () => void app.close().then(() => process.exit(0)));
