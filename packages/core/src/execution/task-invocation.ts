import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { backoffDelay } from '../definition/backoff.js';
import { delay, type Clock } from '../foundation/clock.js';
import { formatDuration } from '../foundation/duration.js';
import { isSteadfastError, RetryableError, TimeoutError } from '../foundation/errors.js';
import type { TaskMeta } from '../definition/step-meta.js';
import { runInTask, type TaskContext } from './scope.js';

export interface AttemptRequest {
  meta: TaskMeta;
  target: unknown;
  args: unknown[];
  attempt: number;
  workflowId: string | undefined;
  /** The step's position, or undefined for a direct call. */
  seq: number | undefined;
  idempotencyKey: string;
  clock: Clock;
  /** The logger the task's `log` is a child of; `logBindings` are bound to it when the task first asks for it. */
  log: Logger;
  logBindings?: Record<string, unknown>;
  /** Aborts the attempt from outside (lease lost, shutdown deadline). */
  signal?: AbortSignal;
  /**
   * The transaction of a transactional step. On a timeout the attempt then still waits for the body to
   * settle (its AbortSignal has fired), so nothing it writes can land after the transaction rolled back.
   */
  trx?: unknown;
}

/** Runs one attempt of a task body in its task context, with its timeout. */
export async function invokeAttempt(request: AttemptRequest): Promise<unknown> {
  const { meta, attempt, clock } = request;
  // An attempt needs its own AbortSignal only to time out; otherwise the execution's is the attempt's.
  const controller = meta.timeoutMs === null && request.signal ? undefined : new AbortController();
  const forward = () => controller!.abort(request.signal!.reason);
  if (controller && request.signal) {
    if (request.signal.aborted) forward();
    request.signal.addEventListener('abort', forward, { once: true });
  }
  let log: Logger | undefined;
  const context: TaskContext = {
    workflowId: request.workflowId,
    seq: request.seq,
    stepIndex: request.seq,
    attempt,
    idempotencyKey: request.idempotencyKey,
    signal: controller?.signal ?? request.signal!,
    // A child logger costs a few microseconds: made when the task first asks for it.
    get log() {
      return (log ??= request.logBindings ? request.log.child(request.logBindings) : request.log);
    },
    trx: request.trx,
  };
  const body = runInTask(context, async () => meta.method.apply(request.target, request.args));
  let timer: { cancel(): void } | undefined;
  try {
    if (meta.timeoutMs === null) return await body;
    const timeoutMs = meta.timeoutMs;
    return await new Promise((resolve, reject) => {
      timer = clock.setTimer(() => {
        const error = new TimeoutError(`task ${meta.name} attempt ${attempt} timed out after ${formatDuration(timeoutMs)}`);
        controller!.abort(error);
        if (request.trx === undefined) reject(error);
        else body.then(() => reject(error), () => reject(error));
      }, timeoutMs);
      body.then(resolve, reject);
    });
  } finally {
    timer?.cancel();
    if (controller) request.signal?.removeEventListener('abort', forward);
  }
}

/** Whether a failed attempt may be retried (the policy still has to allow another attempt). */
export function isRetryable(error: unknown): boolean {
  return !(isSteadfastError(error) && (error.code === 'NON_RETRYABLE' || error.code === 'SERIALIZATION'));
}

/** Milliseconds before retry number `retry`: the error's own `retryAfter`, or the task's backoff. */
export function retryDelay(meta: TaskMeta, retry: number, error: unknown): number {
  if (error instanceof RetryableError && error.retryAfter !== undefined && error.retryAfter >= 0) return error.retryAfter;
  return backoffDelay(meta.backoff, retry, Math.random);
}

/** A task called outside any workflow runs at once, in this process, with its retry policy. */
export async function runTaskDirect(meta: TaskMeta, target: unknown, args: unknown[], clock: Clock, logger: Logger): Promise<unknown> {
  const idempotencyKey = randomUUID();
  for (let attempt = 1; ; attempt++) {
    const log = logger.child({ task: meta.name, attempt });
    try {
      return await invokeAttempt({ meta, target, args, attempt, workflowId: undefined, seq: undefined, idempotencyKey, clock, log });
    } catch (error) {
      if (!isRetryable(error) || attempt > meta.retries) throw error;
      const wait = retryDelay(meta, attempt, error);
      log.warn({ err: error, retryInMs: wait }, 'task attempt failed; retrying');
      await delay(clock, wait);
    }
  }
}
