import { ValidationError } from '../foundation/errors.js';
import type {
  ActivityRequest,
  ActivityRow,
  ClaimedWorkflow,
  ClaimFilter,
  ClaimRequest,
  CreateWorkflowResult,
  ExecutionState,
  Lease,
  NewStep,
  NewWorkflow,
  PurgeRequest,
  RetryState,
  SignalReceive,
  StorageAdapter,
  StorageCapabilities,
  TransactionStep,
  WaitingFor,
  WorkflowStats,
} from '../storage/storage-adapter.js';
import type { EventRecord, ListWorkflowsFilter, ScheduleRecord, StepRecord, WorkflowRecord } from '../foundation/types.js';
import { cancelWorkflow, retryWorkflow } from './memory/cancel-retry.js';
import { claim, nextDueAt, renewLeases } from './memory/claim.js';
import { MemoryStore } from './memory/memory-store.js';
import { activity, listSteps } from './memory/inspect.js';
import { createWorkflow, getWorkflow, history, listWorkflows, purge, stats, unfinishedNames } from './memory/read-create.js';
import { receiveSignal, sendSignal } from './memory/signals.js';
import { loadExecution, recordRetry, recordStep } from './memory/steps.js';
import { advanceSchedule, deleteSchedule, listSchedules, upsertSchedule } from './memory/schedules.js';
import { runTransactionStep } from './memory/transaction-step.js';
import { complete, fail, release, suspend } from './memory/transitions.js';

/** Options of `new MemoryAdapter(...)`. */
export interface MemoryAdapterOptions {
  /**
   * Open this adapter on the store of another `MemoryAdapter`, as a second process opens the same database:
   * both see every write, and each can be closed on its own. Default: a new, empty store.
   */
  shareWith?: MemoryAdapter;
}

const stores = new WeakMap<MemoryAdapter, MemoryStore>();

/** The store behind an adapter: for the testing kit, which watches it to know when the runtime is idle. */
export function storeOf(adapter: MemoryAdapter): MemoryStore {
  return stores.get(adapter)!;
}

/**
 * Storage in memory, for tests: implements the whole `StorageAdapter` contract and passes the conformance
 * suite, so a test runs the same runtime code as production, without a database file.
 *
 * - Each operation is atomic (it runs synchronously); payloads are kept as the strings given; every record
 *   handed out is a copy, so callers cannot change stored state.
 * - Leases are judged by the `now` argument, like the SQLite adapter (one process, one clock).
 * - `capabilities.notify`: idle workers on the same store are told of due work in a microtask.
 * - `capabilities.transactions`: a transactional step gets a {@link MemoryTransaction} on the store's own
 *   key-value area (not a SQL database: code that uses knex through `trx` needs
 *   `new SqliteAdapter({ filename: ':memory:' })` instead). Its writes commit together with the step's
 *   checkpoint, exactly once; read them with {@link MemoryAdapter.getData}.
 *
 * @example
 * ```ts
 * const storage = new MemoryAdapter();
 * const runtime = new Runtime({ storage, clock: new VirtualClock() });
 * const worker2 = new Runtime({ storage: new MemoryAdapter({ shareWith: storage }) });
 * ```
 */
export class MemoryAdapter implements StorageAdapter {
  readonly capabilities: StorageCapabilities = { notify: true, transactions: true };
  private readonly store: MemoryStore;
  private readonly unsubscribes = new Set<() => void>();
  private closed = false;

  constructor(options: MemoryAdapterOptions = {}) {
    if (typeof options !== 'object' || options === null) throw new ValidationError('new MemoryAdapter(options): options must be an object');
    for (const key of Object.keys(options)) {
      if (key !== 'shareWith') throw new ValidationError(`unknown MemoryAdapter option ${JSON.stringify(key)}; known options: shareWith`);
    }
    if (options.shareWith !== undefined && !(options.shareWith instanceof MemoryAdapter)) {
      throw new ValidationError('new MemoryAdapter({ shareWith }): shareWith must be a MemoryAdapter');
    }
    this.store = options.shareWith ? storeOf(options.shareWith) : new MemoryStore();
    stores.set(this, this.store);
  }

  /** A value the application's transactional steps committed (a copy), or undefined. */
  getData<T = unknown>(key: string): T | undefined {
    return structuredClone(this.store.data.get(key)) as T | undefined;
  }

  /** Runs one synchronous operation on the store, atomically, as a settled promise. */
  private run<T>(op: () => T): Promise<T> {
    try {
      return Promise.resolve(this.sync(op));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  private sync<T>(op: () => T): T {
    if (this.closed) throw new ValidationError('this MemoryAdapter is closed');
    if (!this.store.migrated) throw new ValidationError('the MemoryAdapter is not migrated yet: call migrate() (runtime.start() does) before using it');
    return this.store.apply(op);
  }

  async subscribe(onDue: (dueAt: number) => void): Promise<() => Promise<void>> {
    if (this.closed) throw new ValidationError('this MemoryAdapter is closed');
    const unsubscribe = this.store.subscribe(onDue);
    this.unsubscribes.add(unsubscribe);
    return async () => {
      unsubscribe();
      this.unsubscribes.delete(unsubscribe);
    };
  }

  async migrate(): Promise<void> {
    if (this.closed) throw new ValidationError('this MemoryAdapter is closed');
    this.store.apply(() => (this.store.migrated = true));
  }

  /** Closes this view; the store lives on for other adapters sharing it. Idempotent. */
  async close(): Promise<void> {
    this.closed = true;
    for (const unsubscribe of this.unsubscribes) unsubscribe();
    this.unsubscribes.clear();
  }

  createWorkflow(input: NewWorkflow): Promise<CreateWorkflowResult> {
    return this.run(() => createWorkflow(this.store, input));
  }
  getWorkflow(id: string): Promise<WorkflowRecord | undefined> {
    return this.run(() => getWorkflow(this.store, id));
  }
  listWorkflows(filter: ListWorkflowsFilter): Promise<WorkflowRecord[]> {
    return this.run(() => listWorkflows(this.store, filter));
  }
  history(workflowId: string): Promise<EventRecord[]> {
    return this.run(() => history(this.store, workflowId));
  }
  listSteps(workflowId: string): Promise<StepRecord[]> {
    return this.run(() => listSteps(this.store, workflowId));
  }
  unfinishedNames(): Promise<string[]> {
    return this.run(() => unfinishedNames(this.store));
  }
  upsertSchedule(record: ScheduleRecord): Promise<void> {
    return this.run(() => upsertSchedule(this.store, record));
  }
  deleteSchedule(name: string): Promise<boolean> {
    return this.run(() => deleteSchedule(this.store, name));
  }
  listSchedules(): Promise<ScheduleRecord[]> {
    return this.run(() => listSchedules(this.store));
  }
  advanceSchedule(name: string, from: number, to: number, now: number): Promise<boolean> {
    return this.run(() => advanceSchedule(this.store, name, from, to, now));
  }
  stats(now: number): Promise<WorkflowStats> {
    return this.run(() => stats(this.store, now));
  }
  activity(request: ActivityRequest): Promise<ActivityRow[]> {
    return this.run(() => activity(this.store, request));
  }
  purge(request: PurgeRequest): Promise<number> {
    return this.run(() => purge(this.store, request));
  }
  claim(request: ClaimRequest): Promise<ClaimedWorkflow[]> {
    return this.run(() => claim(this.store, request));
  }
  nextDueAt(filter: ClaimFilter): Promise<number | null> {
    return this.run(() => nextDueAt(this.store, filter));
  }
  loadExecution(lease: Lease): Promise<ExecutionState> {
    return this.run(() => loadExecution(this.store, lease));
  }
  renewLeases(leases: Lease[], leaseMs: number, now: number): Promise<string[]> {
    return this.run(() => renewLeases(this.store, leases, leaseMs, now));
  }
  recordStep(lease: Lease, step: NewStep, now: number): Promise<void> {
    return this.run(() => recordStep(this.store, lease, step, now));
  }
  recordRetry(lease: Lease, retry: RetryState & { seq: number; error: string }, now: number): Promise<void> {
    return this.run(() => recordRetry(this.store, lease, retry, now));
  }
  suspend(lease: Lease, wakeAt: number | null, now: number, waitingFor?: WaitingFor): Promise<void> {
    return this.run(() => suspend(this.store, lease, wakeAt, now, waitingFor));
  }
  release(lease: Lease, now: number): Promise<void> {
    return this.run(() => release(this.store, lease, now));
  }
  complete(lease: Lease, output: string, now: number): Promise<void> {
    return this.run(() => complete(this.store, lease, output, now));
  }
  fail(lease: Lease, error: string, failedSeq: number | null, now: number): Promise<void> {
    return this.run(() => fail(this.store, lease, error, failedSeq, now));
  }
  cancelWorkflow(id: string, now: number, reason?: string): Promise<WorkflowRecord | undefined> {
    return this.run(() => cancelWorkflow(this.store, id, now, reason));
  }
  retryWorkflow(id: string, now: number): Promise<WorkflowRecord | undefined> {
    return this.run(() => retryWorkflow(this.store, id, now));
  }
  sendSignal(workflowId: string, name: string, payload: string, now: number): Promise<'sent' | 'not_found' | 'finished'> {
    return this.run(() => sendSignal(this.store, workflowId, name, payload, now));
  }
  receiveSignal(lease: Lease, receive: SignalReceive, now: number): Promise<string | null> {
    return this.run(() => receiveSignal(this.store, lease, receive, now));
  }
  async runTransactionStep(lease: Lease, step: TransactionStep, body: (trx: unknown) => Promise<string>, now: number): Promise<string> {
    return runTransactionStep(this.store, lease, step, body, now, (op) => this.sync(op));
  }
}
