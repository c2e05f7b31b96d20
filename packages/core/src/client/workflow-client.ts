import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { systemClock, type Clock } from '../foundation/clock.js';
import { toMilliseconds, type DurationInput } from '../foundation/duration.js';
import { CancelledError, ValidationError, WorkflowFinishedError, WorkflowNotFoundError } from '../foundation/errors.js';
import { checkOptionKeys, describe, validateInteger, validateName } from '../foundation/names.js';
import type { Serializer } from '../foundation/serialization.js';
import { FINISHED_STATUSES, WORKFLOW_STATUSES, type ListWorkflowsFilter, type WorkflowEnd, type WorkflowRecord, type WorkflowStatus } from '../foundation/types.js';
import { resolveSchedule, type ScheduleOptions } from '../definition/schedule.js';
import { purgeExpired } from '../storage/purge-expired.js';
import type { StorageAdapter } from '../storage/storage-adapter.js';
import { retryingStorage } from '../storage/retrying-storage.js';
import { retryWhileUnavailable } from '../storage/storage-retry.js';
import { checkKnownOptions, CLIENT_OPTION_KEYS, resolveClientOptions, type ResolvedClientOptions, type WorkflowClientOptions } from './client-options.js';
import { BulkOperations, type BulkFilter, type BulkOptions } from './bulk-operations.js';
import type { ClientBinding } from './client-binding.js';
import { PublishedReads } from './published-reads.js';
import { SettleWaiters } from './settle-waiters.js';
import { UnservedQueueWarnings } from './unserved-queue-warnings.js';
import { entry, Starts } from './starts.js';
import type { EnqueueOptions, ManyItem, ManyOptions, RuntimeStats, SignalOptions, StartWorkflowOptions } from './start-options.js';
import { activityRequest, toWorkflowActivity, type ActivityOptions, type WorkflowActivity } from './workflow-activity.js';
import { WorkflowHandle, type HandleClient, type WorkflowEvent, type WorkflowInfo } from './workflow-handle.js';
import { toWorkflowEvent, toWorkflowInfo } from './workflow-info.js';
import { toScheduleInfo, type ScheduleInfo } from './schedule-info.js';
import { toWorkflowSteps, type WorkflowStep } from './workflow-steps.js';
import { strandedByVersion } from '../storage/stranded-runs.js';
import { unservedQueues } from '../storage/unserved-queues.js';
import { forkRun, migrateVersion, replayStoredRun, verifyStored, type ForkOptions, type MigrateVersionOptions, type MigrateVersionResult, type VersionContext } from './version-operations.js';
import type { ReplayObserver } from './replay/replay-execution.js';
import type { ReplayResult } from './replay/replay-run.js';
import type { RunSelection } from './replay/run-selection.js';
import type { VerifyReport } from './replay/verify-histories.js';

type AnyFn = (...args: any[]) => Promise<any>;

export type { ClientBinding, LocalWorker } from './client-binding.js';

/**
 * Starts, reads and operates workflows and jobs in a storage, without executing any: the shape for an API
 * process, a CLI or a dashboard next to separate worker processes. It connects and migrates on first use.
 * A `Runtime` has the same methods (it composes a client); a client never constructs a worker.
 *
 * @example
 * ```ts
 * const client = new WorkflowClient({ storage: new PostgresAdapter({ connection: process.env.DATABASE_URL! }) });
 * const handle = await client.startWorkflow(Orders.prototype.checkout, ['o-1', 4200], { id: 'checkout-o-1' });
 * console.log(await handle.status());
 * await client.close();
 * ```
 */
export class WorkflowClient implements HandleClient {
  private readonly options: ResolvedClientOptions;
  private readonly binding: ClientBinding;
  /** The storage as this client calls it: each operation waits out an unreachable storage, for a while. */
  private readonly store: StorageAdapter;
  private readonly settled = new SettleWaiters();
  private ready: Promise<void> | undefined;
  private closing: Promise<void> | undefined;
  private readonly bulk: BulkOperations;
  private readonly unserved: UnservedQueueWarnings;
  private readonly starts: Starts;
  /** @internal Readers of what workflows publish, for handles. */
  readonly published: PublishedReads;

  constructor(options: WorkflowClientOptions, binding?: ClientBinding) {
    if (binding === undefined) checkKnownOptions(options, CLIENT_OPTION_KEYS, 'WorkflowClient');
    this.options = resolveClientOptions(options, 'WorkflowClient');
    this.binding = binding ?? { localWorker: () => undefined };
    const { clock, logger, unavailableRetryMs } = this.options;
    this.store = retryingStorage(this.options.storage, { clock, logger, what: 'a client call', withinMs: unavailableRetryMs });
    this.bulk = new BulkOperations({
      storage: this.store,
      now: () => this.clock.now(),
      ensureReady: () => this.ensureReady(),
      retry: (id) => this.retry(id),
      cancelled: (id) => {
        this.binding.localWorker()?.cancelled(id);
        this.notifySettled(id);
      },
    });
    this.unserved = new UnservedQueueWarnings({
      storage: this.options.storage,
      clock,
      logger,
      servedHere: (name, queue) => this.binding.localWorker()?.serves(name, queue) ?? false,
    });
    this.starts = new Starts({
      storage: this.store,
      serializer: this.options.serializer,
      clock,
      logger,
      version: this.options.version,
      binding: this.binding,
      unserved: this.unserved,
      ensureReady: () => this.ensureReady(),
    });
    this.published = new PublishedReads({
      storage: this.store,
      serializer: this.options.serializer,
      pollIntervalMs: this.options.pollIntervalMs,
      ensureReady: () => this.ensureReady(),
      onSettled: (id, fn) => this.settled.listen(id, fn),
    });
  }

  get storage(): StorageAdapter {
    return this.options.storage;
  }

  get logger(): Logger {
    return this.options.logger;
  }

  get clock(): Clock {
    return this.options.clock;
  }

  get serializer(): Serializer {
    return this.options.serializer;
  }

  /**
   * Starts a workflow (durably: it runs even if this process dies now). With an `id` that exists already,
   * returns that workflow's handle and starts nothing.
   */
  async startWorkflow<F extends AnyFn>(fn: F, args: Parameters<F>, options: StartWorkflowOptions = {}): Promise<WorkflowHandle<Awaited<ReturnType<F>>>> {
    return new WorkflowHandle(await this.starts.workflow(fn, args, options), this);
  }

  /** Enqueues a task as a durable delayed job with its retry policy. Idempotent by `id` like `startWorkflow`. */
  async enqueue<F extends AnyFn>(taskFn: F, args: Parameters<F>, options: EnqueueOptions = {}): Promise<WorkflowHandle<Awaited<ReturnType<F>>>> {
    return new WorkflowHandle(await this.starts.job(taskFn, args, options), this);
  }

  /**
   * Starts many workflows at once (bulk): every item is checked first (a bad one is refused, naming it, and
   * nothing is stored), then they are stored in as few statements as the storage can. Idempotent by id and
   * deduplicated by key like `startWorkflow`/`enqueue`. Returns a handle per item, in order.
   *
   * @example
   * ```ts
   * const handles = await client.startMany(orders.checkout, [['o-1', 4200], { args: ['o-2', 99], id: 'checkout-o-2' }]);
   * ```
   */
  async startMany<F extends AnyFn>(fn: F, items: ReadonlyArray<ManyItem<Parameters<F>>>, options: ManyOptions = {}): Promise<Array<WorkflowHandle<Awaited<ReturnType<F>>>>> {
    return (await this.starts.many(fn, 'workflow', items, options)).map((id) => new WorkflowHandle(id, this));
  }

  /** Enqueues many jobs of one task at once (bulk); see {@link startMany}. `startAt` is the time a job may run. */
  async enqueueMany<F extends AnyFn>(taskFn: F, items: ReadonlyArray<ManyItem<Parameters<F>>>, options: ManyOptions = {}): Promise<Array<WorkflowHandle<Awaited<ReturnType<F>>>>> {
    return (await this.starts.many(taskFn, 'job', items, options)).map((id) => new WorkflowHandle(id, this));
  }

  /**
   * Runs a workflow on a cron schedule, stored durably under `name` (replacing a schedule of that name).
   * Each tick runs once across all workers, in the schedule's time zone; ticks missed while no worker ran
   * follow `catchUp`. Workers that registered the workflow fire it.
   *
   * @example
   * ```ts
   * await client.schedule('nightly-report', reports.nightly, ['eu'], { cron: '0 2 * * *', timezone: 'Europe/Berlin' });
   * ```
   */
  async schedule<F extends AnyFn>(name: string, fn: F, args: Parameters<F>, options: ScheduleOptions): Promise<void> {
    validateName(name, 'schedule name');
    if (name.length > 150) throw new ValidationError(`invalid schedule name ${JSON.stringify(name.slice(0, 40) + '…')}: longer than 150 characters`);
    const meta = entry(fn, 'workflow', 'schedule');
    const resolved = resolveSchedule(options, `schedule ${name}`);
    if (!Array.isArray(args)) throw new ValidationError(`arguments of schedule ${name} must be an array, got ${describe(args)}`);
    const { serializer } = this.options;
    // Each tick's workflow takes these arguments as they are stored: the schedule's scope is theirs.
    const encoded = (serializer.forWorkflow?.({ id: name, name: meta.name }) ?? serializer).serialize(args, `args of schedule ${name}`);
    await this.ensureReady();
    const now = this.clock.now();
    await this.store.upsertSchedule({ name, workflowName: meta.name, ...resolved, args: encoded, lastTickAt: now, createdAt: now, updatedAt: now });
    this.binding.localWorker()?.schedulesChanged();
  }

  /** Removes a schedule; resolves false if there was none. Workflows it already started are not touched. */
  async unschedule(name: string): Promise<boolean> {
    validateName(name, 'schedule name');
    await this.ensureReady();
    const deleted = await this.store.deleteSchedule(name);
    this.binding.localWorker()?.schedulesChanged();
    return deleted;
  }

  /**
   * The stored cron schedules, by name, with their decoded arguments and their last and next ticks.
   *
   * @example
   * ```ts
   * for (const s of await client.listSchedules()) console.log(s.name, s.cron, s.timezone, s.nextTickAt?.toISOString());
   * ```
   */
  async listSchedules(): Promise<ScheduleInfo[]> {
    await this.ensureReady();
    return (await this.store.listSchedules()).map((record) => toScheduleInfo(record, this.options.serializer));
  }

  /** A handle on an existing workflow; `WorkflowNotFoundError` if there is none. */
  async getWorkflow<R = unknown>(id: string): Promise<WorkflowHandle<R>> {
    await this.record(id);
    return new WorkflowHandle<R>(id, this);
  }

  /**
   * Workflows matching a filter, newest first. For the next page, pass the last one as `after`:
   * `{ after: { createdAt: last.createdAt.getTime(), id: last.id } }`.
   */
  async listWorkflows(filter: ListWorkflowsFilter = {}): Promise<WorkflowInfo[]> {
    checkOptionKeys(filter, ['status', 'name', 'queue', 'limit', 'after'], 'listWorkflows');
    for (const status of [filter.status ?? []].flat()) {
      if (!WORKFLOW_STATUSES.includes(status)) throw new ValidationError(`invalid status ${describe(status)} in listWorkflows; expected one of ${WORKFLOW_STATUSES.join(', ')}`);
    }
    if (filter.limit !== undefined) validateInteger(filter.limit, 'limit of listWorkflows', 1, 10_000);
    if (filter.after !== undefined) {
      checkOptionKeys(filter.after, ['createdAt', 'id'], 'the after cursor of listWorkflows');
      validateInteger(filter.after.createdAt, 'after.createdAt of listWorkflows', 0, Number.MAX_SAFE_INTEGER);
      validateName(filter.after.id, 'after.id of listWorkflows');
    }
    await this.ensureReady();
    return (await this.store.listWorkflows(filter)).map((record) => toWorkflowInfo(record, this.options.serializer));
  }

  /**
   * Cancels a workflow that has not finished, with its unfinished child workflows. A sleeping or waiting one
   * is cancelled at once; a running one is fenced out at once (its next checkpoint is refused) and its
   * in-flight task sees its AbortSignal. `result()` then rejects with `CancelledError`.
   *
   * A workflow that completed or failed is refused with {@link WorkflowFinishedError} naming its status,
   * and nothing is changed (a workflow finishing during the call is refused too, never reported cancelled).
   * One that is already cancelled resolves: the state asked for holds, and a cancel retried
   * after its answer was lost (see `unavailableRetryMs`) must not fail because its first try landed.
   *
   * @example
   * ```ts
   * try {
   *   await client.cancel('checkout-o-1');
   * } catch (error) {
   *   if (isSteadfastError(error) && error.code === 'WORKFLOW_FINISHED') console.log(error.message); // "... is completed; ..."
   *   else throw error;
   * }
   * ```
   */
  async cancel(id: string): Promise<void> {
    validateName(id, 'workflow id');
    await this.ensureReady();
    // Read first so a refused cancel changes nothing (the storage call would still cancel a finished
    // workflow's unfinished children); the call's own answer covers a workflow finishing in between.
    const before = await this.store.getWorkflow(id);
    if (!before) throw new WorkflowNotFoundError(id);
    const record = before.status === 'cancelled' ? before : await this.store.cancelWorkflow(id, this.clock.now());
    if (!record) throw new WorkflowNotFoundError(id);
    if (record.status !== 'cancelled') throw new WorkflowFinishedError(id, record.status);
    this.binding.localWorker()?.cancelled(id);
    this.notifySettled(id);
  }

  /**
   * Sends a signal to a workflow, durably: it is delivered exactly once, to the workflow's next
   * `waitForSignal(name)`, whether that wait has begun or not. Refused for an unknown or finished workflow.
   * Sending again with the same `idempotencyKey` sends nothing more (each call has a key of its own
   * otherwise, which also makes this call's own retries safe).
   */
  async signal(id: string, name: string, payload?: unknown, options: SignalOptions = {}): Promise<void> {
    validateName(id, 'workflow id');
    validateName(name, 'signal name');
    checkOptionKeys(options, ['idempotencyKey'], 'signal');
    // Fixed before the first try: a send repeated after a lost answer is not a second signal.
    const key = options.idempotencyKey === undefined ? randomUUID() : validateName(options.idempotencyKey, 'signal idempotencyKey');
    let { serializer } = this.options;
    if (serializer.forWorkflow) {
      // The payload is written in the scope of the workflow's stored arguments (its tenant's key).
      await this.ensureReady();
      const record = await this.store.getWorkflow(id);
      if (!record) throw new WorkflowNotFoundError(id);
      serializer = serializer.forWorkflow({ id, name: record.name, storedArgs: record.args });
    }
    const encoded = serializer.serialize(payload, `payload of signal ${name}`);
    await this.ensureReady();
    const outcome = await this.store.sendSignal(id, name, encoded, this.clock.now(), key);
    if (outcome === 'not_found') throw new WorkflowNotFoundError(id);
    if (outcome === 'finished') {
      const record = await this.store.getWorkflow(id);
      throw new ValidationError(`workflow ${id} is ${record?.status ?? 'finished'}; it can no longer receive signal ${JSON.stringify(name)}`);
    }
    this.binding.localWorker()?.wake();
  }

  /** Resumes a failed workflow from its last checkpoint; the step that failed it runs again. */
  async retry(id: string): Promise<void> {
    validateName(id, 'workflow id');
    await this.ensureReady();
    // retryWorkflow leaves anything but a failed workflow as it is; the retried one has a 'retried' event.
    const before = await this.store.getWorkflow(id);
    if (!before) throw new WorkflowNotFoundError(id);
    if (before.status !== 'failed') throw new ValidationError(`workflow ${id} is ${before.status}; only a failed workflow can be retried`);
    // A workflow failed by a failed child would re-attach to that same child: retry the child first.
    const failedStep = (await this.store.history(id)).filter((e) => e.type === 'failed').pop()?.seq;
    if (failedStep != null) {
      const child = await this.store.getWorkflow(`${id}/${failedStep}`);
      if (child?.parentId === id && child.status === 'failed') await this.retry(child.id);
    }
    const record = await this.store.retryWorkflow(id, this.clock.now());
    if (record?.status !== 'pending') {
      throw new ValidationError(`workflow ${id} is ${record?.status ?? 'gone'}; only a failed workflow can be retried`);
    }
    this.binding.localWorker()?.wake();
  }

  /**
   * Cancels every unfinished workflow matching the filter (with its unfinished children), in batches of
   * bounded transactions; returns how many. With `{ dryRun: true }`, counts them and changes nothing. Run it
   * again to resume an interrupted one.
   *
   * @example
   * ```ts
   * const cancelled = await client.cancelMany({ concurrencyKey: 'tenant-42', status: ['pending', 'sleeping'] });
   * ```
   */
  cancelMany(filter: BulkFilter, options?: BulkOptions): Promise<number> {
    return this.bulk.cancelMany(filter, options);
  }

  /** Retries every failed workflow matching the filter, as `retry(id)` does; returns how many. See {@link cancelMany}. */
  retryMany(filter: BulkFilter, options?: BulkOptions): Promise<number> {
    return this.bulk.retryMany(filter, options);
  }

  /** Deletes every finished workflow matching the filter (not one whose parent is unfinished); returns how many. See {@link cancelMany}. */
  purgeMany(filter: BulkFilter, options?: BulkOptions): Promise<number> {
    return this.bulk.purgeMany(filter, options);
  }

  /**
   * Workflow counts by queue and status, the backlog (due but not yet claimed) per queue, the live workers,
   * and the runs stranded by version: pinned runs of a version no live worker serves.
   */
  async stats(): Promise<RuntimeStats> {
    await this.ensureReady();
    const now = this.clock.now();
    const [{ counts, due }, { stranded, workers }] = await Promise.all([this.store.stats(now), strandedByVersion(this.store, now)]);
    const byStatus = Object.fromEntries(WORKFLOW_STATUSES.map((status) => [status, 0])) as Record<WorkflowStatus, number>;
    for (const row of counts) byStatus[row.status] += row.count;
    const unserved = unservedQueues(counts, workers);
    return { byStatus, counts, due, stranded, unserved, workers: workers.map(({ id, versions, queues, seenAt }) => ({ id, versions, queues, seenAt: new Date(seenAt) })) };
  }

  /**
   * Starts a new run of a stored workflow that reuses its checkpoints before position `fromStep` and executes
   * from there on (fix the bug, then re-run from the step that failed). The source is left as it is.
   *
   * @example
   * ```ts
   * const handle = await client.fork('checkout-o-1', { fromStep: 3 });
   * ```
   */
  async fork<R = unknown>(id: string, options: ForkOptions): Promise<WorkflowHandle<R>> {
    await this.ensureReady();
    const forked = await forkRun(this.versionContext(), id, options);
    this.binding.localWorker()?.wake();
    return new WorkflowHandle<R>(forked, this);
  }

  /**
   * Moves unfinished runs to a newer version, explicitly: each is replayed on the new code first, and if any
   * would diverge none is moved (`VersionMigrationRefusedError` names them). Workers serving `to` then claim them.
   */
  async migrateVersion(options: MigrateVersionOptions): Promise<MigrateVersionResult> {
    await this.ensureReady();
    const result = await migrateVersion(this.versionContext(), options);
    if (result.moved.length > 0) this.binding.localWorker()?.wake();
    return result;
  }

  /** Replays recorded runs on new code in memory and reports each run's first divergence; see `verifyHistories`. */
  async verify(options: RunSelection & { workflows: readonly object[] }): Promise<VerifyReport> {
    await this.ensureReady();
    return verifyStored(this.versionContext(), options);
  }

  /** Replays one stored run on `workflows` in this process (nothing runs, nothing is written), telling `observer` of each step. */
  async replay(id: string, workflows: readonly object[], observer?: ReplayObserver): Promise<ReplayResult> {
    await this.ensureReady();
    return replayStoredRun(this.versionContext(), id, workflows, observer);
  }

  private versionContext(): VersionContext {
    const { storage, serializer, clock, version } = this.options;
    return { storage, serializer, clock, version };
  }

  /**
   * What finished in the last `window` (default an hour), per bucket (default a minute) and in total: counts
   * of completed, failed and cancelled workflows, the failure rate, and the latency (creation to completion)
   * of the completed ones. Read from the stored workflows, so it covers runs of every worker and process.
   *
   * @example
   * ```ts
   * const { total } = await client.activity({ window: '1h', bucket: '1m' });
   * console.log(total.completed, total.failureRate, total.latency?.p95Ms);
   * ```
   */
  async activity(options: ActivityOptions = {}): Promise<WorkflowActivity> {
    const request = activityRequest(options, this.clock.now());
    await this.ensureReady();
    return toWorkflowActivity(await this.store.activity(request), request);
  }

  /**
   * Deletes finished workflows (with their steps, events and signals) in `statuses` that finished more than
   * `olderThan` ago. Returns how many were deleted. A workflow whose parent is unfinished is kept.
   */
  async purge(options: { olderThan: DurationInput; statuses?: WorkflowStatus[] }): Promise<number> {
    checkOptionKeys(options, ['olderThan', 'statuses'], 'purge');
    const ms = toMilliseconds(options.olderThan, 'purge olderThan');
    const statuses = options.statuses ?? ['completed', 'failed', 'cancelled'];
    for (const status of statuses) {
      if (!FINISHED_STATUSES.includes(status)) throw new ValidationError(`purge deletes finished workflows only; ${describe(status)} is not one of ${FINISHED_STATUSES.join(', ')}`);
    }
    await this.ensureReady();
    return purgeExpired(this.options.storage, statuses.map((status) => ({ status, ms })), this.clock.now(), 500);
  }

  /** Closes the storage; handles waiting for results stop waiting. Idempotent. */
  close(): Promise<void> {
    return (this.closing ??= this.doClose());
  }

  private async doClose(): Promise<void> {
    await this.unserved.settled();
    await this.options.storage.close();
    this.settled.notifyAll();
  }

  // ---- for handles -------------------------------------------------------------------------------------

  /** Resolves with the workflow's result once it has finished; see `WorkflowHandle.result()`. */
  async waitForResult(id: string): Promise<unknown> {
    const { pollIntervalMs, serializer } = this.options;
    let pollMs = 20;
    for (let first = true; ; first = false) {
      // Listening before reading, so an end reported meanwhile is not missed.
      const settled = this.settled.wait(id);
      try {
        if (first && this.binding.localWorker()?.runsHere(id)) {
          // It runs on this runtime's worker: its end is reported here; read storage only if it is not soon.
          const end = await settled.within(pollIntervalMs);
          if (end?.status === 'completed') return serializer.deserialize(end.output);
          if (end?.status === 'failed') throw serializer.deserializeError(end.error);
          continue;
        }
        const record = await retryWhileUnavailable(() => this.record(id), { clock: systemClock, logger: this.logger, what: 'waiting for a result' });
        if (record.status === 'completed') return serializer.deserialize(record.output!);
        if (record.status === 'failed') throw serializer.deserializeError(record.error!);
        if (record.status === 'cancelled') {
          const reason = record.error === null ? undefined : serializer.deserializeError(record.error);
          throw new CancelledError(id, reason ? `workflow ${id} was cancelled: ${reason.message}` : undefined, { cause: reason });
        }
        // While it executes, or will likely execute, on this runtime's own worker, its end is reported here
        // (with what that worker wrote: no need to read it back), so storage is read rarely.
        const worker = this.binding.localWorker();
        const local = worker !== undefined && (worker.runsHere(id) || worker.serves(record.name, record.queue));
        const end = await settled.within(local ? pollIntervalMs : pollMs);
        if (end?.status === 'completed') return serializer.deserialize(end.output);
        if (end?.status === 'failed') throw serializer.deserializeError(end.error);
        pollMs = Math.min(pollMs * 2, pollIntervalMs);
      } finally {
        settled.cancel();
      }
    }
  }

  async workflowInfo(id: string): Promise<WorkflowInfo> {
    return toWorkflowInfo(await this.record(id), this.options.serializer);
  }

  async workflowHistory(id: string): Promise<WorkflowEvent[]> {
    await this.record(id);
    const events = await this.store.history(id);
    return events.map((event) => toWorkflowEvent(event, this.options.serializer));
  }

  async workflowSteps(id: string): Promise<WorkflowStep[]> {
    const record = await this.record(id);
    return toWorkflowSteps(await this.store.listSteps(id), record, this.clock.now(), this.options.serializer);
  }

  /**
   * @internal The workflow's execution on the runtime's own worker ended: wake its waiting handles, with the
   * end it wrote if it completed or failed the workflow.
   */
  notifySettled(id: string, end?: WorkflowEnd): void {
    this.settled.notify(id, end);
  }

  /** Connects and migrates once, on first use (so a client needs no start()). */
  ensureReady(): Promise<void> {
    if (this.closing || this.binding.stopped?.()) return Promise.reject(new ValidationError(`this ${this.binding.noun ?? 'client'} was shut down; create a new one`));
    this.ready ??= this.store.migrate().catch((error) => {
      this.ready = undefined;
      throw error;
    });
    return this.ready;
  }

  private async record(id: string): Promise<WorkflowRecord> {
    validateName(id, 'workflow id');
    await this.ensureReady();
    const record = await this.store.getWorkflow(id);
    if (!record) throw new WorkflowNotFoundError(id);
    return record;
  }
}
