import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { backoffDelay } from '../definition/backoff.js';
import { delay, type Clock } from '../foundation/clock.js';
import { formatDuration } from '../foundation/duration.js';
import { isSteadfastError, RetryableError, TimeoutError } from '../foundation/errors.js';
import type { TaskMeta } from '../definition/step-meta.js';
import { runInTask, type TaskContext } from './scope.js';
import { errorLine } from '../foundation/error-line.js';

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
  /** Aborts the attempt from outside (lease lost, shutdown deadline); asked for only when the task needs it. */
  signal?: () => AbortSignal;
  /**
   * The transaction of a transactional step. On a timeout the attempt then still waits for the body to
   * settle (its AbortSignal has fired), so nothing it writes can land after the transaction rolled back.
   */
  trx?: unknown;
}

/** Runs one attempt of a task body in its task context, with its timeout. */
export function invokeAttempt(request: AttemptRequest): Promise<unknown> {
  const { meta } = request;
  // An attempt needs its own AbortSignal only to time out; otherwise the execution's is the attempt's, made
  // when the task first asks for it.
  const controller = meta.timeoutMs === null && request.signal ? undefined : new AbortController();
  let log: Logger | undefined;
  const context: TaskContext = {
    workflowId: request.workflowId,
    seq: request.seq,
    stepIndex: request.seq,
    attempt: request.attempt,
    idempotencyKey: request.idempotencyKey,
    get signal() {
      return controller?.signal ?? request.signal!();
    },
    // A child logger costs a few microseconds: made when the task first asks for it.
    get log() {
      return (log ??= request.logBindings ? request.log.child(request.logBindings) : request.log);
    },
    trx: request.trx,
  };
  if (!controller) return runInTask(context, () => callBody(request));
  return invokeTimed(request, context, controller);
}

/** The body's promise; a synchronous throw becomes a rejection. */
function callBody(request: AttemptRequest): Promise<unknown> {
  try {
    return Promise.resolve(request.meta.method.apply(request.target, request.args));
  } catch (error) {
    return Promise.reject(error);
  }
}

/** An attempt with an AbortSignal of its own: it times out, and follows the execution's signal. */
async function invokeTimed(request: AttemptRequest, context: TaskContext, controller: AbortController): Promise<unknown> {
  const { meta, attempt, clock } = request;
  const outer = request.signal?.();
  const forward = () => controller.abort(outer!.reason);
  if (outer) {
    if (outer.aborted) forward();
    outer.addEventListener('abort', forward, { once: true });
  }
  const body = runInTask(context, () => callBody(request));
  let timer: { cancel(): void } | undefined;
  try {
    if (meta.timeoutMs === null) return await body;
    const timeoutMs = meta.timeoutMs;
    return await new Promise((resolve, reject) => {
      timer = clock.setTimer(() => {
        const error = new TimeoutError(`task ${meta.name} attempt ${attempt} timed out after ${formatDuration(timeoutMs)}`);
        controller.abort(error);
        if (request.trx === undefined) reject(error);
        else body.then(() => reject(error), () => reject(error));
      }, timeoutMs);
      body.then(resolve, reject);
    });
  } finally {
    timer?.cancel();
    outer?.removeEventListener('abort', forward);
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
      log.info({ error: errorLine(error), retryInMs: wait }, 'task attempt failed; retrying');
      await delay(clock, wait);
    }
  }
}
