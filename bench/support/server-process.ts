import { fileURLToPath } from 'node:url';
import type { ResultPromise } from 'execa';
import { execa } from 'execa';
import { profileFlags } from './child.js';

/** A server under bench/children in its own process; ready once it prints where it listens. */
export async function startServerProcess(file: string, args: readonly string[]): Promise<{ url: string; stop: () => Promise<void> }> {
  const child: ResultPromise = execa(process.execPath, [...profileFlags(), '--import', 'tsx', fileURLToPath(new URL(`../children/${file}`, import.meta.url)), ...args], { reject: false, buffer: false, stderr: 'inherit' });
  const url = await new Promise<string>((resolve, reject) => {
    let seen = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      seen += chunk.toString();
      const match = /listening on (http:\/\/\S+)/.exec(seen);
      if (match) resolve(match[1]!);
    });
    child.once('exit', (code) => reject(new Error(`${file} exited with ${code} before it listened: ${seen}`)));
  });
  return {
    url,
    stop: async () => {
      child.kill('SIGTERM');
      await child;
    },
  };
}
