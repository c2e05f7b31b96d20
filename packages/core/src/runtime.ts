import type { Logger } from 'pino';
import { systemClock, type Clock } from './clock.js';
import { bindOwner, type EntryOwner } from './decorators.js';
import { toMilliseconds, type DurationInput } from './duration.js';
import { CancelledError, ValidationError, WorkflowConflictError, WorkflowNotFoundError } from './errors.js';
import { checkOptionKeys, describe, validateInteger, validateName } from './names.js';
import { entryMeta, Registry, type Registration, type StepMeta } from './registry.js';
import { resolveOptions, type ResolvedOptions, type RuntimeOptions } from './runtime-options.js';
import type { StorageAdapter } from './storage/storage-adapter.js';
import { retryWhileUnavailable } from './storage/storage-retry.js';
import { FINISHED_STATUSES, WORKFLOW_STATUSES, type ListWorkflowsFilter, type WorkflowKind, type WorkflowRecord, type WorkflowStatus } from './types.js';
import { purgeExpired, RetentionLoop } from './retention.js';
import { resolveQueueOptions, type QueueOptions, type ResolvedQueue } from './queue-options.js';
import { resolveSchedule, type ScheduleOptions } from './schedule.js';
import { Scheduler } from './scheduler.js';
import type { ScheduleRecord } from './types.js';
import { telemetry } from './telemetry.js';
import { Worker } from './worker.js';
import { newWorkflowInput, type CreateRequest } from './new-workflow.js';
import type { EnqueueOptions, RuntimeState, RuntimeStats, ShutdownOptions, StartWorkflowOptions } from './start-options.js';
import { WorkflowHandle, type HandleClient, type WorkflowEvent, type WorkflowInfo } from './workflow-handle.js';
import { toWorkflowEvent, toWorkflowInfo } from './workflow-info.js';

type AnyFn = (...args: any[]) => Promise<any>;

/**
 * Registers workflows and tasks, stores and starts them, and (once started) executes them.
 * A runtime that is never started is a client: it can start, enqueue, cancel and inspect workflows.
 *
 * @example
 * ```ts
 * const runtime = new Runtime({ storage: new SqliteAdapter({ filename: 'steadfast.db' }) });
 * runtime.register(new Orders(payments));
 * await runtime.start();
 * const handle = await runtime.startWorkflow(orders.checkout, ['o-1', 4200], { id: 'checkout-o-1' });
 * console.log(await handle.result());
 * await runtime.shutdown();
 * ```
 */
export class Runtime implements EntryOwner, HandleClient {
  private readonly options: ResolvedOptions;
  private readonly registry = new Registry();
  private readonly settleWaiters = new Map<string, Set<() => void>>();
  private ready: Promise<void> | undefined;
  private starting: Promise<void> | undefined;
  private stopping: Promise<void> | undefined;
  private worker: Worker | undefined;
  private scheduler: Scheduler | undefined;
  private readonly queueOptions = new Map<string, ResolvedQueue>();
  private lifecycle: RuntimeState = 'idle';
  private retention: RetentionLoop | undefined;

  constructor(options: RuntimeOptions) {
    this.options = resolveOptions(options);
  }

  get logger(): Logger {
    return this.options.logger;
  }

  get clock(): Clock {
    return this.options.clock;
  }

  get storage(): StorageAdapter {
    return this.options.storage;
  }

  /**
   * Where the runtime is in its life: `idle` (never started: a client), `starting`, `started` (claiming),
   * `stopping` (draining), `stopped`. Readiness probes report ready only while `started`.
   */
  get state(): RuntimeState {
    return this.lifecycle;
  }

  /** Registers class instances with `@workflow`/`@task` methods, or functions from `defineWorkflow`/`defineTask`. */
  register(...items: object[]): this {
    const registrations: Registration[] = [];
    for (const item of items) {
      const meta = entryMeta(item);
      if (meta) {
        registrations.push({ meta, target: undefined });
      } else if (typeof item === 'object' && item !== null) {
        const metas = Registry.decoratedMethods(item);
        if (metas.length === 0) {
          throw new ValidationError(`cannot register ${describe(item)}: it has no @workflow() or @task() methods`);
        }
        for (const m of metas) registrations.push({ meta: m, target: item });
      } else {
        throw new ValidationError(`cannot register ${describe(item)}: expected an object with decorated methods, or a defineWorkflow/defineTask function`);
      }
    }
    this.registry.add(registrations);
    for (const item of items) bindOwner(item, this);
    this.worker?.wake();
    return this;
  }

  /** Migrates the storage, then begins claiming and executing due work. Idempotent. */
  start(): Promise<void> {
    if (this.stopping) return Promise.reject(new ValidationError('this runtime was shut down; create a new one'));
    return (this.starting ??= this.doStart());
  }

  private async doStart(): Promise<void> {
    this.lifecycle = 'starting';
    await this.ensureReady();
    const { storage, logger } = this.options;
    const known = new Set(this.registry.names());
    const unknown = (await storage.unfinishedNames()).filter((name) => !known.has(name));
    if (unknown.length > 0) {
      logger.warn(
        { names: unknown },
        `unfinished workflows exist whose names this runtime has not registered (${unknown.join(', ')}); they wait for a worker that registers them`,
      );
    }
    await this.storeDecoratedSchedules();
    this.worker = new Worker({
      ...this.options,
      queueOptions: this.queueOptions,
      registry: this.registry,
      owner: this.options.workerId,
      onSettled: (id) => this.notifySettled(id),
    });
    await this.worker.start();
    this.scheduler = new Scheduler({
      storage,
      registry: this.registry,
      clock: this.clock,
      logger,
      refreshMs: Math.max(this.options.pollIntervalMs, 5_000),
      onCreated: (at) => this.worker?.wake(at),
    });
    this.scheduler.start();
    if (this.options.retention && this.options.retention.ages.length > 0) {
      this.retention = new RetentionLoop(storage, this.options.retention, this.clock, logger);
      this.retention.start();
    }
    if (this.lifecycle === 'starting') this.lifecycle = 'started';
    logger.info({ workerId: this.options.workerId, queues: this.options.queues }, 'runtime started');
  }

  /** Stores the schedules of `@workflow({ schedule })` workflows (named after the workflow, no arguments). */
  private async storeDecoratedSchedules(): Promise<void> {
    const now = this.clock.now();
    for (const name of this.registry.names()) {
      const meta = this.registry.get(name)!.meta;
      if (meta.kind !== 'workflow' || !meta.schedule) continue;
      await this.options.storage.upsertSchedule({ name, workflowName: name, ...meta.schedule, args: '[]', lastTickAt: now, createdAt: now, updatedAt: now });
    }
  }

  /**
   * Stops claiming, lets in-flight steps finish within `timeout` (their workflows suspend and are resumed at
   * once by any worker), releases the leases of any still running, and closes the storage. Idempotent.
   */
  shutdown(options: ShutdownOptions = {}): Promise<void> {
    return (this.stopping ??= this.doShutdown(validateInteger(options.timeout ?? 10_000, 'shutdown timeout', 0, 86_400_000)));
  }

  private async doShutdown(timeoutMs: number): Promise<void> {
    this.lifecycle = 'stopping';
    await this.starting?.catch(() => {});
    this.lifecycle = 'stopping';
    this.retention?.stop();
    this.scheduler?.stop();
    await this.worker?.stop(timeoutMs);
    await this.options.storage.close();
    for (const id of [...this.settleWaiters.keys()]) this.notifySettled(id);
    this.lifecycle = 'stopped';
    this.options.logger.info('runtime shut down');
  }

  /**
   * Starts a workflow (durably: it runs even if this process dies now). With an `id` that exists already,
   * returns that workflow's handle and starts nothing.
   */
  async startWorkflow<F extends AnyFn>(fn: F, args: Parameters<F>, options: StartWorkflowOptions = {}): Promise<WorkflowHandle<Awaited<ReturnType<F>>>> {
    const meta = this.entry(fn, 'workflow', 'startWorkflow');
    checkOptionKeys(options, ['id', 'startAt', 'delay', 'queue', 'priority'], 'startWorkflow');
    return this.create(meta, 'workflow', args, { ...options, at: options.startAt, atName: 'startAt' });
  }

  /** Enqueues a task as a durable delayed job with its retry policy. Idempotent by `id` like `startWorkflow`. */
  async enqueue<F extends AnyFn>(taskFn: F, args: Parameters<F>, options: EnqueueOptions = {}): Promise<WorkflowHandle<Awaited<ReturnType<F>>>> {
    const meta = this.entry(taskFn, 'task', 'enqueue');
    checkOptionKeys(options, ['id', 'runAt', 'delay', 'queue', 'priority', 'dedupeKey', 'debounce'], 'enqueue');
    const dedupeKey = options.dedupeKey === undefined ? undefined : validateName(options.dedupeKey, `dedupeKey of ${meta.name}`);
    let delay = options.delay;
    if (options.debounce !== undefined) {
      if (dedupeKey === undefined) throw new ValidationError(`debounce of ${meta.name} needs a dedupeKey: it names the calls that replace each other`);
      if (options.runAt !== undefined || options.delay !== undefined) throw new ValidationError(`give either debounce or runAt/delay for ${meta.name}, not both`);
      delay = options.debounce;
    }
    return this.create(meta, 'job', args, { ...options, at: options.runAt, atName: 'runAt', delay, dedupeKey, debounce: options.debounce !== undefined });
  }

  private entry(fn: unknown, kind: StepMeta['kind'], method: string): StepMeta {
    const meta = entryMeta(fn);
    if (!meta || meta.kind !== kind) {
      const got = meta ? `the ${meta.kind} ${meta.name}` : describe(fn);
      throw new ValidationError(`${method} expects a ${kind} (a @${kind}() method or a define${kind === 'task' ? 'Task' : 'Workflow'} function), got ${got}`);
    }
    return meta;
  }

  private async create(meta: StepMeta, kind: WorkflowKind, args: unknown[], request: CreateRequest): Promise<WorkflowHandle<any>> {
    const input = newWorkflowInput(meta, kind, args, request, this.options.serializer, this.clock.now());
    await this.ensureReady();
    const { created, record } = await this.options.storage.createWorkflow(input);
    if (!created && record.name !== meta.name) throw new WorkflowConflictError(input.id, record.name, meta.name);
    if (!created && input.debounce) this.worker?.wake(input.nextAt);
    if (created) {
      telemetry().started.add(1, { 'steadfast.workflow.name': meta.name, 'steadfast.workflow.kind': kind });
      this.logger.info({ workflowId: input.id, workflow: meta.name, kind, queue: input.queue, startAt: new Date(input.nextAt).toISOString() }, 'enqueued');
      this.worker?.wake(input.nextAt);
    }
    return new WorkflowHandle(record.id, this);
  }

  /**
   * Sets flow control for a queue: shared `concurrency` (across all workers), `workerConcurrency` (this
   * worker), and a sliding-window `rateLimit` on starts. Configure it the same way on every worker.
   *
   * @example
   * ```ts
   * runtime.queue('emails', { concurrency: 5, rateLimit: { max: 100, per: '1m' } });
   * ```
   */
  queue(name: string, options: QueueOptions): this {
    this.queueOptions.set(name, resolveQueueOptions(name, options));
    this.worker?.wake();
    return this;
  }

  /**
   * Runs a workflow on a cron schedule, stored durably under `name` (replacing a schedule of that name).
   * Each tick runs once across all workers, in the schedule's time zone; ticks missed while no worker ran
   * follow `catchUp`. Workers that registered the workflow fire it.
   *
   * @example
   * ```ts
   * await runtime.schedule('nightly-report', reports.nightly, ['eu'], { cron: '0 2 * * *', timezone: 'Europe/Berlin' });
   * ```
   */
  async schedule<F extends AnyFn>(name: string, fn: F, args: Parameters<F>, options: ScheduleOptions): Promise<void> {
    validateName(name, 'schedule name');
    if (name.length > 150) throw new ValidationError(`invalid schedule name ${JSON.stringify(name.slice(0, 40) + '…')}: longer than 150 characters`);
    const meta = this.entry(fn, 'workflow', 'schedule');
    const resolved = resolveSchedule(options, `schedule ${name}`);
    if (!Array.isArray(args)) throw new ValidationError(`arguments of schedule ${name} must be an array, got ${describe(args)}`);
    const encoded = this.options.serializer.serialize(args, `args of schedule ${name}`);
    await this.ensureReady();
    const now = this.clock.now();
    await this.options.storage.upsertSchedule({ name, workflowName: meta.name, ...resolved, args: encoded, lastTickAt: now, createdAt: now, updatedAt: now });
    this.scheduler?.refresh();
  }

  /** Removes a schedule; resolves false if there was none. Workflows it already started are not touched. */
  async unschedule(name: string): Promise<boolean> {
    validateName(name, 'schedule name');
    await this.ensureReady();
    const deleted = await this.options.storage.deleteSchedule(name);
    this.scheduler?.refresh();
    return deleted;
  }

  /** The stored cron schedules. */
  async listSchedules(): Promise<ScheduleRecord[]> {
    await this.ensureReady();
    return this.options.storage.listSchedules();
  }

  /** A handle on an existing workflow; `WorkflowNotFoundError` if there is none. */
  async getWorkflow<R = unknown>(id: string): Promise<WorkflowHandle<R>> {
    await this.record(id);
    return new WorkflowHandle<R>(id, this);
  }

  /** Workflows matching a filter, newest first. */
  async listWorkflows(filter: ListWorkflowsFilter = {}): Promise<WorkflowInfo[]> {
    checkOptionKeys(filter, ['status', 'name', 'queue', 'limit'], 'listWorkflows');
    for (const status of [filter.status ?? []].flat()) {
      if (!WORKFLOW_STATUSES.includes(status)) throw new ValidationError(`invalid status ${describe(status)} in listWorkflows; expected one of ${WORKFLOW_STATUSES.join(', ')}`);
    }
    if (filter.limit !== undefined) validateInteger(filter.limit, 'limit of listWorkflows', 1, 10_000);
    await this.ensureReady();
    return (await this.options.storage.listWorkflows(filter)).map((record) => toWorkflowInfo(record, this.options.serializer));
  }

  /**
   * Cancels a workflow that has not finished, with its unfinished child workflows. A sleeping or waiting one
   * is cancelled at once; a running one is fenced out at once (its next checkpoint is refused) and its
   * in-flight task sees its AbortSignal. `result()` then rejects with `CancelledError`.
   */
  async cancel(id: string): Promise<void> {
    validateName(id, 'workflow id');
    await this.ensureReady();
    const record = await this.options.storage.cancelWorkflow(id, this.clock.now());
    if (!record) throw new WorkflowNotFoundError(id);
    this.worker?.execution(id)?.abandon('the workflow was cancelled', new CancelledError(id));
    this.notifySettled(id);
  }

  /**
   * Sends a signal to a workflow, durably: it is delivered exactly once, to the workflow's next
   * `waitForSignal(name)`, whether that wait has begun or not. Refused for an unknown or finished workflow.
   */
  async signal(id: string, name: string, payload?: unknown): Promise<void> {
    validateName(id, 'workflow id');
    validateName(name, 'signal name');
    const encoded = this.options.serializer.serialize(payload, `payload of signal ${name}`);
    await this.ensureReady();
    const outcome = await this.options.storage.sendSignal(id, name, encoded, this.clock.now());
    if (outcome === 'not_found') throw new WorkflowNotFoundError(id);
    if (outcome === 'finished') {
      const record = await this.options.storage.getWorkflow(id);
      throw new ValidationError(`workflow ${id} is ${record?.status ?? 'finished'}; it can no longer receive signal ${JSON.stringify(name)}`);
    }
    this.worker?.wake();
  }

  /** Resumes a failed workflow from its last checkpoint; the step that failed it runs again. */
  async retry(id: string): Promise<void> {
    validateName(id, 'workflow id');
    await this.ensureReady();
    // retryWorkflow leaves anything but a failed workflow as it is; the retried one has a 'retried' event.
    const before = await this.options.storage.getWorkflow(id);
    if (!before) throw new WorkflowNotFoundError(id);
    if (before.status !== 'failed') throw new ValidationError(`workflow ${id} is ${before.status}; only a failed workflow can be retried`);
    // A workflow failed by a failed child would re-attach to that same child: retry the child first.
    const failedStep = (await this.options.storage.history(id)).filter((e) => e.type === 'failed').pop()?.seq;
    if (failedStep != null) {
      const child = await this.options.storage.getWorkflow(`${id}/${failedStep}`);
      if (child?.parentId === id && child.status === 'failed') await this.retry(child.id);
    }
    const record = await this.options.storage.retryWorkflow(id, this.clock.now());
    if (record?.status !== 'pending') {
      throw new ValidationError(`workflow ${id} is ${record?.status ?? 'gone'}; only a failed workflow can be retried`);
    }
    this.worker?.wake();
  }

  /** Workflow counts by queue and status, and the backlog (due but not yet claimed) per queue. */
  async stats(): Promise<RuntimeStats> {
    await this.ensureReady();
    const { counts, due } = await this.options.storage.stats(this.clock.now());
    const byStatus = Object.fromEntries(WORKFLOW_STATUSES.map((status) => [status, 0])) as Record<WorkflowStatus, number>;
    for (const row of counts) byStatus[row.status] += row.count;
    return { byStatus, counts, due };
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

  // ---- for handles and entry points --------------------------------------------------------------------

  async runWorkflow(entry: Function, args: unknown[]): Promise<unknown> {
    const handle = await this.startWorkflow(entry as AnyFn, args);
    return handle.result();
  }

  async waitForResult(id: string): Promise<unknown> {
    let pollMs = 20;
    for (;;) {
      // While it executes on this runtime's own worker, its end is reported here: no need to poll often.
      const waiting = this.waitSettled(id, this.worker?.execution(id) ? this.options.pollIntervalMs : pollMs);
      const record = await retryWhileUnavailable(() => this.record(id), { clock: systemClock, logger: this.logger, what: 'waiting for a result' });
      if (record.status === 'completed') return this.options.serializer.deserialize(record.output!);
      if (record.status === 'failed') throw this.options.serializer.deserializeError(record.error!);
      if (record.status === 'cancelled') {
        const reason = record.error === null ? undefined : this.options.serializer.deserializeError(record.error);
        throw new CancelledError(id, reason ? `workflow ${id} was cancelled: ${reason.message}` : undefined, { cause: reason });
      }
      await waiting;
      pollMs = Math.min(pollMs * 2, this.options.pollIntervalMs);
    }
  }

  async workflowInfo(id: string): Promise<WorkflowInfo> {
    return toWorkflowInfo(await this.record(id), this.options.serializer);
  }

  async workflowHistory(id: string): Promise<WorkflowEvent[]> {
    await this.record(id);
    const events = await this.options.storage.history(id);
    return events.map((event) => toWorkflowEvent(event, this.options.serializer));
  }

  private async record(id: string): Promise<WorkflowRecord> {
    validateName(id, 'workflow id');
    await this.ensureReady();
    const record = await this.options.storage.getWorkflow(id);
    if (!record) throw new WorkflowNotFoundError(id);
    return record;
  }

  /** Connects and migrates once, on first use (so a client runtime needs no start()). */
  private ensureReady(): Promise<void> {
    if (this.stopping) return Promise.reject(new ValidationError('this runtime was shut down; create a new one'));
    this.ready ??= this.options.storage.migrate().catch((error) => {
      this.ready = undefined;
      throw error;
    });
    return this.ready;
  }

  /** Resolves when the workflow settles on this runtime's worker (or after `ms`, to poll storage). */
  private waitSettled(id: string, ms: number): Promise<void> {
    return new Promise((resolve) => {
      let waiters = this.settleWaiters.get(id);
      if (!waiters) this.settleWaiters.set(id, (waiters = new Set()));
      const done = () => {
        clearTimeout(timer);
        waiters!.delete(done);
        if (waiters!.size === 0) this.settleWaiters.delete(id);
        resolve();
      };
      const timer = setTimeout(done, ms);
      waiters.add(done);
    });
  }

  private notifySettled(id: string): void {
    for (const done of [...(this.settleWaiters.get(id) ?? [])]) done();
  }
}
