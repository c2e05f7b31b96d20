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
  type NewStep,
  type NewWorkflow,
  type RetryState,
  type StorageAdapter,
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
import { complete, fail, release, renewLeases, suspend } from './sql/transitions.js';

/** Options of `new SqliteAdapter(...)`. */
export interface SqliteAdapterOptions {
  /** Database file (created with its folder if missing), or `':memory:'` for a private in-memory database. Required. */
  filename: string;
  /** Prefix of every table name: lower-case letters, digits and `_`, starting with a letter or `_`. Default `'steadfast_'`. */
  tablePrefix?: string;
  /** How long a write waits for another process's write lock before failing. Default 5 000 ms. */
  busyTimeoutMs?: number;
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
  readonly capabilities: StorageCapabilities = { notify: false };
  readonly filename: string;
  private readonly prefix: string;
  private readonly busyTimeoutMs: number;
  private readonly synchronous: 'FULL' | 'NORMAL';
  private knexInstance: Knex | undefined;
  private opening: Promise<SqliteDatabase> | undefined;
  private closed = false;

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
  }

  /** The knex instance on this database (opened on first use), for the application's own queries. */
  get knex(): Knex {
    if (!this.knexInstance) throw new ValidationError('the SQLite adapter is not open yet: call runtime.start() or migrate() first');
    return this.knexInstance;
  }

  private database(): Promise<SqliteDatabase> {
    if (this.closed) return Promise.reject(new ValidationError(`the SQLite adapter for ${this.filename} is closed`));
    return (this.opening ??= this.open());
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
    migrate(await this.database(), Date.now());
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.opening) {
      await this.opening.catch(() => {});
      await this.knexInstance?.destroy();
    }
  }

  async createWorkflow(input: NewWorkflow): Promise<CreateWorkflowResult> {
    return createWorkflow(await this.database(), input);
  }
  async getWorkflow(id: string): Promise<WorkflowRecord | undefined> {
    return getWorkflow(await this.database(), id);
  }
  async listWorkflows(filter: ListWorkflowsFilter): Promise<WorkflowRecord[]> {
    return listWorkflows(await this.database(), filter);
  }
  async history(workflowId: string): Promise<EventRecord[]> {
    return history(await this.database(), workflowId);
  }
  async unfinishedNames(): Promise<string[]> {
    return unfinishedNames(await this.database());
  }
  async claim(request: ClaimRequest): Promise<ClaimedWorkflow[]> {
    return claim(await this.database(), request);
  }
  async nextDueAt(filter: ClaimFilter): Promise<number | null> {
    return nextDueAt(await this.database(), filter);
  }
  async loadExecution(lease: Lease): Promise<ExecutionState> {
    return loadExecution(await this.database(), lease);
  }
  async renewLeases(leases: Lease[], leaseMs: number, now: number): Promise<string[]> {
    return renewLeases(await this.database(), leases, leaseMs, now);
  }
  async recordStep(lease: Lease, step: NewStep, now: number): Promise<void> {
    recordStep(await this.database(), lease, step, now);
  }
  async recordRetry(lease: Lease, retry: RetryState & { seq: number; error: string }, now: number): Promise<void> {
    recordRetry(await this.database(), lease, retry, now);
  }
  async suspend(lease: Lease, wakeAt: number, now: number): Promise<void> {
    suspend(await this.database(), lease, wakeAt, now);
  }
  async release(lease: Lease, now: number): Promise<void> {
    release(await this.database(), lease, now);
  }
  async complete(lease: Lease, output: string, now: number): Promise<void> {
    complete(await this.database(), lease, output, now);
  }
  async fail(lease: Lease, error: string, failedSeq: number | null, now: number): Promise<void> {
    fail(await this.database(), lease, error, failedSeq, now);
  }
  async cancelWorkflow(id: string, now: number): Promise<WorkflowRecord | undefined> {
    return cancelWorkflow(await this.database(), id, now);
  }
  async retryWorkflow(id: string, now: number): Promise<WorkflowRecord | undefined> {
    return retryWorkflow(await this.database(), id, now);
  }
}
