import { AsyncLocalStorage } from 'node:async_hooks';
import type { Logger } from 'pino';
import { SteadfastError } from '../foundation/errors.js';
import type { ReplayAwareLogger } from './replay-aware-logger.js';
import type { StepHost } from './step-host.js';

/** What a running task can know about itself, from `taskContext()`. */
export interface TaskContext {
  /** The workflow the task runs in; for a direct call outside any workflow, undefined. */
  readonly workflowId: string | undefined;
  /** The step's position in its workflow (its `seq`, as in the steps table and events); undefined for a direct call. */
  readonly seq: number | undefined;
  /** The same number as `seq`, under the name the design contract gives it. */
  readonly stepIndex: number | undefined;
  /** 1 for the first attempt. */
  readonly attempt: number;
  /**
   * Stable across attempts, replays and workers for the same step (`<workflowId>:<seq>`): pass it to
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

/** What code running in a workflow body reaches: the execution's steps, and the body's logger. */
export interface WorkflowScope {
  readonly host: StepHost;
  readonly log: ReplayAwareLogger;
}

/** Exactly one of the two is set: code runs either in a workflow body or in a task body. */
interface Scope {
  workflow?: WorkflowScope;
  task?: TaskContext;
}

const storage = new AsyncLocalStorage<Scope>();

export function runInWorkflow<T>(workflow: WorkflowScope, fn: () => T): T {
  return storage.run({ workflow }, fn);
}

export function runInTask<T>(task: TaskContext, fn: () => T): T {
  return storage.run({ task }, fn);
}

/** The workflow body that is running, if any. */
export function currentWorkflow(): WorkflowScope | undefined {
  return storage.getStore()?.workflow;
}

/** Steps such as `sleep()` are only meaningful inside a workflow body. */
export function requireWorkflow(what: string): WorkflowScope {
  const workflow = currentWorkflow();
  if (!workflow) {
    throw new SteadfastError(
      'OUTSIDE_WORKFLOW',
      `${what} can only be called inside a workflow body (a @workflow method or a defineWorkflow function)`,
    );
  }
  return workflow;
}

/** The context of the running task, if code runs in a task body. */
export function currentTask(): TaskContext | undefined {
  return storage.getStore()?.task;
}
