/**
 * Where the machine's CPU went during a measurement, from /proc: each named part's CPU seconds
 * (a process, its descendants, and the children it has already reaped) as a share of the whole
 * machine (all cores), and how busy the machine was in all. Tells which part limits a throughput:
 * a part near its own ceiling, or a machine with nothing left.
 */
import { readdir, readFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';

/** A part of the system to account for: processes by pid, each counted with everything below it unless `alone`. */
export interface CpuPart {
  name: string;
  pids: number[];
  alone?: boolean;
}

interface ProcessTimes {
  ppid: number;
  /** utime + stime + cutime + cstime, in clock ticks. */
  ticks: number;
}

// Linux's USER_HZ: clock ticks per second in /proc's times (getconf CLK_TCK), 100 on every mainstream build.
const TICKS_PER_SECOND = 100;

export interface CpuSample {
  at: number;
  processes: Map<number, ProcessTimes>;
  machine: { busy: number; total: number };
}

export async function sampleCpu(): Promise<CpuSample> {
  const processes = new Map<number, ProcessTimes>();
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const stat = await readFile(`/proc/${name}/stat`, 'utf8').catch(() => '');
    // The command name (field 2) may hold spaces and parentheses: the fields after its last ')' are fixed.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (fields.length < 15) continue;
    const [ppid, utime, stime, cutime, cstime] = [fields[1], fields[11], fields[12], fields[13], fields[14]].map(Number);
    processes.set(Number(name), { ppid: ppid!, ticks: utime! + stime! + cutime! + cstime! });
  }
  const cpu = (await readFile('/proc/stat', 'utf8')).split('\n')[0]!.split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal: idle and iowait are the machine waiting.
  const total = cpu.slice(0, 8).reduce((sum, value) => sum + value, 0);
  return { at: performance.now(), processes, machine: { busy: total - cpu[3]! - cpu[4]!, total } };
}

/** Each part's share of the machine between two samples (1 = every core busy the whole time), and the machine's. */
export function cpuShares(before: CpuSample, after: CpuSample, parts: CpuPart[]): { shares: Record<string, number>; machine: number } {
  const seconds = (after.at - before.at) / 1000;
  const capacity = seconds * availableParallelism() * TICKS_PER_SECOND;
  const shares: Record<string, number> = {};
  for (const part of parts) {
    const members = part.alone ? new Set(part.pids) : descendants(after.processes, part.pids);
    let ticks = 0;
    for (const pid of members) ticks += (after.processes.get(pid)?.ticks ?? 0) - (before.processes.get(pid)?.ticks ?? 0);
    shares[part.name] = Math.max(0, ticks) / capacity;
  }
  const machine = (after.machine.busy - before.machine.busy) / Math.max(1, after.machine.total - before.machine.total);
  return { shares, machine };
}

function descendants(processes: Map<number, ProcessTimes>, roots: number[]): Set<number> {
  const children = new Map<number, number[]>();
  for (const [pid, { ppid }] of processes) children.set(ppid, [...(children.get(ppid) ?? []), pid]);
  const found = new Set<number>();
  const queue = roots.filter((pid) => processes.has(pid));
  while (queue.length > 0) {
    const pid = queue.pop()!;
    if (found.has(pid)) continue;
    found.add(pid);
    queue.push(...(children.get(pid) ?? []));
  }
  return found;
}
