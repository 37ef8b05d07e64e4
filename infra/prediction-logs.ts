import type { LogKind } from '../contracts/prediction-log.js';
import { PREDICTION_LOG_FORMAT } from '../contracts/prediction-log.js';
import { formatOf } from '../contracts/format-version.js';
import { logKeys } from '../storage/layout.js';
import type { ObjectStore } from '../storage/gateway.js';

/** Every record of one kind written for the model between two ISO times (by UTC day folder). */
export async function readLog<T>(storage: ObjectStore, modelName: string, kind: LogKind, since: string, until: string): Promise<T[]> {
  const records: T[] = [];
  for (const day of daysBetween(since, until)) {
    const folder = logKeys.day(modelName, kind, day);
    for (const key of await storage.listKeys(folder)) {
      for (const line of (await storage.getText({ bucket: folder.bucket, key })).split('\n')) {
        if (!line) continue;
        const record = JSON.parse(line) as T & { format?: number };
        // Formats 1 and 2 have the same fields; a newer one is refused, not misread.
        formatOf(record, PREDICTION_LOG_FORMAT, `a line of ${key} in the prediction log`);
        records.push(record);
      }
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
