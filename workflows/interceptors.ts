/**
 * The workflow interceptors bundled into every worker's workflow code: OpenTelemetry spans for a
 * run (RunWorkflow) and for the steps and child workflows it starts (StartActivity,
 * StartChildWorkflow), their context passed on in Temporal headers. The spans leave the sandbox
 * through the worker's `exporter` sink, which drops them when tracing is off (infra/tracing.ts):
 * the bundle is the same either way.
 */
import { OpenTelemetryInboundInterceptor, OpenTelemetryInternalsInterceptor, OpenTelemetryOutboundInterceptor } from '@temporalio/interceptors-opentelemetry/lib/workflow/index.js';
import type { WorkflowInterceptorsFactory } from '@temporalio/workflow';

export const interceptors: WorkflowInterceptorsFactory = () => ({
  inbound: [new OpenTelemetryInboundInterceptor()],
  outbound: [new OpenTelemetryOutboundInterceptor()],
  internals: [new OpenTelemetryInternalsInterceptor()],
});
