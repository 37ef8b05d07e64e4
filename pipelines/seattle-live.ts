import { definePipeline } from '../contracts/pipeline-spec.js';
import seattleTemperature from './seattle-temperature.js';

/**
 * The Seattle regressor over a dataset that grows: its source is an object in MinIO that new
 * days are appended to, so a retraining ingests fresh data. The demo's drift story runs on it:
 * paced for a demo (short debounce, soak and cooldown).
 */
export default definePipeline({
  ...seattleTemperature,
  name: 'seattle-live',
  description: 'Regression: Seattle daily maximum temperature, retrained as new days arrive in MinIO',
  source: { uri: 's3://ctrain-datasets/live/seattle-weather.csv', format: 'csv' },
  // Later data covers other seasons: blessing compares with production on the new test rows.
  evaluation: { metric: 'rmse', threshold: 4, maxRegression: 0.5 },
  deploy: { canaryPercent: 50, soak: '15 seconds', approval: 'auto' },
  drift: { check: '5 minutes', psi: 0.2, minRows: 100, debounce: '2 seconds', cooldown: '10 seconds' },
});
