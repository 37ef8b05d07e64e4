import { cpus, freemem, totalmem, release } from 'node:os';
import type { BenchRow, Measurement } from './contract.js';
import { advantage } from './stats.js';

export interface MachineDescription {
  cpu: string;
  cores: number;
  memoryGiB: number;
  os: string;
  node: string;
  peers: Record<string, string>;
}

export function describeMachine(peers: Record<string, string>): MachineDescription {
  return {
    cpu: cpus()[0]?.model.trim() ?? 'unknown',
    cores: cpus().length,
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    os: `${process.platform} ${release()}`,
    node: process.version,
    peers,
  };
}

const number = (value: number): string => {
  const abs = Math.abs(value);
  const digits = abs >= 100 ? 0 : abs >= 10 ? 1 : abs >= 1 ? 2 : 3;
  return value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: 0 });
};

const measured = (m: Measurement): string => (m.runs > 1 ? `${number(m.median)} ${m.unit} (${number(m.min)}–${number(m.max)}, n=${m.runs})` : `${number(m.median)} ${m.unit}`);

/** The results as a markdown page: the machine, then one table row per comparison. */
export function renderMarkdown(rows: readonly BenchRow[], machine: MachineDescription, meta: { startedAt: string; seconds: number; quick: boolean }): string {
  const lines = [
    '# ctrain benchmarks',
    '',
    `Written by \`npm run bench\`${meta.quick ? ' --quick (small sizes: checks that it works, not a measurement)' : ''} on ${meta.startedAt}, in ${Math.round(meta.seconds / 60)} minutes.`,
    'Every row is the median of several runs (min–max and n beside it), ctrain and its peer measured in the same run on the same machine.',
    '"ctrain ÷ peer" is oriented so that above 1× means ctrain did better.',
    '',
    `Machine: ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB memory; ${machine.os}; Node ${machine.node}; peers: ${Object.entries(machine.peers).map(([name, version]) => `${name} ${version}`).join(', ')}.`,
    '',
    '| section | measurement | ctrain | peer | ctrain ÷ peer | target | met |',
    '|---|---|---|---|---|---|---|',
  ];
  for (const row of rows) {
    const peer = row.peer ? `${row.peer.name}: ${measured(row.peer)}` : '—';
    // 0 against 0 (both under the millisecond a latency is counted in) has no ratio.
    const ratio = row.peer && Number.isFinite(advantage(row.ctrain, row.peer, row.better)) ? `${number(advantage(row.ctrain, row.peer, row.better))}×` : '—';
    const met = row.target ? (row.target.met ? 'yes' : '**no**') : '—';
    lines.push(`| ${row.section} | ${row.name}${row.note ? ` — ${row.note}` : ''} | ${measured(row.ctrain)} | ${peer} | ${ratio} | ${row.target?.text ?? '—'} | ${met} |`);
  }
  lines.push('', `Free memory at the end: ${number(freemem() / 2 ** 30)} GiB.`, '');
  return lines.join('\n');
}
