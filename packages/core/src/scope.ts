import { AsyncLocalStorage } from 'node:async_hooks';
import type { Logger } from 'pino';
import { SteadfastError } from './errors.js';
import type { WorkflowExecution } from './execution.js';

/** What a running task can know about itself, from `taskContext()`. */
export interface TaskContext {
  /** The workflow the task runs in; for a direct call outside any workflow, undefined. */
  readonly workflowId: string | undefined;
  /** The step's position in its workflow; undefined for a direct call. */
  readonly stepIndex: number | undefined;
  /** 1 for the first attempt. */
  readonly attempt: number;
  /**
   * Stable across attempts, replays and workers for the same step (`<workflowId>:<stepIndex>`): pass it to
   * external APIs so a step that ran twice (a crash after the call, before the checkpoint) charges once.
   */
  readonly idempotencyKey: string;
  /** Aborted when the attempt times out, or the worker gives the workflow up (lease lost, shutdown deadline). */
  readonly signal: AbortSignal;
  /** Bound to `workflowId`, `step` and `attempt`. */
  readonly log: Logger;
  /**
   * In a transactional step (`@transaction()`): the knex transaction on the storage's database, committed
   * together with the step's checkpoint. Undefined in an ordinary task.
   */
  readonly trx: any;
}

/** Exactly one of the two is set: code runs either in a workflow body or in a task body. */
interface Scope {
  execution?: WorkflowExecution;
  task?: TaskContext;
}

const storage = new AsyncLocalStorage<Scope>();

export function runInWorkflow<T>(execution: WorkflowExecution, fn: () => T): T {
  return storage.run({ execution }, fn);
}

export function runInTask<T>(task: TaskContext, fn: () => T): T {
  return storage.run({ task }, fn);
}

/** The workflow execution whose body is running, if any. */
export function currentExecution(): WorkflowExecution | undefined {
  return storage.getStore()?.execution;
}

/** Steps such as `sleep()` are only meaningful inside a workflow body. */
export function requireExecution(what: string): WorkflowExecution {
  const execution = currentExecution();
  if (!execution) {
    throw new SteadfastError(
      'OUTSIDE_WORKFLOW',
      `${what} can only be called inside a workflow body (a @workflow method or a defineWorkflow function)`,
    );
  }
  return execution;
}

/**
 * The context of the running task: attempt number, idempotency key, abort signal and logger.
 *
 * @example
 * ```ts
 * @task({ retries: 5 })
 * async charge(orderId: string) {
 *   const { idempotencyKey, signal } = taskContext();
 *   return payments.charge(orderId, { idempotencyKey, signal });
 * }
 * ```
 */
export function taskContext(): TaskContext {
  const task = storage.getStore()?.task;
  if (!task) {
    throw new SteadfastError('OUTSIDE_TASK', 'taskContext() can only be called inside a task body (a @task method or a defineTask function)');
  }
  return task;
}
