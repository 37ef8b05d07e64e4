import type { Measurement } from './contract.js';

export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) throw new RangeError('quantile of no values');
  const sorted = [...values].sort((a, b) => a - b);
  const position = (sorted.length - 1) * q;
  const low = Math.floor(position);
  const high = Math.ceil(position);
  return sorted[low]! + (sorted[high]! - sorted[low]!) * (position - low);
}

export function summarize(values: readonly number[], unit: string): Measurement {
  return { median: quantile(values, 0.5), min: Math.min(...values), max: Math.max(...values), runs: values.length, unit };
}

/** Runs `measure` `times` times, one after the other, and summarises what it returned. */
export async function repeat(times: number, unit: string, measure: (index: number) => Promise<number>): Promise<Measurement> {
  const values: number[] = [];
  for (let i = 0; i < times; i++) values.push(await measure(i));
  return summarize(values, unit);
}

/** ctrain's median over the peer's, oriented so that above 1 always means ctrain is better. */
export function advantage(ctrain: Measurement, peer: Measurement, better: 'higher' | 'lower'): number {
  return better === 'higher' ? ctrain.median / peer.median : peer.median / ctrain.median;
}
