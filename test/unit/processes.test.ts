import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { isAlive, isOurs, stopProcess } from '../../stack/processes.js';

function startSleeper(marker: string): number {
  const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60_000)', marker], { detached: true, stdio: 'ignore' });
  child.unref();
  if (!child.pid) throw new Error('could not start the sleeper');
  return child.pid;
}

describe('stopping only the processes we started', () => {
  it('leaves a process alone when its command line lacks our marker', async () => {
    const marker = `ctrain-marker-${randomUUID()}`;
    const pid = startSleeper(marker);
    try {
      expect(isOurs(pid, marker)).toBe(true);
      expect(await stopProcess(pid, `ctrain-marker-${randomUUID()}`)).toBe(false);
      expect(isAlive(pid)).toBe(true);
    } finally {
      await stopProcess(pid, marker);
    }
  });

  it('stops a process that carries our marker', async () => {
    const marker = `ctrain-marker-${randomUUID()}`;
    const pid = startSleeper(marker);
    expect(await stopProcess(pid, marker)).toBe(true);
    expect(isOurs(pid, marker)).toBe(false);
  });
});
