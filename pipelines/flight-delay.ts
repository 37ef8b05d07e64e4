import { definePipeline } from '../contracts/pipeline-spec.js';

/**
 * Will a US domestic flight leave more than 15 minutes late? The 3M-row file is sorted by date
 * (Jan–Jun 2001); its first 150,000 rows span about nine days, so the model trains in seconds on
 * two CPU cores.
 */
export default definePipeline({
  name: 'flight-delay',
  description: 'Binary: departure delay over 15 minutes, from route, distance and scheduled hour',
  source: { uri: 'package://vega-datasets/data/flights-3m.parquet', format: 'parquet', limit: 150_000 },
  label: { column: 'late', kind: 'binary', positiveWhen: { column: 'delay', greaterThan: 15 } },
  features: {
    numeric: ['distance'],
    categorical: ['origin', 'destination'],
    // No day of week: nine days hold each test weekday once in training, in New Year's week, when
    // a third of flights left late; the model learnt those days, not the weekdays, and was
    // miscalibrated on the test days (log loss worse than the prior rate's).
    timeParts: { column: 'date', parts: ['hour'] },
    // The 100 busiest airports per side cover nearly all flights; the one-hot input stays near 200 wide.
    maxVocabulary: 100,
  },
  split: { by: 'time', column: 'date', test: 0.2, validation: 0.1 },
  network: { kind: 'mlp', hidden: [32, 16], dropout: 0.1 },
  training: { epochs: 8, batchSize: 1024, learningRate: 3e-3, earlyStopPatience: 2, seed: 7 },
  // The departure hour alone ranks late flights at an AUC near 0.60 (vega's flights-200k sample).
  // Accuracy is no blessing metric here: 18% of the test days' flights are late against 26% of
  // the training days', and no threshold on any score beats always answering "on time" (0.822)
  // by more than a few rows. AUC, log loss and Brier score beat the prior rate's; the report shows all.
  evaluation: { metric: 'auc', threshold: 0.6, maxRegression: 0.005 },
  deploy: { canaryPercent: 10, soak: '2 minutes', approval: 'auto' },
  drift: { check: '5 minutes', psi: 0.2, minRows: 500, cooldown: '30 minutes' },
});
