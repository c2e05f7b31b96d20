import { context, metrics, SpanKind, SpanStatusCode, trace, type Attributes, type Context, type Span } from '@opentelemetry/api';

/**
 * Traces and metrics through `@opentelemetry/api`: no-ops unless the application installs an
 * OpenTelemetry SDK. Looked up on each use, so an SDK registered after the runtime was created still
 * receives them.
 */
const SCOPE = 'steadfast';

function tracer() {
  return trace.getTracer(SCOPE);
}

let instruments: ReturnType<typeof createInstruments> | undefined;
let instrumentsFor: unknown;

function createInstruments() {
  const meter = metrics.getMeter(SCOPE);
  return {
    started: meter.createCounter('steadfast.workflows.started', { description: 'Workflows and jobs created' }),
    completed: meter.createCounter('steadfast.workflows.completed', { description: 'Workflows and jobs completed' }),
    failed: meter.createCounter('steadfast.workflows.failed', { description: 'Workflows and jobs failed (dead-letter)' }),
    retried: meter.createCounter('steadfast.steps.retried', { description: 'Task attempts that failed and were scheduled again' }),
    stepDuration: meter.createHistogram('steadfast.step.duration', { description: 'Duration of task attempts', unit: 'ms' }),
    claimLag: meter.createHistogram('steadfast.claim.lag', { description: 'Time from when work was due until a worker claimed it', unit: 'ms' }),
  };
}

/** The instruments of the meter provider installed now (re-created if the application installed a new one). */
export function telemetry(): ReturnType<typeof createInstruments> {
  const provider = metrics.getMeterProvider();
  if (!instruments || instrumentsFor !== provider) {
    instruments = createInstruments();
    instrumentsFor = provider;
  }
  return instruments;
}

/** A span for one execution of a workflow on this worker. */
export function startWorkflowSpan(name: string, attributes: Attributes): { span: Span; context: Context } {
  const span = tracer().startSpan(`steadfast.workflow ${name}`, { kind: SpanKind.INTERNAL, attributes });
  return { span, context: trace.setSpan(context.active(), span) };
}

/** A span for one step (a task attempt, or a replayed checkpoint), child of the workflow's span. */
export function startStepSpan(parent: Context | undefined, name: string, attributes: Attributes): Span {
  return tracer().startSpan(`steadfast.step ${name}`, { kind: SpanKind.INTERNAL, attributes }, parent ?? context.active());
}

export function endSpan(span: Span, error?: unknown): void {
  if (error !== undefined) {
    span.recordException(error instanceof Error ? error : String(error));
    span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
  }
  span.end();
}
