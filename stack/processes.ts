import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

/** True when a process with this pid exists (signal 0 probes without touching it). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The process's command line, or '' once it is gone. Used to confirm a pid is still the one we started. */
export function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
  } catch {
    return '';
  }
}

/** A process we started is identified by its pid plus a marker (its data folder) in its command line. */
export function isOurs(pid: number, marker: string): boolean {
  return isAlive(pid) && commandLine(pid).includes(marker);
}

/**
 * Stops a process group we started (SIGTERM, then SIGKILL after a grace period), but only
 * while its leader still carries our marker, so a recycled pid is never touched.
 */
export async function stopProcess(pid: number, marker: string, graceMs = 10_000): Promise<boolean> {
  if (!isOurs(pid, marker)) return false;
  signalGroup(pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (!isAlive(pid)) return true;
    await sleep(100);
  }
  signalGroup(pid, 'SIGKILL');
  while (isAlive(pid)) await sleep(50);
  return true;
}

/** Synchronous SIGKILL for exit handlers, where nothing asynchronous runs any more. */
export function killNow(pid: number, marker: string): void {
  if (isOurs(pid, marker)) signalGroup(pid, 'SIGKILL');
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      // already gone
    }
  }
}
