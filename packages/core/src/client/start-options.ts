import type { DurationInput, TimeInput } from '../foundation/duration.js';
import type { WorkflowStatus } from '../foundation/types.js';
import type { StrandedRuns } from '../storage/stranded-runs.js';
import type { UnservedQueue } from '../storage/unserved-queues.js';

/** Options of `startWorkflow`. */
export interface StartWorkflowOptions {
  /** Workflow id. Starting an id that exists returns the existing workflow's handle and runs nothing new. Default a random UUID. */
  id?: string;
  /** Do not start before this time. */
  startAt?: TimeInput;
  /** Do not start before this delay has passed. */
  delay?: DurationInput;
  /** Queue to run on. Default the workflow's `queue` option, else `'default'`. */
  queue?: string;
  /** Higher runs first. Default the workflow's `priority` option, else 0. */
  priority?: number;
  /** A key stored with the workflow, e.g. its tenant: bulk operations (`cancelMany`, ...) select by it. Default none. */
  concurrencyKey?: string;
}

/** Options of `enqueue`. */
export interface EnqueueOptions {
  /** Job id; idempotent like a workflow id. Default a random UUID. */
  id?: string;
  /** While a job of this task with the same key is pending (not started), enqueue returns it instead of adding one. */
  dedupeKey?: string;
  /**
   * With `dedupeKey`: the job starts this long after the last enqueue with its key, and that last call's
   * arguments replace the pending ones (the last call within the window wins).
   */
  debounce?: DurationInput;
  /** Do not run before this time. */
  runAt?: TimeInput;
  /** Do not run before this delay has passed. */
  delay?: DurationInput;
  /** Queue to run on. Default `'default'`. */
  queue?: string;
  /** Higher runs first. Default 0. */
  priority?: number;
  /** A key stored with the job, e.g. its tenant: bulk operations (`cancelMany`, ...) select by it. Default none. */
  concurrencyKey?: string;
}

/** Options shared by every item of `startMany` and `enqueueMany` (an item's own options win). */
export interface ManyOptions {
  /** Do not start before this time. */
  startAt?: TimeInput;
  /** Do not start before this delay has passed. */
  delay?: DurationInput;
  /** Queue to run on. Default the workflow's `queue` option, else `'default'`. */
  queue?: string;
  /** Higher runs first. Default the workflow's `priority` option, else 0. */
  priority?: number;
  /** Stored with each workflow; see `StartWorkflowOptions.concurrencyKey`. Default none. */
  concurrencyKey?: string;
}

/** One item of `startMany` / `enqueueMany`: its arguments, or its arguments with options of its own. */
export type ManyItem<A extends unknown[]> =
  | A
  | { args: A; id?: string; dedupeKey?: string; startAt?: TimeInput; delay?: DurationInput; queue?: string; priority?: number; concurrencyKey?: string };

/** Options of `signal`. */
export interface SignalOptions {
  /** A signal of this key is sent to the workflow once, however often the call is repeated. Default: a key per call. */
  idempotencyKey?: string;
}

/** What `stats()` returns. */
export interface RuntimeStats {
  /** Workflows per status, all queues together. */
  byStatus: Record<WorkflowStatus, number>;
  /** Workflows per queue and status. */
  counts: Array<{ queue: string; status: WorkflowStatus; count: number }>;
  /** Due but not yet claimed, per queue: the backlog. */
  due: Array<{ queue: string; count: number }>;
  /** Unfinished pinned runs of a version that no live worker serves on their queue, per queue and version. */
  stranded: StrandedRuns[];
  /**
   * Queues with unfinished workflows that no live worker claims from (by its last heartbeat), with how many:
   * nothing runs them until a runtime with that queue in its `queues` is started.
   */
  unserved: UnservedQueue[];
  /** The live workers, by their last heartbeat: the versions they serve (null: every version) and their queues. */
  workers: Array<{ id: string; versions: string[] | null; queues: string[]; seenAt: Date }>;
}
