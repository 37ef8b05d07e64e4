/**
 * Optional OpenTelemetry tracing through Temporal's interceptors, on when the standard
 * OTEL_EXPORTER_OTLP_TRACES_ENDPOINT or OTEL_EXPORTER_OTLP_ENDPOINT is set: clients trace what
 * they start, signal and update; workflows their run and the steps and child workflows they start
 * (the bundle always carries those interceptors, see workflows/interceptors.ts); workers each step
 * attempt. The trace context travels in Temporal headers, which payload codecs leave alone.
 * Spans go out in batches as OTLP/HTTP JSON. Off, nothing of OpenTelemetry is even loaded.
 */
import type { ClientInterceptors } from '@temporalio/client';
import type { OpenTelemetrySinks } from '@temporalio/interceptors-opentelemetry';
import type { ActivityInterceptorsFactory, InjectedSinks } from '@temporalio/worker';
import { TelemetryConfigError } from './worker-telemetry.js';

/** Service name of clients (the CLI, the alert receiver) when OTEL_SERVICE_NAME is unset. */
export const CLI_SERVICE_NAME = 'ctrain-cli';
/** Service name of workers when OTEL_SERVICE_NAME is unset. */
export const WORKER_SERVICE_NAME = 'ctrain-worker';

/** One exporting tracer: the interceptors and sink that feed it, and its flush. */
export interface Tracing {
  serviceName: string;
  /** Where spans are POSTed (OTLP/HTTP, JSON). */
  url: string;
  /** For a Client: a span per workflow start, signal, update or query, its context in the request's headers. */
  clientInterceptors: ClientInterceptors;
  /** For a Worker: a RunActivity span per step attempt, in the trace of the workflow that started it. */
  activityInterceptor: ActivityInterceptorsFactory;
  /** For a Worker running workflows: the sink the workflow spans leave the sandbox through. */
  sinks: InjectedSinks<OpenTelemetrySinks>;
  /** Exports every span ended so far. */
  flush(): Promise<void>;
  /** Flushes, then stops exporting. */
  shutdown(): Promise<void>;
}

/** Tracings of this process by service name and URL: each exporter is made once. */
const started = new Map<string, Promise<Tracing>>();
/** Context manager and propagator are process-wide; the first tracing registers them. */
let registered = false;

/**
 * The tracing `env` asks for, or undefined when neither endpoint is set (or OTEL_SDK_DISABLED=true).
 * OTEL_EXPORTER_OTLP_TRACES_ENDPOINT is the full URL; OTEL_EXPORTER_OTLP_ENDPOINT gets `/v1/traces`.
 * The service is OTEL_SERVICE_NAME, else `defaultServiceName`. Calls with the same service and URL share one.
 */
export async function tracingFromEnv(env: NodeJS.ProcessEnv = process.env, defaultServiceName = CLI_SERVICE_NAME): Promise<Tracing | undefined> {
  const url = tracesUrlFromEnv(env);
  if (!url) return undefined;
  const serviceName = env.OTEL_SERVICE_NAME?.trim() || defaultServiceName;
  const key = `${serviceName} ${url}`;
  if (!started.has(key)) started.set(key, startTracing(serviceName, url));
  return started.get(key);
}

/** The sinks a workflow worker needs: the tracing's, or one that drops the spans when tracing is off. */
export function workflowSpanSinks(tracing: Tracing | undefined): InjectedSinks<OpenTelemetrySinks> {
  return tracing?.sinks ?? { exporter: { export: { fn: () => undefined } } };
}

/** Where spans go: the URL the OTLP variables name, or undefined when tracing is off. A URL that is not http(s) is an error naming its variable. */
export function tracesUrlFromEnv(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true') return undefined;
  const [name, raw, suffix] = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim()
    ? ['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT.trim(), '']
    : ['OTEL_EXPORTER_OTLP_ENDPOINT', env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim() ?? '', '/v1/traces'];
  if (!raw) return undefined;
  const url = URL.canParse(raw) ? new URL(raw) : undefined;
  if (url?.protocol !== 'http:' && url?.protocol !== 'https:') throw new TelemetryConfigError(`${name}=${raw} is not an http(s) URL of an OTLP/HTTP receiver.`);
  return suffix ? `${raw.replace(/\/+$/, '')}${suffix}` : raw;
}

async function startTracing(serviceName: string, url: string): Promise<Tracing> {
  const [interceptors, { AsyncLocalStorageContextManager }, { OTLPTraceExporter }, { Resource }, { BasicTracerProvider, BatchSpanProcessor }] = await Promise.all([
    import('@temporalio/interceptors-opentelemetry'),
    import('@opentelemetry/context-async-hooks'),
    import('@opentelemetry/exporter-trace-otlp-http'),
    import('@opentelemetry/resources'),
    import('@opentelemetry/sdk-trace-base'),
  ]);
  const resource = Resource.default().merge(new Resource({ 'service.name': serviceName }));
  const processor = new BatchSpanProcessor(new OTLPTraceExporter({ url }));
  const provider = new BasicTracerProvider({ resource, spanProcessors: [processor] });
  // Spans started inside an interceptor's span are its children, and W3C trace context goes into headers.
  if (!registered) provider.register({ contextManager: new AsyncLocalStorageContextManager().enable() });
  registered = true;
  const tracer = provider.getTracer('ctrain');
  return {
    serviceName,
    url,
    clientInterceptors: { workflow: [new interceptors.OpenTelemetryWorkflowClientInterceptor({ tracer })] },
    activityInterceptor: (ctx) => ({
      inbound: new interceptors.OpenTelemetryActivityInboundInterceptor(ctx, { tracer }),
      outbound: new interceptors.OpenTelemetryActivityOutboundInterceptor(ctx),
    }),
    sinks: { exporter: interceptors.makeWorkflowExporter(processor, resource) },
    flush: () => provider.forceFlush(),
    shutdown: () => provider.shutdown(),
  };
}
