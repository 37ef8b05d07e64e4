import { access } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { describe, expect, inject, it } from 'vitest';
import { isAlive } from '../../stack/processes.js';
import { cleanStaleTestStacks } from '../../harness/test-stack.js';

const CHILD = fileURLToPath(new URL('../support/owned-stack-child.ts', import.meta.url));
const stack = inject('stack');

describe('a test run killed halfway', () => {
  it('leaves a stack that the next run removes, without touching live runs', async () => {
    const child = execa(process.execPath, ['--import', 'tsx', CHILD], { reject: false, buffer: false });
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const started = await new Promise<{ home: string; pids: number[] }>((resolve, reject) => {
      child.stdout?.once('data', (line: Buffer) => resolve(JSON.parse(line.toString()) as { home: string; pids: number[] }));
      child.once('exit', (code) => reject(new Error(`child exited early with ${code}: ${stderr}`)));
    });
    child.kill('SIGKILL');
    await child;
    expect(started.pids).toHaveLength(2);
    for (const pid of started.pids) expect(isAlive(pid)).toBe(true);

    const cleaned = await cleanStaleTestStacks();

    expect(cleaned).toContain(started.home);
    for (const pid of started.pids) expect(isAlive(pid)).toBe(false);
    await expect(access(started.home)).rejects.toThrow();
    // This run's own stack (its owner is alive) is untouched.
    expect((await fetch(stack.webUi)).status).toBe(200);
  });
});
