/** Prometheus metrics of one alert receiver, in its own registry (never prom-client's global one). */
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export type AlertMetrics = ReturnType<typeof createAlertMetrics>;

export function createAlertMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'ctrain_alerts_' });
  return {
    registry,
    received: new Counter({
      name: 'ctrain_alerts_received_total',
      help: 'Alerts received, by route (alertmanager or plain) and outcome',
      labelNames: ['route', 'outcome'] as const,
      registers: [registry],
    }),
    outcomes: new Counter({
      name: 'ctrain_alerts_outcomes_total',
      help: "Alerts by the model they name and what became of them (signalled, resolved-ignored, signal-failed…); model is '' for none or an invalid name, (unknown) for a model not served",
      labelNames: ['model', 'outcome'] as const,
      registers: [registry],
    }),
    signals: new Counter({
      name: 'ctrain_alerts_signals_total',
      help: 'Retrain signals sent to model workflows (signal-with-start), by model and result (sent or failed)',
      labelNames: ['model', 'result'] as const,
      registers: [registry],
    }),
    authFailures: new Counter({
      name: 'ctrain_alerts_auth_failures_total',
      help: 'Requests refused with 401, by reason (missing or invalid credentials)',
      labelNames: ['reason'] as const,
      registers: [registry],
    }),
    signalLatency: new Histogram({
      name: 'ctrain_alerts_signal_duration_seconds',
      help: 'Time for one signal-with-start to be accepted by Temporal, in seconds',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
  };
}
