import { startStepSpan } from '../../foundation/telemetry.js';
import type { StepHost } from '../step-host.js';

/** An OpenTelemetry span for a step (a task attempt, or a replayed checkpoint), child of the workflow's span. */
export function stepSpan(host: StepHost, name: string, seq: number, attempt: number, replayed: boolean) {
  return startStepSpan(host.services.telemetryContext, name, () => ({
    'steadfast.workflow.id': host.workflowId,
    'steadfast.step.name': name,
    'steadfast.step.index': seq,
    'steadfast.step.attempt': attempt,
    'steadfast.step.replayed': replayed,
  }));
}
