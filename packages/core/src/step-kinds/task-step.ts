import { LeaseLostError, NonRetryableError, StorageUnavailableError } from '../errors.js';
import { HALT, type WorkflowExecution } from '../execution.js';
import type { TaskMeta } from '../registry.js';
import { invokeAttempt, isRetryable, retryDelay } from '../task-invocation.js';
import { endSpan, telemetry } from '../telemetry.js';
import { stepSpan } from './step-helpers.js';

/**
 * Runs a task step that has no checkpoint yet: attempts with the retry policy, each failure recorded with
 * its retry time (so a restart neither resets the count nor loses the wait), long backoffs suspended.
 * A transactional task commits its body's database writes together with its checkpoint.
 */
export async function executeTask(
  execution: WorkflowExecution,
  meta: TaskMeta,
  target: unknown,
  args: unknown[],
  seq: number,
  fingerprint: string,
): Promise<unknown> {
  const { serializer, clock, storage, logger } = execution.deps;
  let { attempt, retryAt } = execution.retries.get(seq) ?? { attempt: 0, retryAt: 0 };
  for (;;) {
    await execution.waitUntil(retryAt);
    attempt++;
    const log = logger.child({ step: seq, task: meta.name, attempt });
    const request = {
      meta, target, args, attempt, clock, log,
      workflowId: execution.workflowId,
      stepIndex: seq,
      idempotencyKey: `${execution.workflowId}:${seq}`,
      signal: execution.signal,
    };
    let output: unknown;
    const span = stepSpan(execution, meta.name, seq, attempt, false);
    const startedAt = Date.now();
    const finish = (error?: unknown) => {
      telemetry().stepDuration.record(Date.now() - startedAt, { 'steadfast.step.name': meta.name, 'steadfast.step.ok': error === undefined });
      endSpan(span, error);
    };
    try {
      if (meta.transactional) {
        output = await runTransactional(execution, meta, request, seq, attempt, fingerprint);
        finish();
        log.debug('transactional step committed');
        return output;
      }
      output = await invokeAttempt(request);
      finish();
    } catch (error) {
      finish(error);
      if (error === HALT || execution.stopped) throw HALT;
      if (error instanceof StorageUnavailableError) {
        // The transaction could not commit because the database went away: not the task's fault.
        attempt--;
        retryAt = clock.now() + 1_000;
        log.warn({ err: error }, 'transactional step could not reach the database; will run it again');
        continue;
      }
      if (!isRetryable(error) || attempt > meta.retries) {
        await execution.record(seq, meta.name, 'task', undefined, attempt, fingerprint, error);
        log.warn({ err: error }, 'step failed');
        execution.markError(error, seq);
        throw error;
      }
      retryAt = clock.now() + retryDelay(meta, attempt, error);
      const encoded = serializer.serializeError(error);
      await execution.write(() => storage.recordRetry(execution.lease, { seq, attempt, retryAt, error: encoded }, clock.now()));
      telemetry().retried.add(1, { 'steadfast.step.name': meta.name });
      log.warn({ err: error, retryAt: new Date(retryAt).toISOString() }, 'step attempt failed; retry scheduled');
      continue;
    }
    await execution.record(seq, meta.name, 'task', output, attempt, fingerprint);
    log.debug('step completed');
    return output;
  }
}

async function runTransactional(
  execution: WorkflowExecution,
  meta: TaskMeta,
  request: Parameters<typeof invokeAttempt>[0],
  seq: number,
  attempts: number,
  fingerprint: string,
): Promise<unknown> {
  const { storage, serializer } = execution.deps;
  if (!storage.capabilities.transactions || !storage.runTransactionStep) {
    throw new NonRetryableError(`task ${meta.name} is transactional, but this storage adapter does not run transactions`);
  }
  let committed: string;
  try {
    committed = await storage.runTransactionStep(
      execution.lease,
      { seq, name: meta.name, attempts, fingerprint },
      async (trx) => serializer.serialize(await invokeAttempt({ ...request, trx }), `result of task ${meta.name}`),
      execution.checkpointTime(),
    );
  } catch (error) {
    if (error instanceof LeaseLostError) {
      // Rolled back: the body's writes are gone with it, and the new owner runs the step.
      execution.abandon('the lease was lost (another worker took over, or it was cancelled)', error);
      throw HALT;
    }
    throw error; // the body's own failure (rolled back), or the database went away (retried by the caller)
  }
  // Returned as a replay would return it: the same value now and after a restart.
  return serializer.deserialize(committed);
}
