/**
 * Runs a benchmark child (a TypeScript file under bench/children) in its own Node process, so
 * its peak memory is its own, and reads the JSON it prints on its last line.
 */
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';

export async function runChild<T>(file: string, args: readonly string[], env: Record<string, string> = {}): Promise<T> {
  const path = fileURLToPath(new URL(`../children/${file}`, import.meta.url));
  const result = await execa(process.execPath, [...profileFlags(), '--import', 'tsx', path, ...args], { env, reject: false, all: true });
  if (result.exitCode !== 0) throw new Error(`bench child ${file} ${args.join(' ')} failed (exit ${result.exitCode}):\n${(result.all ?? '').slice(-3000)}`);
  return lastJsonLine<T>(result.stdout, file);
}

export async function runPython<T>(python: string, script: string, args: readonly string[]): Promise<T> {
  const path = fileURLToPath(new URL(`../peers/${script}`, import.meta.url));
  const result = await execa(python, [path, ...args], { reject: false, all: true });
  if (result.exitCode !== 0) throw new Error(`bench peer ${script} ${args.join(' ')} failed (exit ${result.exitCode}):\n${(result.all ?? '').slice(-3000)}`);
  return lastJsonLine<T>(result.stdout, script);
}

function lastJsonLine<T>(stdout: string, what: string): T {
  const line = stdout.trim().split('\n').at(-1) ?? '';
  try {
    return JSON.parse(line) as T;
  } catch {
    throw new Error(`bench ${what} printed no JSON result on its last line; it printed:\n${stdout.slice(-2000)}`);
  }
}

/** CTRAIN_BENCH_PROFILE=<dir>: every Node child writes a CPU profile there (where the time goes). */
export const profileFlags = (): string[] => (process.env.CTRAIN_BENCH_PROFILE ? ['--cpu-prof', '--cpu-prof-dir', process.env.CTRAIN_BENCH_PROFILE] : []);

/** This process's peak resident memory in MiB (maxRSS is in KiB on Linux). */
export const peakRssMiB = (): number => process.resourceUsage().maxRSS / 1024;
