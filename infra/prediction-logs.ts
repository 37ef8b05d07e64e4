import { join } from 'node:path';
import type { LogKind, PredictionRecord, PredictionRequestLine } from '../contracts/prediction-log.js';
import { PREDICTION_LOG_FORMAT, predictionRecordsOf } from '../contracts/prediction-log.js';
import { formatOf } from '../contracts/format-version.js';
import { logKeys } from '../storage/layout.js';
import type { ObjectStore } from '../storage/gateway.js';

/** Every record of one kind written for the model between two ISO times (by UTC day folder): a line of several predictions gives a record of each. */
export async function readLog<T>(storage: ObjectStore, modelName: string, kind: LogKind, since: string, until: string): Promise<T[]> {
  const records: T[] = [];
  for (const day of daysBetween(since, until)) {
    const folder = logKeys.day(modelName, kind, day);
    for (const key of await storage.listKeys(folder)) {
      for (const line of (await storage.getText({ bucket: folder.bucket, key })).split('\n')) {
        if (!line) continue;
        const record = JSON.parse(line) as { format?: number };
        // Formats 1 to 3 are read alike (a line of format 3 may hold a request's predictions); a newer one is refused, not misread.
        formatOf(record, PREDICTION_LOG_FORMAT, `a line of ${key} in the prediction log`);
        if (kind === 'predictions') records.push(...(predictionRecordsOf(record as PredictionRecord | PredictionRequestLine) as T[]));
        else records.push(record as T);
      }
    }
  }
  return records;
}

/**
 * Downloads every object of one kind written for the model between two ISO times (by UTC day
 * folder) into `dir`, a few at a time, and returns their local paths and keys in readLog's order.
 */
export async function downloadLog(storage: ObjectStore, modelName: string, kind: LogKind, since: string, until: string, dir: string): Promise<{ path: string; key: string }[]> {
  const objects: { bucket: string; key: string }[] = [];
  for (const day of daysBetween(since, until)) {
    const folder = logKeys.day(modelName, kind, day);
    objects.push(...(await storage.listKeys(folder)).map((key) => ({ bucket: folder.bucket, key })));
  }
  const paths = objects.map((_, i) => join(dir, `${kind}-${String(i).padStart(6, '0')}.jsonl`));
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let i = next++; i < objects.length; i = next++) await storage.download(objects[i]!, paths[i]!);
  };
  await Promise.all(Array.from({ length: Math.min(DOWNLOADS_AT_ONCE, objects.length) }, worker));
  return objects.map(({ key }, i) => ({ path: paths[i]!, key }));
}

/** Log objects downloaded at once: enough to hide MinIO's latency, few enough to be gentle. */
const DOWNLOADS_AT_ONCE = 8;

export function daysBetween(since: string, until: string): string[] {
  const days: string[] = [];
  for (let day = new Date(since.slice(0, 10)); day.toISOString().slice(0, 10) <= until.slice(0, 10); day.setUTCDate(day.getUTCDate() + 1)) {
    days.push(day.toISOString().slice(0, 10));
  }
  return days;
}
