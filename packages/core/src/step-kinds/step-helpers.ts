import { createHash } from 'node:crypto';
import type { WorkflowExecution } from '../execution.js';
import { startStepSpan } from '../telemetry.js';

/** `<hash>:<preview>` of a step's serialized arguments, so a replay with other arguments is caught. */
export function argumentFingerprint(execution: WorkflowExecution, args: unknown[], label: string): string {
  const encoded = execution.deps.serializer.serialize(args, label);
  const hash = createHash('sha256').update(encoded).digest('hex').slice(0, 16);
  return `${hash}:${encoded.length > 120 ? encoded.slice(0, 119) + '…' : encoded}`;
}

/** An OpenTelemetry span for a step (a task attempt, or a replayed checkpoint), child of the workflow's span. */
export function stepSpan(execution: WorkflowExecution, name: string, seq: number, attempt: number, replayed: boolean) {
  return startStepSpan(execution.deps.telemetryContext, name, {
    'steadfast.workflow.id': execution.workflowId,
    'steadfast.step.name': name,
    'steadfast.step.index': seq,
    'steadfast.step.attempt': attempt,
    'steadfast.step.replayed': replayed,
  });
}
