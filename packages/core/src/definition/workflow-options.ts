import type { BackoffOption } from './backoff.js';
import type { DurationInput } from '../foundation/duration.js';
import type { ScheduleOptions } from './schedule.js';

/** Options of `@workflow()` and `defineWorkflow`. */
export interface WorkflowOptions {
  /** Registered name, stored with every execution. Default `Class.method` (decorators) or the given name. */
  name?: string;
  /** Queue it runs on unless `startWorkflow` names another. Default `'default'`. */
  queue?: string;
  /** Higher runs first among due work. Default 0. */
  priority?: number;
  /** Version label stored with each execution, for operators. Default none. */
  version?: string;
  /**
   * How many times an execution may be recovered after its worker died mid-run before the workflow is
   * failed instead (a workflow that crashes its worker must not loop). Default 10.
   */
  maxRecoveryAttempts?: number;
  /**
   * Longest time from the workflow's start time to its end; past it the workflow is cancelled with a
   * TimeoutError. The deadline is stored, so it survives restarts. Default none.
   */
  timeout?: DurationInput;
  /**
   * Run it on a cron schedule (with no arguments), named after the workflow: `{ cron, timezone, catchUp }`.
   * Each tick runs once across all workers. Default none.
   */
  schedule?: ScheduleOptions;
}

/** Options of `@task()` and `defineTask`. */
export interface TaskOptions {
  /** Registered name. Default `Class.method` (decorators) or the given name. */
  name?: string;
  /** Attempts after the first. Default 0. */
  retries?: number;
  /** Delay between attempts. Default exponential from 1s, factor 2, at most 5m, with jitter. */
  backoff?: BackoffOption;
  /** Limit on one attempt: the task's AbortSignal fires and the attempt fails with TimeoutError. Default none. */
  timeout?: DurationInput;
}
