import { LeaseLostError, NonRetryableError, StorageUnavailableError } from '../../foundation/errors.js';
import { errorLine } from '../../foundation/error-line.js';
import { endSpan, telemetry } from '../../foundation/telemetry.js';
import type { TaskMeta } from '../../definition/step-meta.js';
import { HALT } from '../halt.js';
import type { StepHost } from '../step-host.js';
import type { StepOutcome } from '../step-template.js';
import { invokeAttempt, isRetryable, retryDelay, type AttemptRequest } from '../task-invocation.js';
import { argumentFingerprint } from './fingerprint.js';
import { stepSpan } from './step-telemetry.js';

/**
 * A task called from the body (or the one step of an enqueued job): replayed from its checkpoint, or run
 * with its retry policy and checkpointed. Each failed attempt is recorded with its retry time, so a
 * restart neither resets the count nor loses the wait; long backoffs suspend the workflow. A
 * transactional task commits its body's database writes together with its checkpoint.
 */
export function taskStep(host: StepHost, meta: TaskMeta, target: unknown, args: unknown[]): Promise<unknown> {
  const fingerprint = argumentFingerprint(host.services.serializer, args, `args of task ${meta.name}`);
  return host.step<unknown>({
    name: meta.name,
    kind: 'task',
    fingerprint,
    onReplay: (recorded, seq) => endSpan(stepSpan(host, meta.name, seq, recorded.attempts, true), recorded.error === null ? undefined : 'recorded error'),
    run: (seq) => runAttempts(host, meta, target, args, seq, fingerprint),
  });
}

async function runAttempts(host: StepHost, meta: TaskMeta, target: unknown, args: unknown[], seq: number, fingerprint: string): Promise<StepOutcome<unknown>> {
  const { serializer, clock, storage, logger } = host.services;
  let { attempt, retryAt } = host.retryState(seq) ?? { attempt: 0, retryAt: 0 };
  for (;;) {
    if (retryAt > clock.now()) await host.waitUntil(retryAt);
    attempt++;
    const bindings = { step: seq, task: meta.name, attempt };
    const request: AttemptRequest = {
      meta, target, args, attempt, clock, log: logger, logBindings: bindings,
      workflowId: host.workflowId,
      seq,
      idempotencyKey: `${host.workflowId}:${seq}`,
      signal: () => host.signal,
    };
    const span = stepSpan(host, meta.name, seq, attempt, false);
    const startedAt = Date.now();
    const finish = (error?: unknown) => {
      telemetry().stepDuration.record(Date.now() - startedAt, { 'steadfast.step.name': meta.name, 'steadfast.step.ok': error === undefined });
      endSpan(span, error);
    };
    try {
      if (meta.transactional) {
        const value = await runTransactional(host, meta, request, seq, attempt, fingerprint);
        finish();
        logger.debug(bindings, 'transactional step committed');
        return { value, attempts: attempt, checkpointed: true };
      }
      const value = await invokeAttempt(request);
      finish();
      logger.debug(bindings, 'step completed');
      return { value, attempts: attempt };
    } catch (error) {
      finish(error);
      if (error === HALT || host.stopped) throw HALT;
      if (error instanceof StorageUnavailableError) {
        // The transaction could not commit because the database went away: not the task's fault.
        attempt--;
        retryAt = clock.now() + 1_000;
        logger.warn({ ...bindings, err: error }, 'transactional step could not reach the database; will run it again');
        continue;
      }
      // Expected events, at info without stacks: the workflow may handle the failure, and if it does not,
      // its own failure is logged as an error with the stack.
      if (!isRetryable(error) || attempt > meta.retries) {
        logger.info({ ...bindings, error: errorLine(error) }, 'step failed');
        return { error, attempts: attempt };
      }
      retryAt = clock.now() + retryDelay(meta, attempt, error);
      const encoded = serializer.serializeError(error);
      await host.write(() => storage.recordRetry(host.lease, { seq, attempt, retryAt, error: encoded }, clock.now()));
      telemetry().retried.add(1, { 'steadfast.step.name': meta.name });
      logger.info({ ...bindings, error: errorLine(error), retryAt: new Date(retryAt).toISOString() }, 'step attempt failed; retry scheduled');
    }
  }
}

async function runTransactional(host: StepHost, meta: TaskMeta, request: AttemptRequest, seq: number, attempts: number, fingerprint: string): Promise<unknown> {
  const { storage, serializer } = host.services;
  if (!storage.capabilities.transactions || !storage.runTransactionStep) {
    throw new NonRetryableError(`task ${meta.name} is transactional, but this storage adapter does not run transactions`);
  }
  let committed: string;
  try {
    committed = await storage.runTransactionStep(
      host.lease,
      { seq, name: meta.name, attempts, fingerprint },
      async (trx) => serializer.serialize(await invokeAttempt({ ...request, trx }), `result of task ${meta.name}`),
      host.checkpointTime(),
    );
  } catch (error) {
    if (error instanceof LeaseLostError) {
      // Rolled back: the body's writes are gone with it, and the new owner runs the step.
      host.abandon('the lease was lost (another worker took over, or it was cancelled)', error);
      throw HALT;
    }
    throw error; // the body's own failure (rolled back), or the database went away (retried by the caller)
  }
  // Returned as a replay would return it: the same value now and after a restart.
  return serializer.deserialize(committed);
}
