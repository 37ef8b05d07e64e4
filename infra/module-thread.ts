import { Worker } from 'node:worker_threads';

/**
 * A worker thread running the module `name` that sits beside the module at `from` (pass
 * import.meta.url): its .ts source under the TypeScript loader, its .js in the compiled build.
 */
export function startModuleThread(from: string, name: string, workerData: unknown): Worker {
  const self = new URL(from);
  const typescript = self.pathname.endsWith('.ts');
  const entry = new URL(`./${name}.${typescript ? 'ts' : 'js'}`, self);
  if (!typescript) return new Worker(entry, { workerData });
  // Node 20 does not apply `--import tsx` hooks to a worker's entry module, so a tiny
  // bootstrap registers tsx inside the thread before importing the TypeScript entry.
  const bootstrap = [`const { register } = await import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))});`, 'register();', `await import(${JSON.stringify(entry.href)});`].join('\n');
  return new Worker(new URL(`data:text/javascript,${encodeURIComponent(bootstrap)}`), { workerData });
}
