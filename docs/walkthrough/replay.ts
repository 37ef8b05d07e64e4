/**
 * Sends the days of a weather CSV between two dates as live traffic to the model server, then
 * posts each day's real outcome (rain or not). Usage: npx tsx replay.ts <csv> <from> <to>
 * Outcomes go with the bearer token in CTRAIN_FEEDBACK_TOKEN when the server asks for one.
 */
import { readFileSync } from 'node:fs';

type Day = { date: string; precipitation: number; temp_max: number; temp_min: number; wind: number };

const [file = 'weather.csv', from = '0000', to = '9999'] = process.argv.slice(2);
const [header = '', ...lines] = readFileSync(file, 'utf8').trim().split('\n');
const names = header.split(',');
const days: Day[] = lines
  .map((line) => {
    const cells = line.split(',');
    const cell = (name: string): string => cells[names.indexOf(name)] ?? '';
    return { date: cell('date'), precipitation: Number(cell('precipitation')), temp_max: Number(cell('temp_max')), temp_min: Number(cell('temp_min')), wind: Number(cell('wind')) };
  })
  .filter((day) => day.date >= from && day.date <= to);

async function post<T>(path: string, body: unknown): Promise<T> {
  const token = process.env.CTRAIN_FEEDBACK_TOKEN;
  const headers = { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) };
  const response = await fetch(`http://127.0.0.1:8080/v1/models/wet-days/${path}`, { method: 'POST', headers, body: JSON.stringify(body) });
  if (!response.ok) throw new Error(`${path}: HTTP ${response.status}: ${await response.text()}`);
  return (await response.json()) as T;
}

const rows = days.map(({ date, temp_max, temp_min, wind }) => ({ date, temp_max, temp_min, wind }));
const { predictions } = await post<{ predictions: { id: string }[] }>('predict', { rows });
await post('feedback', { outcomes: predictions.map((prediction, i) => ({ id: prediction.id, label: (days[i]?.precipitation ?? 0) > 0 ? 1 : 0 })) });
console.log(`sent ${rows.length} days (${from} .. ${to}) and their outcomes`);
