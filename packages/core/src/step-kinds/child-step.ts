import { CancelledError, WorkflowConflictError } from '../errors.js';
import type { WorkflowExecution } from '../execution.js';
import { validateName } from '../names.js';
import type { WorkflowMeta } from '../registry.js';
import type { WorkflowRecord } from '../types.js';

/**
 * Starts (or, on replay, re-attaches to) a child workflow with a deterministic id, and checkpoints its
 * outcome once it has finished. Until then the parent suspends, holding no slot; the child's completion
 * wakes it.
 */
export async function executeChild(execution: WorkflowExecution, meta: WorkflowMeta, args: unknown[], seq: number, fingerprint: string): Promise<unknown> {
  const { storage, serializer, clock } = execution.deps;
  const childId = validateName(`${execution.workflowId}/${seq}`, 'child workflow id');
  const now = clock.now();
  const encodedArgs = serializer.serialize(args, `args of child workflow ${meta.name}`);
  const { created, record } = await execution.write(() =>
    storage.createWorkflow({
      id: childId,
      name: meta.name,
      kind: 'workflow',
      version: meta.version,
      queue: meta.queue ?? 'default',
      priority: meta.priority,
      args: encodedArgs,
      parentId: execution.workflowId,
      nextAt: now,
      deadlineAt: meta.timeoutMs === null ? null : now + meta.timeoutMs,
      now,
    }),
  );
  if (record.name !== meta.name) throw new WorkflowConflictError(childId, record.name, meta.name);
  if (created) {
    // Creating a child is not fenced: if the parent was cancelled (or taken over) meanwhile, the cancel's
    // cascade may have missed this child, so cancel it here and stop.
    const parent = await execution.write(() => storage.getWorkflow(execution.workflowId));
    if (parent?.status !== 'running' || parent.leaseEpoch !== execution.lease.epoch) {
      await execution.write(() => storage.cancelWorkflow(childId, clock.now()));
      execution.abandon('the workflow was cancelled or taken over while it started a child');
      return execution.waitFor({ child: childId });
    }
    execution.deps.logger.debug({ childId, child: meta.name }, 'child workflow started');
    execution.deps.wake(now);
  }
  const outcome = childOutcome(record, serializer.serializeError.bind(serializer));
  if (!outcome) return execution.waitFor({ child: childId });
  await execution.write(() =>
    storage.recordStep(execution.lease, { seq, name: meta.name, kind: 'child', ...outcome, attempts: 1, fingerprint }, execution.checkpointTime()),
  );
  return execution.replay({ seq, ...outcome });
}

/** A finished child's result or error as checkpoint strings; undefined while it runs. */
function childOutcome(record: WorkflowRecord, serializeError: (error: unknown) => string): { output: string | null; error: string | null } | undefined {
  switch (record.status) {
    case 'completed':
      return { output: record.output, error: null };
    case 'failed':
      return { output: null, error: record.error };
    case 'cancelled':
      return { output: null, error: serializeError(new CancelledError(record.id, `child workflow ${record.id} (${record.name}) was cancelled`)) };
    default:
      return undefined;
  }
}
