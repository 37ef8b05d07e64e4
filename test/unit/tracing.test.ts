import { describe, expect, it } from 'vitest';
import { tracesUrlFromEnv, tracingFromEnv, workflowSpanSinks } from '../../infra/tracing.js';
import { TelemetryConfigError } from '../../infra/worker-telemetry.js';

describe('tracing settings from the environment', () => {
  it('is off without an OTLP endpoint: no tracing, nothing to export to', async () => {
    expect(await tracingFromEnv({})).toBeUndefined();
    expect(await tracingFromEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: ' ', OTEL_SERVICE_NAME: 'ctrain-worker' })).toBeUndefined();
    expect(tracesUrlFromEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_SDK_DISABLED: 'true' })).toBeUndefined();
  });

  it('sends to the traces endpoint as given, or to /v1/traces under the general one', () => {
    expect(tracesUrlFromEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' })).toBe('http://collector:4318/v1/traces');
    expect(tracesUrlFromEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: 'https://collector:4318/otlp/' })).toBe('https://collector:4318/otlp/v1/traces');
    expect(tracesUrlFromEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://traces:4318/custom' })).toBe('http://traces:4318/custom');
  });

  it('refuses an endpoint that is no http(s) URL, naming the variable', () => {
    expect(() => tracesUrlFromEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4317' })).toThrow(TelemetryConfigError);
    expect(() => tracesUrlFromEnv({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'grpc://collector' })).toThrow('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT=grpc://collector is not an http(s) URL');
  });

  it('gives a worker without tracing a sink that drops workflow spans', () => {
    const sinks = workflowSpanSinks(undefined);
    expect(sinks.exporter.export.callDuringReplay).toBeFalsy();
    expect(sinks.exporter.export.fn({} as never, [])).toBeUndefined();
  });
});
