// Sends days of a CSV as live traffic, then posts each day's real outcome (rain or not).
import { readFileSync } from 'node:fs';
const [file, from, to] = process.argv.slice(2);
const [header, ...lines] = readFileSync(file, 'utf8').trim().split('\n');
const names = header.split(',');
const days = lines.map((line) => Object.fromEntries(line.split(',').map((v, i) => [names[i], names[i] === 'date' || names[i] === 'weather' ? v : Number(v)]))).filter((d) => d.date >= from && d.date <= to);
const rows = days.map(({ date, temp_max, temp_min, wind }) => ({ date, temp_max, temp_min, wind }));
const post = (path, body) => fetch(`http://127.0.0.1:8080/v1/models/wet-days/${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }).then((r) => r.json());
const { predictions } = await post('predict', { rows });
await post('feedback', { outcomes: predictions.map((p, i) => ({ id: p.id, label: days[i].precipitation > 0 ? 1 : 0 })) });
console.log(`sent ${rows.length} days (${from} .. ${to}) and their outcomes`);
