// Started by the serving test: runs the model server as `ctrain serve` would, prints where it listens, and exits on a signal.
import { modelServerOptionsFromEnv, runModelServer } from '../../serving/main.js';

const modelName = process.argv[2];
if (!modelName) throw new Error('usage: serving-child.ts <model>');
// A long flush interval: only the shutdown flush can write the log the test looks for.
const running = await runModelServer({ models: [modelName], port: 0, logLevel: 'warn', pollMs: 200, logSink: { flushMs: 600_000 }, ...modelServerOptionsFromEnv(process.env) });
console.log(JSON.stringify({ listening: running.url }));
