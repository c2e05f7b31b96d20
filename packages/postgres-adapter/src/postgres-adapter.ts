import knexFactory, { type Knex } from 'knex';
import type pg from 'pg';
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
import { DueListener, type ListenerLogger } from './due-listener.js';
import { migrate } from './migrations.js';
import { PostgresDatabase } from './postgres-database.js';
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

/** Options of `new PostgresAdapter(...)`. */
export interface PostgresAdapterOptions {
  /** A connection string (`postgres://user@host:5432/db`) or a pg client config. Required. */
  connection: string | pg.ClientConfig;
  /** Schema holding the tables, created if missing: a lower-case identifier. Default `'public'`. */
  schema?: string;
  /** Prefix of every table name: lower-case letters, digits and `_`. Default `'steadfast_'`. */
  tablePrefix?: string;
  /** Main connection pool. Default `{ min: 0, max: 10 }`. Heartbeats and LISTEN use connections of their own. */
  pool?: { min?: number; max?: number };
  /** How often the LISTEN connection is checked; a silent one is replaced. Default 5 000 ms. */
  listenCheckIntervalMs?: number;
  /** Where the adapter reports a lost LISTEN connection (a pino logger works). Default: not reported. */
  logger?: ListenerLogger;
}

const IDENTIFIER = /^[a-z_][a-z0-9_]{0,40}$/;

function identifier(value: unknown, what: string): string {
  if (typeof value !== 'string' || !IDENTIFIER.test(value)) {
    throw new ValidationError(
      `invalid ${what} ${JSON.stringify(value)}: use lower-case letters, digits and _ (starting with a letter or _), at most 41 characters`,
    );
  }
  return value;
}

/**
 * Storage on PostgreSQL through knex and pg, for many worker processes on many machines: claims with
 * FOR UPDATE SKIP LOCKED, leases on the database clock, one round trip per checkpoint, and LISTEN/NOTIFY
 * so idle workers start due work at once.
 *
 * @example
 * ```ts
 * const runtime = new Runtime({ storage: new PostgresAdapter({ connection: process.env.DATABASE_URL! }) });
 * ```
 */
export class PostgresAdapter implements StorageAdapter {
  readonly capabilities: StorageCapabilities = { notify: true, transactions: true };
  private readonly database: PostgresDatabase;
  private readonly connection: string | pg.ClientConfig;
  private readonly listenCheckIntervalMs: number;
  private readonly logger: ListenerLogger | undefined;
  private readonly listeners = new Set<DueListener>();
  private closed = false;

  constructor(options: PostgresAdapterOptions) {
    if (!options || (typeof options.connection !== 'string' && (typeof options.connection !== 'object' || options.connection === null))) {
      throw new ValidationError('new PostgresAdapter(options): options.connection must be a connection string or a pg client config');
    }
    const schema = identifier(options.schema ?? 'public', 'schema');
    const prefix = identifier(options.tablePrefix ?? 'steadfast_', 'tablePrefix');
    const max = options.pool?.max ?? 10;
    const min = options.pool?.min ?? 0;
    if (!Number.isInteger(max) || max < 1 || !Number.isInteger(min) || min < 0 || min > max) {
      throw new ValidationError(`invalid pool ${JSON.stringify(options.pool)}: expected whole numbers with 0 <= min <= max and max >= 1`);
    }
    this.listenCheckIntervalMs = options.listenCheckIntervalMs ?? 5_000;
    if (!Number.isInteger(this.listenCheckIntervalMs) || this.listenCheckIntervalMs < 100) {
      throw new ValidationError(`invalid listenCheckIntervalMs: ${options.listenCheckIntervalMs} (expected a whole number of milliseconds >= 100)`);
    }
    this.connection = options.connection;
    this.logger = options.logger;
    // knex prints pool trouble with console.log; route it to our logger (or drop it): failures reach the
    // runtime as StorageUnavailableError anyway.
    const report = (message: unknown) => this.logger?.warn({ detail: String(message) }, 'knex');
    const log = { warn: report, error: report, deprecate: () => {}, debug: () => {} };
    const make = (pool: { min: number; max: number }) =>
      knexFactory({ client: 'pg', connection: options.connection as Knex.StaticConnectionConfig, pool, acquireConnectionTimeout: 10_000, log });
    this.database = new PostgresDatabase(make({ min, max }), make({ min: 0, max: 1 }), schema, prefix, `${schema}.${prefix}due`);
  }

  /** The knex instance on this database, for the application's own queries. */
  get knex(): Knex {
    return this.database.knex;
  }

  async subscribe(onDue: (dueAt: number) => void): Promise<() => Promise<void>> {
    const listener = new DueListener({ connection: this.connection, channel: this.database.channel, onDue, checkIntervalMs: this.listenCheckIntervalMs, logger: this.logger });
    this.listeners.add(listener);
    await listener.start();
    return async () => {
      this.listeners.delete(listener);
      await listener.stop();
    };
  }

  async migrate(): Promise<void> {
    await migrate(this.database, Date.now());
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([...this.listeners].map((listener) => listener.stop()));
    await Promise.all([this.database.knex.destroy(), this.database.control.destroy()]);
  }

  createWorkflow(input: NewWorkflow): Promise<CreateWorkflowResult> {
    return createWorkflow(this.database, input);
  }
  getWorkflow(id: string): Promise<WorkflowRecord | undefined> {
    return getWorkflow(this.database, id);
  }
  listWorkflows(filter: ListWorkflowsFilter): Promise<WorkflowRecord[]> {
    return listWorkflows(this.database, filter);
  }
  history(workflowId: string): Promise<EventRecord[]> {
    return history(this.database, workflowId);
  }
  unfinishedNames(): Promise<string[]> {
    return unfinishedNames(this.database);
  }
  stats(now: number): Promise<WorkflowStats> {
    return stats(this.database, now);
  }
  purge(request: PurgeRequest): Promise<number> {
    return purge(this.database, request);
  }
  upsertSchedule(record: ScheduleRecord): Promise<void> {
    return upsertSchedule(this.database, record);
  }
  deleteSchedule(name: string): Promise<boolean> {
    return deleteSchedule(this.database, name);
  }
  listSchedules(): Promise<ScheduleRecord[]> {
    return listSchedules(this.database);
  }
  advanceSchedule(name: string, from: number, to: number, now: number): Promise<boolean> {
    return advanceSchedule(this.database, name, from, to, now);
  }
  claim(request: ClaimRequest): Promise<ClaimedWorkflow[]> {
    return claim(this.database, request);
  }
  nextDueAt(filter: ClaimFilter): Promise<number | null> {
    return nextDueAt(this.database, filter);
  }
  loadExecution(lease: Lease): Promise<ExecutionState> {
    return loadExecution(this.database, lease);
  }
  renewLeases(leases: Lease[], leaseMs: number, now: number): Promise<string[]> {
    return renewLeases(this.database, leases, leaseMs, now);
  }
  recordStep(lease: Lease, step: NewStep, now: number): Promise<void> {
    return recordStep(this.database, lease, step, now);
  }
  recordRetry(lease: Lease, retry: RetryState & { seq: number; error: string }, now: number): Promise<void> {
    return recordRetry(this.database, lease, retry, now);
  }
  suspend(lease: Lease, wakeAt: number | null, now: number, waitingFor?: WaitingFor): Promise<void> {
    return suspend(this.database, lease, wakeAt, now, waitingFor);
  }
  release(lease: Lease, now: number): Promise<void> {
    return release(this.database, lease, now);
  }
  complete(lease: Lease, output: string, now: number): Promise<void> {
    return complete(this.database, lease, output, now);
  }
  fail(lease: Lease, error: string, failedSeq: number | null, now: number): Promise<void> {
    return fail(this.database, lease, error, failedSeq, now);
  }
  cancelWorkflow(id: string, now: number, reason?: string): Promise<WorkflowRecord | undefined> {
    return cancelWorkflow(this.database, id, now, reason);
  }
  sendSignal(workflowId: string, name: string, payload: string, now: number): Promise<'sent' | 'not_found' | 'finished'> {
    return sendSignal(this.database, workflowId, name, payload, now);
  }
  receiveSignal(lease: Lease, receive: SignalReceive, now: number): Promise<string | null> {
    return receiveSignal(this.database, lease, receive, now);
  }
  runTransactionStep(lease: Lease, step: TransactionStep, body: (trx: unknown) => Promise<string>, now: number): Promise<string> {
    return runTransactionStep(this.database, lease, step, body, now);
  }
  retryWorkflow(id: string, now: number): Promise<WorkflowRecord | undefined> {
    return retryWorkflow(this.database, id, now);
  }
}
