/**
 * Glossary
 *
 * - **workflow**: a durable function (`@workflow()` or `defineWorkflow`). Its body is re-executed from the
 *   top after a crash; every step it already completed returns its recorded result instead of running.
 * - **task**: a function with a retry policy (`@task()` or `defineTask`). Called inside a workflow it is a
 *   step; enqueued on its own it is a delayed job (a one-step workflow).
 * - **step**: one call a workflow makes that has an effect or a non-deterministic value: a task, a sleep, a
 *   `now()`, `random()` or `uuid()`. Steps are numbered by the order in which the workflow calls them
 *   (their position, `seq`), assigned synchronously at call time so `Promise.all` replays identically.
 * - **checkpoint**: the stored outcome of a step (its result or final error), written once, never updated.
 * - **replay**: re-executing a workflow body where the recorded steps return their checkpoints.
 * - **lease**: the right of one worker to execute a workflow until `next_at`; renewed by heartbeats. A worker
 *   that dies stops renewing; once the lease expires another worker claims the workflow and replays it.
 * - **fencing epoch** (`lease_epoch`): incremented on every claim; every write made for a workflow names the
 *   epoch it was claimed under, and the storage refuses it if the epoch has moved on.
 * - **queue**: a name that partitions work; a worker claims only from the queues it serves.
 */

/** Where a workflow is in its life. */
export type WorkflowStatus = 'pending' | 'running' | 'sleeping' | 'completed' | 'failed' | 'cancelled';

export const WORKFLOW_STATUSES: readonly WorkflowStatus[] = [
  'pending',
  'running',
  'sleeping',
  'completed',
  'failed',
  'cancelled',
];

/** Statuses a workflow never leaves on its own. */
export const FINISHED_STATUSES: readonly WorkflowStatus[] = ['completed', 'failed', 'cancelled'];

/** `workflow` for a workflow, `job` for a task enqueued on its own with `runtime.enqueue`. */
export type WorkflowKind = 'workflow' | 'job';

/**
 * What a step was: a task, a timer (`sleep`, `runAt`, a signal deadline), a checkpointed value, a child
 * workflow, a received signal, a `patched()` marker, an event set (`setEvent`) or a stream written or ended
 * (`writeStream`, `closeStream`).
 */
export type StepKind = 'task' | 'sleep' | 'now' | 'random' | 'uuid' | 'child' | 'signal' | 'patch' | 'event' | 'stream';

/** The stored record of a workflow, with payloads still serialized. */
export interface WorkflowRecord {
  id: string;
  name: string;
  kind: WorkflowKind;
  version: string | null;
  queue: string;
  /** Higher runs first. */
  priority: number;
  status: WorkflowStatus;
  /** Serialized argument array. */
  args: string;
  /** Serialized result, once completed. */
  output: string | null;
  /** Serialized error, once failed (or cancelled with a reason). */
  error: string | null;
  parentId: string | null;
  /** Epoch ms when the row becomes claimable; lease expiry while running; null once finished (or while waiting for a child or a signal with no timeout). */
  nextAt: number | null;
  /** Epoch ms after which the workflow is cancelled with a TimeoutError (its `timeout` option), or null. */
  deadlineAt: number | null;
  /** The `dedupeKey` it was enqueued with, or null. */
  dedupeKey: string | null;
  /** The `concurrencyKey` it was started or enqueued with (stored; bulk operations select by it), or null. */
  concurrencyKey: string | null;
  leaseOwner: string | null;
  leaseEpoch: number;
  /** How many times an execution was started (claims). */
  attempts: number;
  /** How many times the workflow was claimed again after its lease expired. */
  recoveryAttempts: number;
  createdAt: number;
  updatedAt: number;
  startedAt: number | null;
  finishedAt: number | null;
}

/** A stored step checkpoint. Exactly one of `output` / `error` is set. */
export interface StepRecord {
  workflowId: string;
  seq: number;
  name: string;
  kind: StepKind;
  output: string | null;
  error: string | null;
  /** Attempts the step took (1 for a step that succeeded at once). */
  attempts: number;
  /** `<hash>:<preview>` of the step's serialized arguments, checked on replay; null where a step has none. */
  fingerprint: string | null;
  createdAt: number;
}

/** Types of entries in the event log. */
export type EventType =
  | 'created'
  | 'claimed'
  | 'woke'
  | 'recovered'
  | 'step_completed'
  | 'step_failed'
  | 'retry_scheduled'
  | 'sleeping'
  | 'released'
  | 'completed'
  | 'failed'
  | 'cancelled'
  | 'retried'
  | 'signal_sent'
  | 'debounced'
  | 'forked'
  | 'version_changed';

/** One entry of a workflow's append-only event log. */
export interface EventRecord {
  id: number;
  workflowId: string;
  type: EventType;
  /** The step position the event is about, if any. */
  seq: number | null;
  /** Event details (parsed JSON), e.g. `{ attempt, retryAt, error }`. */
  data: Record<string, unknown> | null;
  at: number;
}

/** A stored cron schedule. */
export interface ScheduleRecord {
  name: string;
  workflowName: string;
  cron: string;
  timezone: string;
  catchUp: 'none' | 'latest' | 'all';
  /** Serialized argument array for each run. */
  args: string;
  /** The latest tick fired or skipped (epoch ms); ticks after it are due. */
  lastTickAt: number;
  createdAt: number;
  updatedAt: number;
}

/** Filter for `listWorkflows`. */
export interface ListWorkflowsFilter {
  status?: WorkflowStatus | WorkflowStatus[];
  name?: string;
  queue?: string;
  /** Default 100, at most 10 000. */
  limit?: number;
  /**
   * Only the workflows that come after this one in the list's order (newest first, ties by id): those
   * created earlier, or at the same time with a greater id. Pass the last workflow of a page to get the
   * next page; rows created meanwhile never shift a page. Default: from the newest.
   */
  after?: WorkflowCursor;
}

/** A position in the list of workflows: the `createdAt` (epoch ms) and `id` of the workflow it follows. */
export interface WorkflowCursor {
  createdAt: number;
  id: string;
}

/** How a workflow ended, as the worker that ended it wrote it: the serialized result or error. */
export type WorkflowEnd = { status: 'completed'; output: string } | { status: 'failed'; error: string };

/**
 * A slot a runtime's worker took for a workflow that runtime starts: the storage stores the start claimed by
 * the worker (`claimFor`), which then runs it at once, without a claim (`run`), or gets the slot back.
 */
export interface StartReservation {
  readonly claimFor: { owner: string; leaseMs: number };
  /** The start was stored: run it if it was stored claimed by this worker; give the slot back otherwise. */
  run(record: WorkflowRecord): void;
  /** The start failed: give the slot back. */
  release(): void;
}
