import { context, metrics, SpanKind, SpanStatusCode, trace, type Attributes, type Context, type Span, type Tracer } from '@opentelemetry/api';

/**
 * Traces and metrics through `@opentelemetry/api`: no-ops unless the application installs an
 * OpenTelemetry SDK. Looked up on each use, so an SDK registered after the runtime was created still
 * receives them.
 */
const SCOPE = 'steadfast';

let cachedTracer: Tracer | undefined;
let tracerFor: unknown;

/** The tracer of the provider installed now (looked up again when the application installs another). */
function tracer(): Tracer {
  const provider = trace.getTracerProvider();
  if (!cachedTracer || tracerFor !== provider) {
    cachedTracer = provider.getTracer(SCOPE);
    tracerFor = provider;
  }
  return cachedTracer;
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

/**
 * A span for one step (a task attempt, or a replayed checkpoint), child of the workflow's span. Its attributes
 * are made only for a span that records (none, unless the application installed an SDK): this is on every
 * step's path.
 */
export function startStepSpan(parent: Context | undefined, name: string, attributes: () => Attributes): Span {
  const span = tracer().startSpan(`steadfast.step ${name}`, { kind: SpanKind.INTERNAL }, parent ?? context.active());
  if (span.isRecording()) span.setAttributes(attributes());
  return span;
}

export function endSpan(span: Span, error?: unknown): void {
  if (error !== undefined) {
    span.recordException(error instanceof Error ? error : String(error));
    span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
  }
  span.end();
}
