// Will it rain tomorrow's way today? A binary label derived from precipitation.
export default {
  name: 'wet-days',
  description: 'Binary: a day with rain, from temperatures, wind and the month',
  source: { uri: './weather.csv', format: 'csv', window: { column: 'date', last: '730 days' } },
  label: { column: 'wet', kind: 'binary', positiveWhen: { column: 'precipitation', greaterThan: 0 } },
  features: { numeric: ['temp_max', 'temp_min', 'wind'], timeParts: { column: 'date', parts: ['month'] } },
  split: { by: 'time', column: 'date', test: 0.2, validation: 0.1 },
  evaluation: { metric: 'auc', threshold: 0.7 },
  deploy: { soak: '10 seconds' },
  drift: { minRows: 100, outcomes: { minOutcomes: 100 } },
};
