import { Writable } from 'node:stream';
import type { MetricMeter, MetricTags } from '@temporalio/common';
import { LogTimestamp } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';
import type { DriftCheckResult } from '../../contracts/drift-check.js';
import type { TrainManifest } from '../../contracts/pipeline-run.js';
import { TelemetryConfigError, createWorkerLog, logLevelFromEnv, pinoTemporalLogger, workerMetricsAddressFromEnv, workerTelemetryOptions } from '../../infra/worker-telemetry.js';
import { createWorkerInstruments, modelOf, recordDriftCheck, recordTraining } from '../../workers/step-telemetry.js';

describe('worker telemetry settings from the environment', () => {
  it('reads the metrics address: off when unset, empty or 0, loopback by default, the host when given', () => {
    expect(workerMetricsAddressFromEnv({})).toBeUndefined();
    expect(workerMetricsAddressFromEnv({ CTRAIN_WORKER_METRICS_PORT: '' })).toBeUndefined();
    expect(workerMetricsAddressFromEnv({ CTRAIN_WORKER_METRICS_PORT: '0' })).toBeUndefined();
    expect(workerMetricsAddressFromEnv({ CTRAIN_WORKER_METRICS_PORT: '9464' })).toBe('127.0.0.1:9464');
    expect(workerMetricsAddressFromEnv({ CTRAIN_WORKER_METRICS_PORT: '9464', CTRAIN_WORKER_METRICS_HOST: '0.0.0.0' })).toBe('0.0.0.0:9464');
    expect(workerMetricsAddressFromEnv({ CTRAIN_WORKER_METRICS_PORT: '9464', CTRAIN_WORKER_METRICS_HOST: '::1' })).toBe('[::1]:9464');
  });

  it('refuses a port that is no TCP port, naming the variable', () => {
    for (const port of ['abc', '-1', '65536', '94.64', '9464x']) {
      expect(() => workerMetricsAddressFromEnv({ CTRAIN_WORKER_METRICS_PORT: port }), port).toThrow(TelemetryConfigError);
      expect(() => workerMetricsAddressFromEnv({ CTRAIN_WORKER_METRICS_PORT: port }), port).toThrow(`CTRAIN_WORKER_METRICS_PORT=${port} is not a valid TCP port`);
    }
  });

  it('reads the log level in any case and refuses unknown ones', () => {
    expect(logLevelFromEnv({})).toBeUndefined();
    expect(logLevelFromEnv({ CTRAIN_LOG_LEVEL: 'Debug' })).toBe('DEBUG');
    expect(() => logLevelFromEnv({ CTRAIN_LOG_LEVEL: 'verbose' })).toThrow('CTRAIN_LOG_LEVEL=verbose is not a log level (one of trace, debug, info, warn, error).');
  });

  it('forwards Core logs at the chosen level and exports Prometheus metrics only when an address is given', () => {
    expect(workerTelemetryOptions('INFO', undefined)).toEqual({ logging: { filter: { core: 'INFO', other: 'ERROR' }, forward: {} } });
    expect(workerTelemetryOptions('WARN', '127.0.0.1:9464').metrics).toMatchObject({ prometheus: { bindAddress: '127.0.0.1:9464' } });
  });
});

describe('the Temporal logger over pino', () => {
  function capture(level: 'INFO' | 'DEBUG' = 'INFO') {
    const lines: Record<string, unknown>[] = [];
    const stream = new Writable({ write: (chunk: Buffer, _encoding, done) => (lines.push(...chunk.toString().split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, unknown>)), done()) });
    return { lines, logger: pinoTemporalLogger(createWorkerLog(level, stream), (message) => message.startsWith('No workflows')) };
  }

  it('writes one JSON line per entry with every meta field, at the entry’s own time', () => {
    const { lines, logger } = capture();
    const at = Date.UTC(2025, 0, 2, 3, 4, 5, 678);
    logger.info('writeAndReadBack completed in 0.012 s', { workflowId: 'wf-1', runId: 'run-1', activityType: 'writeAndReadBack', taskQueue: 'q', [LogTimestamp]: BigInt(at) * 1_000_000n });
    logger.warn('Activity failed', { error: new Error('MinIO went away'), workflowId: 'wf-1' });
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatchObject({ level: 30, time: at, msg: 'writeAndReadBack completed in 0.012 s', workflowId: 'wf-1', runId: 'run-1', activityType: 'writeAndReadBack', taskQueue: 'q', service: 'ctrain-worker' });
    expect(lines[1]).toMatchObject({ level: 40, msg: 'Activity failed', workflowId: 'wf-1', error: { type: 'Error', message: 'MinIO went away' } });
    expect((lines[1]?.error as { stack: string }).stack).toContain('MinIO went away');
  });

  it('drops entries below its level and those it is told to skip', () => {
    const { lines, logger } = capture('INFO');
    logger.debug('Activity completed', { workflowId: 'wf-1' });
    logger.log('WARN', 'No workflows registered, not polling for workflow tasks');
    logger.log('ERROR', 'kept');
    expect(lines.map((line) => line.msg)).toEqual(['kept']);
  });
});

/** Records what the instruments were given, as `name{tags} value` (a gauge keeps its last value). */
function recordingMeter(): { meter: MetricMeter; values: Map<string, number> } {
  const values = new Map<string, number>();
  const key = (name: string, tags: MetricTags = {}) => `${name}${JSON.stringify(Object.fromEntries(Object.entries(tags).sort()))}`;
  const meter: MetricMeter = {
    createCounter: (name) => ({ name, kind: 'counter', valueType: 'int', add: (value, tags) => void values.set(key(name, tags), (values.get(key(name, tags)) ?? 0) + value), withTags: () => { throw new Error('unused'); } }),
    createHistogram: (name, valueType = 'int') => ({ name, kind: 'histogram', valueType, record: (value, tags) => void values.set(key(name, tags), value), withTags: () => { throw new Error('unused'); } }),
    createGauge: (name, valueType = 'int') => ({ name, kind: 'gauge', valueType, set: (value, tags) => void values.set(key(name, tags), value), withTags: () => { throw new Error('unused'); } }),
    withTags: () => meter,
  };
  return { meter, values };
}

describe('ctrain worker metrics', () => {
  const check = (over: Partial<DriftCheckResult>): DriftCheckResult => ({ modelName: 'flight-delay', verdict: 'no-drift', reason: '', rows: 500, driftedFeatures: [], since: '2025-01-01T00:00:00.000Z', until: '2025-01-02T00:00:00.000Z', signalled: false, ...over });

  it('stamps each drift check and each detection with the end of its window, so the newest check decides', () => {
    const { meter, values } = recordingMeter();
    const instruments = createWorkerInstruments(meter);
    recordDriftCheck(instruments, check({ verdict: 'drift', driftedFeatures: ['carrier', 'distance'], performance: { verdict: 'drift', reason: 'AUC 0.61 < 0.7', value: 0.61 } }));
    recordDriftCheck(instruments, check({ verdict: 'no-drift', until: '2025-01-03T00:00:00.000Z', performance: { verdict: 'insufficient-data', reason: 'too few outcomes' } }));
    const day2 = Date.parse('2025-01-02T00:00:00.000Z') / 1000;
    expect(Object.fromEntries(values)).toEqual({
      'ctrain_drift_checks_total{"model":"flight-delay","performance":"drift","verdict":"drift"}': 1,
      'ctrain_drift_checks_total{"model":"flight-delay","performance":"insufficient-data","verdict":"no-drift"}': 1,
      'ctrain_drift_drifted_features{"model":"flight-delay"}': 0,
      'ctrain_drift_last_detected_timestamp_seconds{"kind":"features","model":"flight-delay"}': day2,
      'ctrain_drift_last_detected_timestamp_seconds{"kind":"performance","model":"flight-delay"}': day2,
      'ctrain_drift_last_check_timestamp_seconds{"model":"flight-delay"}': day2 + 86_400,
    });
  });

  it('counts the epochs a training attempt ran itself, none for a cached one', () => {
    const { meter, values } = recordingMeter();
    const instruments = createWorkerInstruments(meter);
    const manifest = { step: 'train', cached: false, epochsRun: 12, resumedFromEpoch: 5 } as TrainManifest;
    recordTraining(instruments, 'flight-delay', manifest);
    recordTraining(instruments, 'flight-delay', { ...manifest, resumedFromEpoch: undefined, epochsRun: 3 });
    recordTraining(instruments, 'flight-delay', { ...manifest, cached: true });
    expect(Object.fromEntries(values)).toEqual({ 'ctrain_training_epochs_total{"model":"flight-delay"}': 10 });
  });

  it('names a step’s model from its single-object input, and nothing that is not a model name', () => {
    expect(modelOf({ modelName: 'flight-delay' })).toBe('flight-delay');
    expect(modelOf({ spec: { name: 'seattle-temperature' }, cache: true })).toBe('seattle-temperature');
    expect(modelOf({ registry: { modelName: 'seattle-live' } })).toBe('seattle-live');
    expect(modelOf({ pipeline: 'flight-delay', overrides: {} })).toBe('flight-delay');
    for (const input of [undefined, 'flight-delay', { bucket: 'b', key: 'k' }, { modelName: '../registry' }, { modelName: 'Flight' }, { modelName: 42 }]) expect(modelOf(input), JSON.stringify(input)).toBe('');
  });
});
