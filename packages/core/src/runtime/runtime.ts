import type { Logger } from 'pino';
import type { Clock } from '../foundation/clock.js';
import type { DurationInput } from '../foundation/duration.js';
import { ValidationError } from '../foundation/errors.js';
import { validateInteger } from '../foundation/names.js';
import type { ListWorkflowsFilter, WorkflowStatus } from '../foundation/types.js';
import { bindOwner, type EntryOwner } from '../definition/entry-owner.js';
import { resolveQueueOptions, type QueueOptions, type ResolvedQueue } from '../definition/queue-options.js';
import { Registry } from '../definition/registry.js';
import type { ScheduleOptions } from '../definition/schedule.js';
import { entryMeta } from '../definition/step-meta.js';
import type { BulkFilter, BulkOptions } from '../client/bulk-operations.js';
import { WorkflowClient, type LocalWorker } from '../client/workflow-client.js';
import type { EnqueueOptions, ManyItem, ManyOptions, RuntimeStats, SignalOptions, StartWorkflowOptions } from '../client/start-options.js';
import type { ActivityOptions, WorkflowActivity } from '../client/workflow-activity.js';
import type { WorkflowHandle, WorkflowInfo } from '../client/workflow-handle.js';
import type { ScheduleInfo } from '../client/schedule-info.js';
import type { StorageAdapter } from '../storage/storage-adapter.js';
import { retryWhileUnavailable } from '../storage/storage-retry.js';
import type { ForkOptions, MigrateVersionOptions, MigrateVersionResult } from '../client/version-operations.js';
import type { ReplayObserver } from '../client/replay/replay-execution.js';
import type { ReplayResult } from '../client/replay/replay-run.js';
import type { RunSelection } from '../client/replay/run-selection.js';
import type { VerifyReport } from '../client/replay/verify-histories.js';
import { RetentionLoop } from '../worker/retention.js';
import { Scheduler } from '../worker/scheduler.js';
import { Worker } from '../worker/worker.js';
import { WorkerPresence } from '../worker/worker-presence.js';
import { resolveOptions, type ResolvedOptions, type RuntimeOptions, type RuntimeState, type ShutdownOptions } from './runtime-options.js';

type AnyFn = (...args: any[]) => Promise<any>;

/**
 * Registers workflows and tasks and, once started, executes them: a worker (claim loop, heartbeats,
 * scheduler, retention) around a {@link WorkflowClient}, whose methods it has too. A runtime that is never
 * started is a client: it can start, enqueue, cancel and inspect workflows, but executes none.
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
export class Runtime implements EntryOwner {
  /** The client this runtime composes: every method that starts, reads or operates workflows is its. */
  readonly client: WorkflowClient;
  private readonly options: ResolvedOptions;
  private readonly registry = new Registry();
  private readonly queueOptions = new Map<string, ResolvedQueue>();
  private starting: Promise<void> | undefined;
  private stopping: Promise<void> | undefined;
  private worker: Worker | undefined;
  private scheduler: Scheduler | undefined;
  private retention: RetentionLoop | undefined;
  private presence: WorkerPresence | undefined;
  private lifecycle: RuntimeState = 'idle';

  constructor(options: RuntimeOptions) {
    this.options = resolveOptions(options);
    this.client = new WorkflowClient(this.options, { localWorker: () => this.localWorker(), noun: 'runtime', stopped: () => this.stopping !== undefined });
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

  // ---- registration -------------------------------------------------------------------------------------

  /** Registers class instances with `@workflow`/`@task` methods, or functions from `defineWorkflow`/`defineTask`. */
  register(...items: object[]): this {
    const registrations = Registry.registrationsOf(items);
    this.registry.add(registrations);
    for (const item of items) bindOwner(item, this);
    this.worker?.wake();
    return this;
  }

  /**
   * Sets flow control for a queue: shared `concurrency` (across all workers), `workerConcurrency` (this
   * worker), and a sliding-window `rateLimit` on starts. Configure it the same way on every worker. A runtime
   * created without the `queues` option then claims from this queue too; with `queues`, only from those.
   *
   * @example
   * ```ts
   * runtime.queue('emails', { concurrency: 5, rateLimit: { max: 100, per: '1m' } });
   * ```
   */
  queue(name: string, options: QueueOptions): this {
    this.queueOptions.set(name, resolveQueueOptions(name, options));
    // Mutated in place: the worker, its presence and the client's local checks all read this array.
    if (this.options.servesDeclaredQueues && !this.options.queues.includes(name)) this.options.queues.push(name);
    this.worker?.wake();
    return this;
  }

  // ---- lifecycle ----------------------------------------------------------------------------------------

  /** Migrates the storage, then begins claiming and executing due work. Idempotent. */
  /**
   * Migrates the storage, then begins claiming and executing due work. Idempotent. While the storage is
   * unreachable (a database starting up, a connection cut) it waits, retrying with backoff; any other failure
   * rejects, and `start()` may be called again.
   */
  start(): Promise<void> {
    if (this.stopping) return Promise.reject(new ValidationError('this runtime was shut down; create a new one'));
    return (this.starting ??= this.doStart().catch((error: unknown) => {
      this.starting = undefined;
      if (this.lifecycle === 'starting') this.lifecycle = 'idle';
      throw error;
    }));
  }

  /** A storage call of the start: waited out while the storage is unreachable, until a shutdown begins. */
  private startStep<T>(what: string, op: () => Promise<T>): Promise<T> {
    return retryWhileUnavailable(op, { clock: this.clock, logger: this.logger, what, stopped: () => this.stopping !== undefined });
  }

  private async doStart(): Promise<void> {
    this.lifecycle = 'starting';
    await this.startStep('migrating the storage', () => this.client.ensureReady());
    const { storage, logger, clock } = this.options;
    const known = new Set(this.registry.names());
    const unknown = (await this.startStep('reading unfinished names', () => storage.unfinishedNames())).filter((name) => !known.has(name));
    if (unknown.length > 0) {
      logger.warn(
        { names: unknown },
        `unfinished workflows exist whose names this runtime has not registered (${unknown.join(', ')}); they wait for a worker that registers them`,
      );
    }
    await this.startStep('storing schedules', () => this.storeDecoratedSchedules());
    const { serveVersions, version } = this.options;
    // Announced before the first claim, so no client sees this worker's runs as stranded while it starts.
    const presence = new WorkerPresence({ ...this.options, owner: this.options.workerId, serveVersions });
    this.presence = presence;
    await this.startStep('announcing this worker', () => presence.start());
    this.worker = new Worker({
      ...this.options,
      queueOptions: this.queueOptions,
      registry: this.registry,
      owner: this.options.workerId,
      onSettled: (id, _outcome, end) => this.client.notifySettled(id, end),
      onSchedulesChanged: () => this.scheduler?.refresh(),
    });
    const worker = this.worker;
    await this.startStep('subscribing to due work', () => worker.start());
    this.scheduler = new Scheduler({
      storage,
      registry: this.registry,
      clock,
      logger,
      // Schedules stored by other processes are seen at the next refresh, unless the storage reports them.
      refreshMs: Math.max(this.options.pollIntervalMs, storage.capabilities.scheduleChanges ? 60_000 : 5_000),
      onCreated: (at) => this.worker?.wake(at),
      version,
    });
    this.scheduler.start();
    if (this.options.retention && this.options.retention.ages.length > 0) {
      this.retention = new RetentionLoop(storage, this.options.retention, clock, logger);
      this.retention.start();
    }
    if (this.lifecycle === 'starting') this.lifecycle = 'started';
    logger.info({ workerId: this.options.workerId, queues: this.options.queues, version, serveVersions: serveVersions ?? 'every version' }, 'runtime started');
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
    await this.presence?.stop();
    await this.client.close();
    this.lifecycle = 'stopped';
    this.options.logger.info('runtime shut down');
  }

  /** What the client tells this runtime's worker and scheduler. */
  private localWorker(): LocalWorker | undefined {
    const worker = this.worker;
    if (!worker) return undefined;
    return {
      wake: (at) => worker.wake(at),
      runsHere: (id) => worker.runsHere(id),
      serves: (name, queue) => this.registry.get(name) !== undefined && this.options.queues.includes(queue),
      reserve: (id, name, queue, version) => worker.reserve(id, name, queue, version),
      cancelled: (id) => worker.cancelled(id),
      schedulesChanged: () => this.scheduler?.refresh(),
    };
  }

  /** @internal A workflow entry point called outside any workflow starts it here and awaits it. */
  async runWorkflow(entry: Function, args: unknown[]): Promise<unknown> {
    const handle = await this.startWorkflow(entry as AnyFn, args);
    return handle.result();
  }

  // ---- the client's methods (see WorkflowClient) ---------------------------------------------------------

  /** {@inheritDoc WorkflowClient.startWorkflow} */
  startWorkflow<F extends AnyFn>(fn: F, args: Parameters<F>, options?: StartWorkflowOptions): Promise<WorkflowHandle<Awaited<ReturnType<F>>>> {
    return this.client.startWorkflow(fn, args, options);
  }

  /** {@inheritDoc WorkflowClient.enqueue} */
  enqueue<F extends AnyFn>(taskFn: F, args: Parameters<F>, options?: EnqueueOptions): Promise<WorkflowHandle<Awaited<ReturnType<F>>>> {
    return this.client.enqueue(taskFn, args, options);
  }

  /** {@inheritDoc WorkflowClient.startMany} */
  startMany<F extends AnyFn>(fn: F, items: ReadonlyArray<ManyItem<Parameters<F>>>, options?: ManyOptions): Promise<Array<WorkflowHandle<Awaited<ReturnType<F>>>>> {
    return this.client.startMany(fn, items, options);
  }

  /** {@inheritDoc WorkflowClient.enqueueMany} */
  enqueueMany<F extends AnyFn>(taskFn: F, items: ReadonlyArray<ManyItem<Parameters<F>>>, options?: ManyOptions): Promise<Array<WorkflowHandle<Awaited<ReturnType<F>>>>> {
    return this.client.enqueueMany(taskFn, items, options);
  }

  /** {@inheritDoc WorkflowClient.getWorkflow} */
  getWorkflow<R = unknown>(id: string): Promise<WorkflowHandle<R>> {
    return this.client.getWorkflow<R>(id);
  }

  /** {@inheritDoc WorkflowClient.listWorkflows} */
  listWorkflows(filter?: ListWorkflowsFilter): Promise<WorkflowInfo[]> {
    return this.client.listWorkflows(filter);
  }

  /** {@inheritDoc WorkflowClient.cancel} */
  cancel(id: string): Promise<void> {
    return this.client.cancel(id);
  }

  /** {@inheritDoc WorkflowClient.signal} */
  signal(id: string, name: string, payload?: unknown, options?: SignalOptions): Promise<void> {
    return this.client.signal(id, name, payload, options);
  }

  /** {@inheritDoc WorkflowClient.retry} */
  retry(id: string): Promise<void> {
    return this.client.retry(id);
  }

  /** {@inheritDoc WorkflowClient.schedule} */
  schedule<F extends AnyFn>(name: string, fn: F, args: Parameters<F>, options: ScheduleOptions): Promise<void> {
    return this.client.schedule(name, fn, args, options);
  }

  /** {@inheritDoc WorkflowClient.unschedule} */
  unschedule(name: string): Promise<boolean> {
    return this.client.unschedule(name);
  }

  /** {@inheritDoc WorkflowClient.listSchedules} */
  listSchedules(): Promise<ScheduleInfo[]> {
    return this.client.listSchedules();
  }

  /** {@inheritDoc WorkflowClient.stats} */
  stats(): Promise<RuntimeStats> {
    return this.client.stats();
  }

  /** {@inheritDoc WorkflowClient.activity} */
  activity(options?: ActivityOptions): Promise<WorkflowActivity> {
    return this.client.activity(options);
  }

  /** {@inheritDoc WorkflowClient.fork} */
  fork<R = unknown>(id: string, options: ForkOptions): Promise<WorkflowHandle<R>> {
    return this.client.fork<R>(id, options);
  }

  /** {@inheritDoc WorkflowClient.migrateVersion} */
  migrateVersion(options: MigrateVersionOptions): Promise<MigrateVersionResult> {
    return this.client.migrateVersion(options);
  }

  /** {@inheritDoc WorkflowClient.verify} */
  verify(options: RunSelection & { workflows: readonly object[] }): Promise<VerifyReport> {
    return this.client.verify(options);
  }

  /** {@inheritDoc WorkflowClient.replay} */
  replay(id: string, workflows: readonly object[], observer?: ReplayObserver): Promise<ReplayResult> {
    return this.client.replay(id, workflows, observer);
  }

  /** {@inheritDoc WorkflowClient.cancelMany} */
  cancelMany(filter: BulkFilter, options?: BulkOptions): Promise<number> {
    return this.client.cancelMany(filter, options);
  }

  /** {@inheritDoc WorkflowClient.retryMany} */
  retryMany(filter: BulkFilter, options?: BulkOptions): Promise<number> {
    return this.client.retryMany(filter, options);
  }

  /** {@inheritDoc WorkflowClient.purgeMany} */
  purgeMany(filter: BulkFilter, options?: BulkOptions): Promise<number> {
    return this.client.purgeMany(filter, options);
  }

  /** {@inheritDoc WorkflowClient.purge} */
  purge(options: { olderThan: DurationInput; statuses?: WorkflowStatus[] }): Promise<number> {
    return this.client.purge(options);
  }
}
