import knexFactory, { type Knex } from 'knex';
import type pg from 'pg';
import {
  bindOperations,
  ValidationError,
  type Lease,
  type StorageAdapter,
  type StorageCapabilities,
  type StorageOperations,
  type TransactionStep,
} from '@steadfast/core/adapter';
import { DueListener, type ListenerLogger } from './due-listener.js';
import { migrate } from './migrations.js';
import { Connections } from './connections.js';
import { clientConfig, createPool, PostgresDatabase } from './postgres-database.js';
import { OPERATIONS } from './operations.js';
import { PublicationListener } from './publication-listener.js';
import { publicationsChannel } from './sql/tables.js';
import { runTransactionStep } from './sql/transaction-step.js';

/** Options of `new PostgresAdapter(...)`. */
export interface PostgresAdapterOptions {
  /** A connection string (`postgres://user@host:5432/db`) or a pg client config. Required. */
  connection: string | pg.ClientConfig;
  /** Schema holding the tables, created if missing: a lower-case identifier. Default `'public'`. */
  schema?: string;
  /** Prefix of every table name: lower-case letters, digits and `_`. Default `'steadfast_'`. */
  tablePrefix?: string;
  /**
   * Connections for the runtime's statements, and at most as many more for transactional steps and
   * `adapter.knex` (opened on first use). Default `{ min: 0, max: 10 }`. Heartbeats and LISTEN use one
   * connection each of their own.
   */
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
export interface PostgresAdapter extends StorageOperations {}
export class PostgresAdapter implements StorageAdapter {
  readonly capabilities: StorageCapabilities = { notify: true, transactions: true, scheduleChanges: true };
  private readonly database: PostgresDatabase;
  private readonly connection: string | pg.ClientConfig;
  private readonly listenCheckIntervalMs: number;
  private readonly logger: ListenerLogger | undefined;
  private readonly listeners = new Set<DueListener>();
  private readonly publications: PublicationListener;
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
    const knex = knexFactory({ client: 'pg', connection: options.connection as Knex.StaticConnectionConfig, pool: { min: 0, max }, acquireConnectionTimeout: 10_000, log });
    this.database = new PostgresDatabase(
      new Connections(clientConfig(options.connection, 'steadfast'), max),
      createPool(options.connection, { min: 0, max: 1, applicationName: 'steadfast-heartbeat' }),
      knex,
      schema,
      prefix,
      `${schema}.${prefix}due`,
    );
    Object.assign(this, bindOperations(OPERATIONS, async (operation) => operation(this.database)));
    this.publications = new PublicationListener(
      (onMessage, onReconnect) =>
        new DueListener({ connection: this.connection, channel: publicationsChannel(this.database), onMessage, onDue: onReconnect, checkIntervalMs: this.listenCheckIntervalMs, logger: this.logger }),
    );
  }

  /** The knex instance on this database, for the application's own queries. */
  get knex(): Knex {
    return this.database.knex;
  }

  async subscribe(onDue: (dueAt: number) => void, onSchedulesChanged?: () => void): Promise<() => Promise<void>> {
    const listener = new DueListener({ connection: this.connection, channel: this.database.channel, onDue, onSchedulesChanged, checkIntervalMs: this.listenCheckIntervalMs, logger: this.logger });
    this.listeners.add(listener);
    await listener.start();
    return async () => {
      this.listeners.delete(listener);
      await listener.stop();
    };
  }

  /** LISTENs on the publications channel (one connection for every reader in this process), which `publish` notifies. */
  async watchPublications(workflowId: string, onChange: () => void): Promise<() => Promise<void>> {
    if (this.closed) throw new ValidationError('this PostgresAdapter is closed');
    return this.publications.watch(workflowId, onChange);
  }

  async migrate(): Promise<void> {
    await migrate(this.database, Date.now());
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([...this.listeners].map((listener) => listener.stop()));
    await this.publications.stop();
    await Promise.all([this.database.pool.end(), this.database.control.end(), this.database.knex.destroy()]);
  }

  runTransactionStep(lease: Lease, step: TransactionStep, body: (trx: unknown) => Promise<string>, now: number): Promise<string> {
    return runTransactionStep(this.database, lease, step, body, now);
  }
}
