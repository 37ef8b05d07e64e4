import type { Client } from 'minio';
import type { LogKind } from '../contracts/prediction-log.js';
import { logPrefix } from '../contracts/prediction-log.js';
import { checkName } from '../contracts/names.js';
import { BUCKETS } from '../contracts/stack.js';
import { readText } from './storage.js';

/** Every record of one kind written for the model between two ISO times (by UTC day folder). */
export async function readLog<T>(storage: Client, model: string, kind: LogKind, since: string, until: string): Promise<T[]> {
  checkName(model);
  const records: T[] = [];
  for (const day of daysBetween(since, until)) {
    const keys: string[] = [];
    const listing = storage.listObjectsV2(BUCKETS.logs, logPrefix(model, kind, day), true) as AsyncIterable<{ name?: string }>;
    for await (const item of listing) if (item.name) keys.push(item.name);
    for (const key of keys) {
      for (const line of (await readText(storage, BUCKETS.logs, key)).split('\n')) if (line) records.push(JSON.parse(line) as T);
    }
  }
  return records;
}

export function daysBetween(since: string, until: string): string[] {
  const days: string[] = [];
  for (let day = new Date(since.slice(0, 10)); day.toISOString().slice(0, 10) <= until.slice(0, 10); day.setUTCDate(day.getUTCDate() + 1)) {
    days.push(day.toISOString().slice(0, 10));
  }
  return days;
}
