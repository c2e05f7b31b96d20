import { dirname } from 'node:path';
import { mkdirSync } from 'node:fs';
import type BetterSqlite3 from 'better-sqlite3';
import knexFactory, { type Knex } from 'knex';
import {
  ValidationError,
  type ClaimedWorkflow,
  type ClaimFilter,
  type ClaimRequest,
  type CreateWorkflowResult,
  type EventRecord,
  type ExecutionState,
  type Lease,
  type ListWorkflowsFilter,
  type PurgeRequest,
  type ScheduleRecord,
  type WorkflowStats,
  type NewStep,
  type NewWorkflow,
  type RetryState,
  type SignalReceive,
  type StorageAdapter,
  type TransactionStep,
  type WaitingFor,
  type StorageCapabilities,
  type WorkflowRecord,
} from '@steadfast/core';
import { migrate } from './migrations.js';
import { SqliteDatabase } from './sqlite-database.js';
import { cancelWorkflow, retryWorkflow } from './sql/cancel-retry.js';
import { claim, nextDueAt } from './sql/claim.js';
import { createWorkflow } from './sql/create-workflow.js';
import { loadExecution } from './sql/load-execution.js';
import { getWorkflow, history, listWorkflows, unfinishedNames } from './sql/read-workflows.js';
import { recordRetry, recordStep } from './sql/record-step.js';
import { purge, stats } from './sql/stats-purge.js';
import { advanceSchedule, deleteSchedule, listSchedules, upsertSchedule } from './sql/schedules.js';
import { receiveSignal, sendSignal } from './sql/signals.js';
import { runTransactionStep } from './sql/transaction-step.js';
import { complete, fail, release, renewLeases, suspend } from './sql/transitions.js';

/** Options of `new SqliteAdapter(...)`. */
export interface SqliteAdapterOptions {
  /** Database file (created with its folder if missing), or `':memory:'` for a private in-memory database. Required. */
  filename: string;
  /** Prefix of every table name: lower-case letters, digits and `_`, starting with a letter or `_`. Default `'steadfast_'`. */
  tablePrefix?: string;
  /** How long a write waits for another process's write lock before failing. Default 5 000 ms. */
  busyTimeoutMs?: number;
  /** How often `subscribe` looks for commits by other processes on the file (a PRAGMA read: microseconds). Default 10 ms. */
  changePollMs?: number;
  /**
   * SQLite `synchronous` setting. `'FULL'` (default) makes every checkpoint survive power loss;
   * `'NORMAL'` survives process crashes only, and is faster.
   */
  synchronous?: 'FULL' | 'NORMAL';
}

const PREFIX = /^[a-z_][a-z0-9_]{0,40}$/;

/**
 * Storage on SQLite through knex and better-sqlite3: the embedded default. Several processes may share one
 * database file (WAL, a busy timeout, IMMEDIATE write transactions).
 *
 * @example
 * ```ts
 * const runtime = new Runtime({ storage: new SqliteAdapter({ filename: 'steadfast.db' }) });
 * ```
 */
export class SqliteAdapter implements StorageAdapter {
  /** `notify`: other processes' commits are noticed by polling `PRAGMA data_version` (see `subscribe`). */
  readonly capabilities: StorageCapabilities = { notify: true, transactions: true };
  readonly filename: string;
  private readonly prefix: string;
  private readonly busyTimeoutMs: number;
  private readonly synchronous: 'FULL' | 'NORMAL';
  private knexInstance: Knex | undefined;
  private opening: Promise<SqliteDatabase> | undefined;
  /** Held while a transactional step's transaction is open on the single connection; other work waits. */
  private exclusive: Promise<void> | undefined;
  private closed = false;
  private readonly changePollMs: number;
  private readonly watchers = new Set<NodeJS.Timeout>();

  constructor(options: SqliteAdapterOptions) {
    if (typeof options?.filename !== 'string' || options.filename.length === 0) {
      throw new ValidationError('new SqliteAdapter(options): options.filename must be a file path or ":memory:"');
    }
    const prefix = options.tablePrefix ?? 'steadfast_';
    if (typeof prefix !== 'string' || !PREFIX.test(prefix)) {
      throw new ValidationError(
        `invalid tablePrefix ${JSON.stringify(prefix)}: use lower-case letters, digits and _ (starting with a letter or _), at most 41 characters`,
      );
    }
    const busy = options.busyTimeoutMs ?? 5_000;
    if (!Number.isInteger(busy) || busy < 0) throw new ValidationError(`invalid busyTimeoutMs: ${busy} (expected a whole number of milliseconds >= 0)`);
    if (options.synchronous !== undefined && options.synchronous !== 'FULL' && options.synchronous !== 'NORMAL') {
      throw new ValidationError(`invalid synchronous: ${JSON.stringify(options.synchronous)} (expected 'FULL' or 'NORMAL')`);
    }
    this.filename = options.filename;
    this.prefix = prefix;
    this.busyTimeoutMs = busy;
    this.synchronous = options.synchronous ?? 'FULL';
    this.changePollMs = options.changePollMs ?? 10;
    if (!Number.isInteger(this.changePollMs) || this.changePollMs < 1) {
      throw new ValidationError(`invalid changePollMs: ${options.changePollMs} (expected a whole number of milliseconds >= 1)`);
    }
  }

  /** The knex instance on this database (opened on first use), for the application's own queries. */
  get knex(): Knex {
    if (!this.knexInstance) throw new ValidationError('the SQLite adapter is not open yet: call runtime.start() or migrate() first');
    return this.knexInstance;
  }

  /**
   * Runs a synchronous operation on the connection, never inside another caller's open transactional
   * step: the gate is checked with no await between it and the operation.
   */
  private async run<T>(op: (database: SqliteDatabase) => T): Promise<T> {
    if (this.closed) throw new ValidationError(`the SQLite adapter for ${this.filename} is closed`);
    const database = await (this.opening ??= this.open());
    while (this.exclusive) await this.exclusive;
    return op(database);
  }

  private async open(): Promise<SqliteDatabase> {
    if (this.filename !== ':memory:' && !this.filename.startsWith('file:')) mkdirSync(dirname(this.filename), { recursive: true });
    // One connection: knex's pool holds it, and the adapter runs its prepared statements on it directly.
    const instance = knexFactory({ client: 'better-sqlite3', connection: { filename: this.filename }, useNullAsDefault: true, pool: { min: 1, max: 1 } });
    this.knexInstance = instance;
    const db = (await instance.client.acquireConnection()) as BetterSqlite3.Database;
    instance.client.releaseConnection(db);
    db.pragma(`busy_timeout = ${this.busyTimeoutMs}`);
    if (this.filename !== ':memory:') db.pragma('journal_mode = WAL');
    db.pragma(`synchronous = ${this.synchronous}`);
    return new SqliteDatabase(db, this.prefix);
  }

  async migrate(): Promise<void> {
    await this.run((database) => migrate(database, Date.now()));
  }

  /**
   * Wakes idle workers when another process (or another adapter on the file) commits: SQLite has no
   * notifications, but `PRAGMA data_version` changes whenever another connection commits, and reading it
   * costs microseconds. The callback gets 0 ("look now"): what became due is for the claim to find out.
   */
  async subscribe(onDue: (dueAt: number) => void): Promise<() => Promise<void>> {
    let last = await this.run((database) => database.db.pragma('data_version', { simple: true }) as number);
    if (this.closed) return async () => {};
    const timer = setInterval(() => {
      if (this.closed || this.exclusive) return;
      void this.run((database) => database.db.pragma('data_version', { simple: true }) as number)
        .then((version) => {
          if (version !== last) {
            last = version;
            onDue(0);
          }
        })
        .catch(() => {});
    }, this.changePollMs);
    timer.unref();
    this.watchers.add(timer);
    return async () => {
      clearInterval(timer);
      this.watchers.delete(timer);
    };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const timer of this.watchers) clearInterval(timer);
    if (this.opening) {
      await this.opening.catch(() => {});
      await this.knexInstance?.destroy();
    }
  }

  createWorkflow(input: NewWorkflow): Promise<CreateWorkflowResult> {
    return this.run((db) => createWorkflow(db, input));
  }
  getWorkflow(id: string): Promise<WorkflowRecord | undefined> {
    return this.run((db) => getWorkflow(db, id));
  }
  listWorkflows(filter: ListWorkflowsFilter): Promise<WorkflowRecord[]> {
    return this.run((db) => listWorkflows(db, filter));
  }
  history(workflowId: string): Promise<EventRecord[]> {
    return this.run((db) => history(db, workflowId));
  }
  unfinishedNames(): Promise<string[]> {
    return this.run((db) => unfinishedNames(db));
  }
  stats(now: number): Promise<WorkflowStats> {
    return this.run((db) => stats(db, now));
  }
  purge(request: PurgeRequest): Promise<number> {
    return this.run((db) => purge(db, request));
  }
  upsertSchedule(record: ScheduleRecord): Promise<void> {
    return this.run((db) => upsertSchedule(db, record));
  }
  deleteSchedule(name: string): Promise<boolean> {
    return this.run((db) => deleteSchedule(db, name));
  }
  listSchedules(): Promise<ScheduleRecord[]> {
    return this.run((db) => listSchedules(db));
  }
  advanceSchedule(name: string, from: number, to: number, now: number): Promise<boolean> {
    return this.run((db) => advanceSchedule(db, name, from, to, now));
  }
  claim(request: ClaimRequest): Promise<ClaimedWorkflow[]> {
    return this.run((db) => claim(db, request));
  }
  nextDueAt(filter: ClaimFilter): Promise<number | null> {
    return this.run((db) => nextDueAt(db, filter));
  }
  loadExecution(lease: Lease): Promise<ExecutionState> {
    return this.run((db) => loadExecution(db, lease));
  }
  renewLeases(leases: Lease[], leaseMs: number, now: number): Promise<string[]> {
    return this.run((db) => renewLeases(db, leases, leaseMs, now));
  }
  recordStep(lease: Lease, step: NewStep, now: number): Promise<void> {
    return this.run((db) => recordStep(db, lease, step, now));
  }
  recordRetry(lease: Lease, retry: RetryState & { seq: number; error: string }, now: number): Promise<void> {
    return this.run((db) => recordRetry(db, lease, retry, now));
  }
  suspend(lease: Lease, wakeAt: number | null, now: number, waitingFor?: WaitingFor): Promise<void> {
    return this.run((db) => suspend(db, lease, wakeAt, now, waitingFor));
  }
  release(lease: Lease, now: number): Promise<void> {
    return this.run((db) => release(db, lease, now));
  }
  complete(lease: Lease, output: string, now: number): Promise<void> {
    return this.run((db) => complete(db, lease, output, now));
  }
  fail(lease: Lease, error: string, failedSeq: number | null, now: number): Promise<void> {
    return this.run((db) => fail(db, lease, error, failedSeq, now));
  }
  cancelWorkflow(id: string, now: number, reason?: string): Promise<WorkflowRecord | undefined> {
    return this.run((db) => cancelWorkflow(db, id, now, reason));
  }
  retryWorkflow(id: string, now: number): Promise<WorkflowRecord | undefined> {
    return this.run((db) => retryWorkflow(db, id, now));
  }
  sendSignal(workflowId: string, name: string, payload: string, now: number): Promise<'sent' | 'not_found' | 'finished'> {
    return this.run((db) => sendSignal(db, workflowId, name, payload, now));
  }
  receiveSignal(lease: Lease, receive: SignalReceive, now: number): Promise<string | null> {
    return this.run((db) => receiveSignal(db, lease, receive, now));
  }

  /** Holds the connection exclusively while the step's transaction is open (other work waits its turn). */
  async runTransactionStep(lease: Lease, step: TransactionStep, body: (trx: unknown) => Promise<string>, now: number): Promise<string> {
    let release!: () => void;
    const database = await this.run((db) => {
      this.exclusive = new Promise<void>((resolve) => (release = resolve));
      return db;
    });
    try {
      return await runTransactionStep(database, this.knex, lease, step, body, now);
    } finally {
      this.exclusive = undefined;
      release();
    }
  }
}
