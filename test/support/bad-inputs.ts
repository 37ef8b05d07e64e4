/** Fixtures for the bad-inputs catalogue: a small clean table, a streamed large CSV, and peak RSS while something runs. */
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { finished } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';

const COLORS = ['red', 'green', 'blue'];

/** One row of the clean table: two numbers, a colour, a binary label that depends on them. */
export function cleanRow(i: number): { id: number; x1: number; x2: number; color: string; y: boolean } {
  const x1 = ((i * 37) % 100) / 10;
  const x2 = ((i * 53) % 70) / 10;
  const color = COLORS[i % COLORS.length]!;
  return { id: i, x1, x2, color, y: x1 + (color === 'red' ? 2 : 0) > x2 + 1 };
}

/** The clean table as CSV text, `rows` rows, with `edit` applied to each row's fields first. */
export function cleanCsv(rows: number, edit: (fields: Record<string, string>, i: number) => Record<string, string> = (fields) => fields): string {
  const lines: string[] = [];
  for (let i = 0; i < rows; i++) {
    const fields = edit(Object.fromEntries(Object.entries(cleanRow(i)).map(([key, value]) => [key, String(value)])), i);
    if (i === 0) lines.push(Object.keys(fields).join(','));
    lines.push(Object.values(fields).join(','));
  }
  return `${lines.join('\n')}\n`;
}

/** The clean table as JSON Lines, with `edit` applied to each row first. */
export function cleanJsonl(rows: number, edit: (row: Record<string, unknown>, i: number) => Record<string, unknown>): string {
  return Array.from({ length: rows }, (_, i) => JSON.stringify(edit(cleanRow(i), i))).join('\n') + '\n';
}

/** Writes a CSV of at least `bytes` bytes to `path`, a block at a time with backpressure; returns its rows and size. */
export async function writeLargeCsv(path: string, bytes: number): Promise<{ rows: number; bytes: number }> {
  const out = createWriteStream(path);
  let written = 0;
  let rows = 0;
  const header = 'id,x1,x2,color,y,note\n';
  out.write(header);
  written += header.length;
  while (written < bytes) {
    let block = '';
    for (let k = 0; k < 10_000; k++, rows++) {
      const row = cleanRow(rows);
      block += `${row.id},${row.x1},${row.x2},${row.color},${row.y},note ${rows % 5000}\n`;
    }
    written += block.length;
    if (!out.write(block)) await once(out, 'drain');
  }
  out.end();
  await finished(out);
  return { rows, bytes: written };
}

/** Runs `work`, sampling this process's RSS every 50 ms; answers its result and the peak RSS growth in bytes. */
export async function peakRssGrowth<T>(work: () => Promise<T>): Promise<{ result: T; growth: number }> {
  globalThis.gc?.();
  const baseline = process.memoryUsage.rss();
  let peak = baseline;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, 50);
  try {
    const result = await work();
    peak = Math.max(peak, process.memoryUsage.rss());
    return { result, growth: peak - baseline };
  } finally {
    clearInterval(timer);
  }
}

const PEAK_RSS_CHILD = fileURLToPath(new URL('./peak-rss-child.ts', import.meta.url));

/**
 * Runs one job of test/support/peak-rss-child.ts in a fresh Node process and answers its result and
 * peak RSS growth there. In a test worker that has already run other tests, what the allocators kept
 * from them (V8's heap, the columnar engine's arenas) blurs one job's own growth.
 */
export async function peakRssInChild<T>(job: 'read-statistics' | 'ingest', argument: string, env: Record<string, string> = {}): Promise<{ result: T; growth: number }> {
  const { stdout } = await execa(process.execPath, ['--expose-gc', '--import', 'tsx', PEAK_RSS_CHILD, job, argument], { env });
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as { result: T; growth: number };
}
