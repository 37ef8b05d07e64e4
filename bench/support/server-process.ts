import { fileURLToPath } from 'node:url';
import type { ResultPromise } from 'execa';
import { execa } from 'execa';
import { profileFlags } from './child.js';

export interface ServerProcess {
  url: string;
  backend?: string;
  stop: () => Promise<void>;
}

/**
 * A server under bench/children in its own process; ready once it prints where it listens (and,
 * for the model server, `backend <name>`: the TensorFlow.js backend it scores on).
 */
export function startServerProcess(file: string, args: readonly string[]): Promise<ServerProcess> {
  return startListening(file, execa(process.execPath, [...profileFlags(), '--import', 'tsx', fileURLToPath(new URL(`../children/${file}`, import.meta.url)), ...args], { reject: false, buffer: false, stderr: 'inherit' }));
}

/** A peer's server under bench/peers, run by the peers' Python; ready, likewise, once it prints where it listens. */
export function startPythonServer(python: string, script: string, args: readonly string[]): Promise<ServerProcess> {
  return startListening(script, execa(python, [fileURLToPath(new URL(`../peers/${script}`, import.meta.url)), ...args], { reject: false, buffer: false, stderr: 'inherit' }));
}

async function startListening(file: string, child: ResultPromise): Promise<ServerProcess> {
  const { url, backend } = await new Promise<{ url: string; backend?: string }>((resolve, reject) => {
    let seen = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      seen += chunk.toString();
      const match = /listening on (http:\/\/\S+)(?: backend (\S+))?\n/.exec(seen);
      if (match) resolve({ url: match[1]!, backend: match[2] });
    });
    child.once('exit', (code) => reject(new Error(`${file} exited with ${code} before it listened: ${seen}`)));
  });
  return {
    url,
    backend,
    stop: async () => {
      child.kill('SIGTERM');
      await child;
    },
  };
}
