import type {
  EventRecord,
  ListWorkflowsFilter,
  StepKind,
  StepRecord,
  WorkflowKind,
  ScheduleRecord,
  WorkflowRecord,
  WorkflowStatus,
} from '../foundation/types.js';
import type { Publication, PublishedEvent, PublishOutcome, StreamChunk, StreamSummary } from './publication.js';
import type { WorkflowRef, WorkflowSelection } from './workflow-selection.js';

/**
 * The storage contract: the few primitives the runtime needs, implemented by each adapter and held to the
 * conformance suite (`@steadfast/core/conformance`).
 *
 * Time: epoch milliseconds. `now` is passed in by the runtime (its `clock`) and is what due times (start,
 * wake, retry) are compared with, so a test on a virtual clock and a production worker run the same code.
 * Lease expiry is the exception: an adapter shared by several machines computes and judges it with the
 * database's own clock (PostgreSQL), so a worker with a skewed clock cannot steal a live lease; an embedded
 * adapter (SQLite, one machine) may use `now`.
 *
 * Payloads (`args`, `output`, `error`) are opaque serialized strings: adapters store them, never parse them.
 *
 * Every method that writes on behalf of a running workflow takes its {@link Lease} and must refuse the
 * write with `LeaseLostError` unless the row still has that `lease_owner` and `lease_epoch` and is running.
 * Each such method writes its state change and its event in one transaction, and is safe to repeat after
 * a lost connection (a checkpoint already written by the same lease is not an error).
 *
 * Failures to reach the storage (connection refused or lost, server restarting) must be thrown as
 * `StorageUnavailableError`: the runtime retries those with backoff; any other error is treated as a bug.
 */
export interface StorageAdapter {
  /** Optional abilities, declared rather than sniffed. */
  readonly capabilities: StorageCapabilities;

  /**
   * With `capabilities.notify`: calls `onDue` (from any process sharing the storage) when work becomes due
   * soon: a workflow was created, released, retried or parked with an early wake time. The argument is the
   * due time (epoch ms), or 0 for "something changed, look". With `capabilities.scheduleChanges` it also calls
   * `onSchedulesChanged` when a cron schedule was stored or removed. Resolves once listening; the returned
   * function stops it. The adapter keeps the subscription alive across connection loss on its own (and calls
   * `onDue(now)` after it reconnects, since what was sent meanwhile is lost).
   */
  subscribe?(onDue: (dueAt: number) => void, onSchedulesChanged?: () => void): Promise<() => Promise<void>>;

  /**
   * With `capabilities.notify`: calls `onChange` (from any process sharing the storage) when something the
   * workflow publishes (`publish`) may have been written, so a reader of its events or streams looks again.
   * Calls may be spurious and may be merged; one is made after a lost connection is restored. Resolves once
   * watching; the returned function stops it.
   */
  watchPublications?(workflowId: string, onChange: () => void): Promise<() => Promise<void>>;

  /** Creates or upgrades the schema. Safe to call from many processes at once. */
  migrate(): Promise<void>;
  /** Closes connections. Further calls fail. */
  close(): Promise<void>;

  /**
   * Inserts a workflow, or returns the existing one with that id (`created: false`) without changing it.
   * With a `dedupeKey`, a pending workflow of the same name and key counts as existing too; with `debounce`
   * as well, that pending one takes the new `args` and `nextAt` (a `debounced` event) before it is returned.
   * Writes a `created` event when it inserts. With `parentLease` (a child workflow), it is fenced like a
   * checkpoint of the parent: unless the parent still holds that lease, nothing is written and
   * `LeaseLostError` is thrown; and a cancel of the parent that commits after the child was created cancels
   * the child too (no child of a cancelled or fenced-out parent can be left running).
   * With `claimFor` (a start by a runtime whose worker has a free slot, due now, without dedupe key or parent
   * lease), an inserted workflow is stored claimed by that owner: `running`, lease epoch 1, one attempt,
   * started now, its lease running `leaseMs` on the clock claims use, with a `claimed` event after `created`;
   * so the worker runs it at once, without a claim. An existing id is returned as it is, not claimed.
   */
  createWorkflow(input: NewWorkflow): Promise<CreateWorkflowResult>;
  /**
   * Many `createWorkflow`s at once, with the same semantics for each (idempotent by id, deduplicated by key,
   * debounced), in as few statements as the adapter can (bulk enqueue). Returns, in input order, whether each
   * was inserted and the id and name of the workflow that stands for it (the existing one when not inserted).
   */
  createWorkflows(inputs: readonly NewWorkflow[]): Promise<CreatedWorkflow[]>;
  getWorkflow(id: string): Promise<WorkflowRecord | undefined>;
  listWorkflows(filter: ListWorkflowsFilter): Promise<WorkflowRecord[]>;
  /** The event log of a workflow, oldest first. */
  history(workflowId: string): Promise<EventRecord[]>;
  /**
   * The checkpoints of a workflow as stored, by position; empty for an unknown workflow. For inspection
   * (`handle.steps()`, dashboards): an execution reads its checkpoints with `loadExecution` instead.
   */
  listSteps(workflowId: string): Promise<StepRecord[]>;
  /** Names of workflows that are not finished, for warning about ones no worker has registered. */
  unfinishedNames(): Promise<string[]>;
  /**
   * Creates or replaces a cron schedule by name. A new schedule, or one whose cron or time zone changed,
   * starts from `record.lastTickAt`; otherwise the stored last tick is kept.
   */
  upsertSchedule(record: ScheduleRecord): Promise<void>;
  /** Deletes a schedule; false if there was none. */
  deleteSchedule(name: string): Promise<boolean>;
  listSchedules(): Promise<ScheduleRecord[]>;
  /** Moves a schedule's last tick from `from` to `to`, only if it is still `from` (several workers race). */
  advanceSchedule(name: string, from: number, to: number, now: number): Promise<boolean>;

  /** Counts of workflows by queue and status, and how many pending or sleeping ones are due at `now`. */
  stats(now: number): Promise<WorkflowStats>;
  /**
   * What finished in a window, per bucket of time, for throughput, failure-rate and latency charts: a row
   * for each bucket in which a workflow's `finished_at` falls (buckets with none may be left out), ordered
   * by bucket. Latency is `finished_at - created_at` of the completed ones, summed, maximized and counted
   * per class of {@link LATENCY_BOUNDS_MS}. Dashboards call it every few seconds, so it must read only the
   * rows finished in the window through an index on `finished_at`, never scan every workflow.
   */
  activity(request: ActivityRequest): Promise<ActivityRow[]>;
  /**
   * Deletes up to `limit` finished workflows in `statuses` that finished before `finishedBefore`, with their
   * steps, events and signals, oldest first. Returns how many were deleted. A workflow with an unfinished
   * parent is kept. Adapters shared by several workers let one purge at a time (others return 0).
   */
  purge(request: PurgeRequest): Promise<number>;

  /**
   * Up to `limit` workflows matching `selection` in creation order (oldest first, ties by id), after `after`
   * if given: the batches of a bulk operation. Reads ids and creation times only, never payloads.
   */
  selectWorkflows(selection: WorkflowSelection, after: WorkflowRef | null, limit: number): Promise<WorkflowRef[]>;
  /** How many workflows match `selection`: what a bulk operation's dry run reports. */
  countWorkflows(selection: WorkflowSelection): Promise<number>;
  /**
   * Cancels those of `ids` whose status is in `statuses` (unfinished ones), each as `cancelWorkflow` does
   * (its unfinished descendants too, running executions fenced out, its parent woken), in one transaction.
   * Returns the ids of those of `ids` it cancelled.
   */
  cancelWorkflows(ids: readonly string[], statuses: readonly WorkflowStatus[], now: number): Promise<string[]>;
  /**
   * Deletes those of `ids` whose status is in `statuses` (finished ones) and whose parent is not unfinished,
   * with their steps, events, signals, published events and stream chunks, in one transaction. Unlike
   * `purge` it never defers to another purger. Returns how many were deleted.
   */
  purgeWorkflows(ids: readonly string[], statuses: readonly WorkflowStatus[]): Promise<number>;

  /**
   * Claims up to `limit` claimable workflows (pending or sleeping and due, or running with an expired lease),
   * highest priority first, then earliest `next_at`. Each claimed row becomes `running` with a new lease:
   * `lease_owner = owner`, `lease_epoch + 1`, `next_at = now + leaseMs`. A row claimed from an expired lease
   * has `recovery_attempts + 1` and a `recovered` event; a sleeping row a `woke` event; others a `claimed` event.
   */
  claim(request: ClaimRequest): Promise<ClaimedWorkflow[]>;
  /** The earliest `next_at` among rows `claim` could take with the same filter, or null. */
  nextDueAt(filter: ClaimFilter): Promise<number | null>;
  /** What an execution needs to replay: the arguments, the checkpoints, and failed attempts since the last manual retry. */
  loadExecution(lease: Lease): Promise<ExecutionState>;
  /** Extends the leases still held to `now + leaseMs`; returns the ids of those no longer held. */
  renewLeases(leases: Lease[], leaseMs: number, now: number): Promise<string[]>;

  /** Writes a checkpoint (fenced) and a `step_completed` or `step_failed` event. */
  recordStep(lease: Lease, step: NewStep, now: number): Promise<void>;
  /** Records a failed attempt that will be retried at `retryAt` (fenced) as a `retry_scheduled` event. */
  recordRetry(lease: Lease, retry: RetryState & { seq: number; error: string }, now: number): Promise<void>;
  /**
   * Releases the lease and parks the workflow as `sleeping` until `wakeAt`, or with no wake time (null)
   * until something wakes it (fenced). With `waitingFor`, it must not miss a wake-up that races the park: if
   * one of those children has finished, or a signal of one of those names is waiting, it is due at once.
   * Children finishing (`complete`, `fail`, `cancelWorkflow`) and `sendSignal` wake a parked workflow.
   */
  suspend(lease: Lease, wakeAt: number | null, now: number, waitingFor?: WaitingFor): Promise<void>;
  /** Releases the lease of a running workflow so any worker may claim it at once (graceful shutdown). */
  release(lease: Lease, now: number): Promise<void>;
  /**
   * Marks the workflow completed with its serialized result (fenced), and wakes its parent if it has one.
   * With `step`, its last step's checkpoint is written in the same transaction, its event before the
   * `completed` one, exactly as `recordStep` then `complete` would (a job's one task: one write, not two).
   */
  complete(lease: Lease, output: string, now: number, step?: NewStep): Promise<void>;
  /**
   * Marks the workflow failed (fenced), and wakes its parent if it has one. `failedSeq` is the step whose
   * error failed the workflow, if any: `retryWorkflow` discards that one checkpoint so the step runs again.
   * `step` as for `complete`.
   */
  fail(lease: Lease, error: string, failedSeq: number | null, now: number, step?: NewStep): Promise<void>;

  /**
   * Writes a step's checkpoint (fenced) with a `step_completed` event and what it publishes, in one
   * transaction: an event's value, or a stream's next chunk or its end. A chunk (or an end) for a stream that
   * has ended writes nothing, not even the checkpoint, and answers `closed`; ending a stream that has ended
   * writes the checkpoint alone. A step checkpointed already (a repeated call) writes nothing again.
   */
  publish(lease: Lease, step: NewStep, publication: Publication, now: number): Promise<PublishOutcome>;
  /** The events a workflow has set (one, with `key`), by key; empty for an unknown workflow. */
  readPublishedEvents(workflowId: string, key?: string): Promise<PublishedEvent[]>;
  /** Up to `limit` entries of a stream from position `from` on, in order (the end entry last, if reached). */
  readStream(workflowId: string, key: string, from: number, limit: number): Promise<StreamChunk[]>;
  /** The streams of a workflow, by key. */
  listStreams(workflowId: string): Promise<StreamSummary[]>;

  /**
   * Cancels an unfinished workflow and its unfinished descendants (fencing out running executions), storing
   * `reason` (a serialized error) if given, and wakes the parent of the workflow. Returns the record after the call.
   */
  cancelWorkflow(id: string, now: number, reason?: string): Promise<WorkflowRecord | undefined>;

  /**
   * Stores a signal for a workflow and wakes it if it is parked. Refused (no row written) for an unknown
   * workflow (`'not_found'`) or a finished one (`'finished'`). With `key`, idempotent: a signal of that key
   * sent to the workflow already is not stored again (`'sent'`), so a caller may repeat a send whose answer
   * it lost.
   */
  sendSignal(workflowId: string, name: string, payload: string, now: number, key?: string): Promise<'sent' | 'not_found' | 'finished'>;
  /**
   * For a workflow waiting at step `seq` for a signal `name` (fenced): consumes the oldest undelivered signal
   * of that name and checkpoints the step with its payload, exactly once; or, if none is waiting and the
   * deadline has passed, checkpoints the step with `timeoutOutput`. Returns the step's output, or null if
   * the workflow must wait.
   */
  receiveSignal(lease: Lease, receive: SignalReceive, now: number): Promise<string | null>;
  /**
   * With `capabilities.transactions`: runs `body` in a database transaction on the storage's own database
   * and commits it together with the step's checkpoint (its serialized result, which `body` returns,
   * fenced), so the body's writes happen exactly once. If `body` throws, or the lease is lost, everything
   * rolls back and the error is rethrown. If the step is checkpointed already (a commit whose answer was
   * lost), `body` does not run. Resolves with the checkpointed output.
   */
  runTransactionStep?(lease: Lease, step: TransactionStep, body: (trx: unknown) => Promise<string>, now: number): Promise<string>;
  /**
   * Makes a failed workflow pending again: discards the checkpoint of the step that failed it, keeps every
   * other checkpoint, resets the recovery count. Returns the record after the call.
   */
  retryWorkflow(id: string, now: number): Promise<WorkflowRecord | undefined>;

  /**
   * Starts a new workflow from another one's checkpoints: a pending workflow `request.id` of the source's
   * name, kind, queue, priority and arguments (no parent), holding copies of the source's checkpoints at
   * positions before `fromStep`, and none after; a `created` event naming the source, and a `forked` event on
   * the source. With checkpoints copied (`fromStep > 0`) it is marked started (`started_at = now`): it
   * continues a history, and a claim reads the checkpoints of started workflows only. An existing
   * `request.id` is returned unchanged (`created: false`); an unknown source is `undefined`. Atomic: the
   * copy is never seen half made.
   */
  forkWorkflow(request: ForkRequest): Promise<CreateWorkflowResult | undefined>;
  /**
   * Moves unfinished workflows (by id) that are still at version `from` to version `to`, each with a
   * `version_changed` event; others (finished, or at another version meanwhile) are left alone. Returns the
   * ids moved.
   */
  setVersion(request: SetVersionRequest): Promise<string[]>;
  /** Unfinished workflows counted by queue and version (null: unpinned), for telling runs no worker serves. */
  unfinishedVersions(): Promise<Array<{ queue: string; version: string | null; count: number }>>;
  /**
   * Stores or refreshes a worker's presence (its heartbeat), and deletes the presences that expired before
   * `worker.seenAt`, so dead workers leave by themselves.
   */
  announceWorker(worker: WorkerPresence): Promise<void>;
  /** Deletes a worker's presence (it shut down). */
  withdrawWorker(id: string): Promise<void>;
  /** The workers whose presence has not expired at `now`. */
  listWorkers(now: number): Promise<WorkerPresence[]>;
}

/** What `forkWorkflow` makes. */
export interface ForkRequest {
  sourceId: string;
  /** The new workflow's id. */
  id: string;
  /** Checkpoints at positions `0 … fromStep - 1` are copied; the new workflow executes from `fromStep` on. */
  fromStep: number;
  version: string | null;
  /** When the new workflow times out (epoch ms), or null. */
  deadlineAt: number | null;
  now: number;
}

export interface SetVersionRequest {
  ids: readonly string[];
  /** The version the workflows must still have (null: unpinned). */
  from: string | null;
  to: string;
  now: number;
}

/**
 * A live worker as it announces itself every heartbeat: the versions and queues it serves, so that runs of
 * a version no live worker serves can be shown as stranded instead of waiting silently.
 */
export interface WorkerPresence {
  /** The worker's id (`workerId`). */
  id: string;
  /** The versions whose runs it claims, besides unpinned ones; null for an unpinned worker, which claims every run. */
  versions: string[] | null;
  /** The queues it claims from. */
  queues: string[];
  /** When it announced itself last (epoch ms). */
  seenAt: number;
  /** When it counts as gone unless it announces itself again (epoch ms). */
  expiresAt: number;
}

export interface StorageCapabilities {
  /**
   * The adapter wakes idle workers when work becomes due through `subscribe` (PostgreSQL LISTEN/NOTIFY, SQLite
   * change polling), so an idle worker need not poll often.
   */
  readonly notify: boolean;
  /** `subscribe` also reports changes of cron schedules, so workers need not re-read them often. Default false. */
  readonly scheduleChanges?: boolean;
  /** The adapter implements `runTransactionStep` (transactional steps). */
  readonly transactions: boolean;
}

export interface WorkflowStats {
  /** One row per queue and status present. */
  counts: Array<{ queue: string; status: WorkflowStatus; count: number }>;
  /** Pending or sleeping workflows whose `next_at` has passed, per queue: the backlog. */
  due: Array<{ queue: string; count: number }>;
}

/** The window of {@link StorageAdapter.activity}: bucket `i` covers `[since + i * bucketMs, since + (i + 1) * bucketMs)`. */
export interface ActivityRequest {
  /** Start of the first bucket (epoch ms, inclusive). */
  since: number;
  /** End of the window (epoch ms, exclusive). */
  until: number;
  /** Length of a bucket in ms (a positive whole number). */
  bucketMs: number;
}

/** The workflows whose `finished_at` falls in one bucket of an activity window. */
export interface ActivityRow {
  /** The bucket's index from `since`. */
  bucket: number;
  completed: number;
  failed: number;
  cancelled: number;
  /** Sum of `finished_at - created_at` over the completed ones (0 if none). */
  latencySumMs: number;
  /** Largest `finished_at - created_at` among the completed ones (0 if none). */
  latencyMaxMs: number;
  /** Completed ones per latency class: `LATENCY_BOUNDS_MS.length + 1` counts (the last one: at or above the last bound). */
  latencyCounts: number[];
}

export interface PurgeRequest {
  statuses: readonly WorkflowStatus[];
  finishedBefore: number;
  limit: number;
}

/** What a parked workflow waits for besides its wake time. */
export interface WaitingFor {
  /** Ids of child workflows it awaits. */
  children?: readonly string[];
  /** Names of signals it awaits. */
  signals?: readonly string[];
}

export interface SignalReceive {
  seq: number;
  name: string;
  /** When waiting stops (epoch ms), or null to wait forever. */
  deadline: number | null;
  /** The serialized output checkpointed on timeout. */
  timeoutOutput: string;
}

export interface TransactionStep {
  seq: number;
  name: string;
  attempts: number;
  fingerprint: string | null;
}

/** The proof that a worker holds a workflow: every fenced write names it. */
export interface Lease {
  readonly workflowId: string;
  readonly owner: string;
  readonly epoch: number;
}

export interface NewWorkflow {
  id: string;
  name: string;
  kind: WorkflowKind;
  version: string | null;
  queue: string;
  priority: number;
  args: string;
  parentId: string | null;
  /** When it may start (epoch ms). */
  nextAt: number;
  /** When it times out (epoch ms), or null. */
  deadlineAt: number | null;
  /** Deduplicates against pending workflows of the same name with this key. */
  dedupeKey?: string | null;
  /** With `dedupeKey`: a pending duplicate takes these `args` and `nextAt` (the last call wins). */
  debounce?: boolean;
  /**
   * For a child workflow: the lease of the parent creating it, which the creation is fenced by. A child given no
   * `concurrencyKey` takes its parent's.
   */
  parentLease?: Lease;
  /** Stored with the workflow (bulk operations select by it). Default null. */
  concurrencyKey?: string | null;
  /** Store it claimed by this worker (see `createWorkflow`). Not with `dedupeKey` or `parentLease`. */
  claimFor?: { owner: string; leaseMs: number };
  now: number;
}

export interface CreateWorkflowResult {
  created: boolean;
  record: WorkflowRecord;
}

/** One result of `createWorkflows`. */
export interface CreatedWorkflow {
  created: boolean;
  /** The workflow's id: the input's, or the pending duplicate's it was deduplicated against. */
  id: string;
  /** The stored workflow's name: another name under the same id is a conflict for the caller to report. */
  name: string;
}

export interface ClaimFilter {
  /** Queues this worker serves. */
  queues: readonly string[];
  /** Workflow and task names this worker can execute; others are left for workers that can. */
  names: readonly string[];
  /**
   * A pinned worker's versions: only workflows stored with one of these versions, or with none (unpinned),
   * are claimed. Undefined (an unpinned worker): workflows of every version are.
   */
  versions?: readonly string[];
  now: number;
}

export interface ClaimRequest extends ClaimFilter {
  owner: string;
  limit: number;
  leaseMs: number;
  /**
   * Limits of queues shared by all workers: at most `concurrency` running at once, and at most
   * `rateLimit.max` starts (first claims) in any `rateLimit.perMs` window. Claims on a limited queue are
   * serialized across workers so the limits hold.
   */
  queueLimits?: Readonly<Record<string, QueueLimit>>;
}

export interface QueueLimit {
  /** Running at once in the queue, across all workers. */
  concurrency?: number;
  /** Starts (first claims) in any sliding window of `perMs`, across all workers. */
  rateLimit?: { max: number; perMs: number };
  /** At most this many claimed from the queue by this request (the worker's own per-queue room). */
  max?: number;
  /**
   * Fairness between concurrency keys: the queue's due rows are claimed round-robin across its keys (rows
   * without a key are one key), at most `concurrency` running per key across workers. Claims read about
   * `fairKeysVisited(limit)` keys, not all of them (see fair-claim.ts).
   */
  perKey?: { concurrency?: number };
}

/** A claimed workflow. */
export interface ClaimedWorkflow {
  id: string;
  name: string;
  kind: WorkflowKind;
  queue: string;
  epoch: number;
  attempts: number;
  recoveryAttempts: number;
  /** When the row had become due (its `next_at` before the claim), for measuring claim lag. */
  dueAt?: number;
  /**
   * What `loadExecution` would return for the new lease, read by the claim itself so that starting an
   * execution costs no second round trip. Optional: without it the runtime calls `loadExecution`.
   */
  state?: ExecutionState;
}

export interface NewStep {
  seq: number;
  name: string;
  kind: StepKind;
  output: string | null;
  error: string | null;
  attempts: number;
  fingerprint: string | null;
}

/** Failed attempts of a step not yet checkpointed, and when the next one is due. */
export interface RetryState {
  /** Attempts made so far (all failed). */
  attempt: number;
  retryAt: number;
}

export interface ExecutionState {
  args: string;
  /** The workflow's timeout deadline (epoch ms), or null. */
  deadlineAt: number | null;
  steps: StepRecord[];
  /** Keyed by step position. */
  retries: Map<number, RetryState>;
}
