import { WorkflowNotFoundError } from '../../foundation/errors.js';
import type { ExecutionState, Lease, NewStep, RetryState } from '../../storage/storage-adapter.js';
import { listSteps } from './inspect.js';
import type { MemoryStore } from './memory-store.js';

/** Arguments, checkpoints (by position), and the failed attempts recorded since the last manual retry. */
export function loadExecution(store: MemoryStore, lease: Lease): ExecutionState {
  const id = lease.workflowId;
  const record = store.workflows.get(id);
  if (!record) throw new WorkflowNotFoundError(id);
  const steps = listSteps(store, id);
  const retries = new Map<number, RetryState>();
  for (const event of store.events.get(id) ?? []) {
    if (event.type === 'retried') retries.clear();
    if (event.type === 'retry_scheduled' && event.seq !== null) {
      const { attempt, retryAt } = JSON.parse(event.data!) as RetryState;
      retries.set(event.seq, { attempt, retryAt });
    }
  }
  return { args: record.args, deadlineAt: record.deadlineAt, steps, retries };
}

/** Checkpoints a step under the lease, with its event. A checkpoint at that position already is kept as it is. */
export function recordStep(store: MemoryStore, lease: Lease, step: NewStep, now: number): void {
  store.fence(lease, now);
  writeStep(store, lease.workflowId, step, now);
}

/** The step and its event, once the fence has passed; a checkpoint at that position already is kept as it is. */
export function writeStep(store: MemoryStore, workflowId: string, step: NewStep, now: number): void {
  if (store.step(workflowId, step.seq)) return;
  store.putStep({
    workflowId,
    seq: step.seq,
    name: step.name,
    kind: step.kind,
    output: step.output,
    error: step.error,
    attempts: step.attempts,
    fingerprint: step.fingerprint,
    createdAt: now,
  });
  const type = step.error === null ? 'step_completed' : 'step_failed';
  store.event(workflowId, type, step.seq, JSON.stringify({ name: step.name, kind: step.kind, attempts: step.attempts }), now);
}

/** Records a failed attempt and when the next is due, so a restart neither resets the count nor loses the wait. */
export function recordRetry(store: MemoryStore, lease: Lease, retry: RetryState & { seq: number; error: string }, now: number): void {
  store.fence(lease, now);
  // The serialized error is JSON already: embedded as it is, as the SQL adapters do.
  store.event(lease.workflowId, 'retry_scheduled', retry.seq, `{"attempt":${retry.attempt},"retryAt":${retry.retryAt},"error":${retry.error}}`, now);
}
