import { dirname } from 'node:path';
import { mkdirSync } from 'node:fs';
import type BetterSqlite3 from 'better-sqlite3';
import knexFactory, { type Knex } from 'knex';
import {
  bindOperations,
  KeyedListeners,
  ValidationError,
  type Lease,
  type StorageAdapter,
  type StorageCapabilities,
  type StorageOperations,
  type TransactionStep,
} from '@steadfast/core/adapter';
import { ChangeFeed } from './change-feed.js';
import { migrate } from './migrations.js';
import { SqliteDatabase } from './sqlite-database.js';
import { GroupCommit } from './group-commit.js';
import { OPERATIONS, READS } from './operations.js';
import { runTransactionStep } from './sql/transaction-step.js';

/** Options of `new SqliteAdapter(...)`. */
export interface SqliteAdapterOptions {
  /** Database file (created with its folder if missing), or `':memory:'` for a private in-memory database. Required. */
  filename: string;
  /** Prefix of every table name: lower-case letters, digits and `_`, starting with a letter or `_`. Default `'steadfast_'`. */
  tablePrefix?: string;
  /** How long a write waits for another process's write lock before failing. Default 5 000 ms. */
  busyTimeoutMs?: number;
  /**
   * How often `subscribe` looks for commits by other processes on the file (a PRAGMA read: microseconds), as
   * the fallback to watching the file for writes, which tells at once where the file system can (inotify).
   * Default 50 ms.
   */
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
export interface SqliteAdapter extends StorageOperations {}
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
  private readonly changes: ChangeFeed;
  /** Readers in this process of what is published on this connection. */
  private readonly localPublications = new KeyedListeners();
  private readonly commits: GroupCommit;

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
    const changePollMs = options.changePollMs ?? 50;
    if (!Number.isInteger(changePollMs) || changePollMs < 1) {
      throw new ValidationError(`invalid changePollMs: ${options.changePollMs} (expected a whole number of milliseconds >= 1)`);
    }
    this.changes = new ChangeFeed({
      version: () => this.run((database) => database.db.pragma('data_version', { simple: true }) as number, false),
      filename: this.filename,
      pollMs: changePollMs,
      paused: () => this.closed || this.exclusive !== undefined,
    });
    this.commits = new GroupCommit(() => (this.opening ??= this.open()), () => this.exclusive);
    // SQLite operations are synchronous: each runs whole on the connection, with the others of its turn.
    const run = <T>(operation: (db: SqliteDatabase) => T | Promise<T>, name: keyof StorageOperations) => this.run(operation, !READS.has(name)) as Promise<T>;
    Object.assign(this, bindOperations(OPERATIONS, run));
    // Readers in this process hear of publications made on this connection at once (data_version does not change for them).
    const publish = this.publish;
    this.publish = async (lease, ...rest) => {
      const outcome = await publish(lease, ...rest);
      this.localPublications.tell(lease.workflowId);
      return outcome;
    };
  }

  /** The knex instance on this database (opened on first use), for the application's own queries. */
  get knex(): Knex {
    if (!this.knexInstance) throw new ValidationError('the SQLite adapter is not open yet: call runtime.start() or migrate() first');
    return this.knexInstance;
  }

  /**
   * Runs a synchronous operation on the connection with the others asked for in the same turn (group
   * commit), never inside another caller's open transactional step.
   */
  private async run<T>(op: (database: SqliteDatabase) => T, write = true): Promise<T> {
    if (this.closed) throw new ValidationError(`the SQLite adapter for ${this.filename} is closed`);
    return this.commits.run(op, write);
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

  /** Wakes idle workers when another process (or another adapter on the file) commits: see {@link ChangeFeed}. */
  async subscribe(onDue: (dueAt: number) => void): Promise<() => Promise<void>> {
    const stop = await this.changes.listen(() => onDue(0));
    if (this.closed) stop();
    return async () => stop();
  }

  /** Another connection's commit may be a publication of the workflow; this connection's publications are told at once. */
  async watchPublications(workflowId: string, onChange: () => void): Promise<() => Promise<void>> {
    const stopLocal = this.localPublications.add(workflowId, onChange);
    const stop = await this.changes.listen(onChange);
    return async () => {
      stop();
      stopLocal();
    };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.changes.stop();
    if (this.opening) {
      await this.opening.catch(() => {});
      await this.knexInstance?.destroy();
    }
  }

  /** Holds the connection exclusively while the step's transaction is open (other work waits its turn). */
  async runTransactionStep(lease: Lease, step: TransactionStep, body: (trx: unknown) => Promise<string>, now: number): Promise<string> {
    if (this.closed) throw new ValidationError(`the SQLite adapter for ${this.filename} is closed`);
    const database = await (this.opening ??= this.open());
    // One open transaction at a time: wait for another step's, then take the connection (no await between the
    // two). A group commit waits for the gate before it begins, and runs whole without yielding, so none is
    // under way while this code runs.
    for (let gate = this.exclusive; gate; gate = this.exclusive) await gate;
    let release!: () => void;
    this.exclusive = new Promise<void>((resolve) => (release = resolve));
    try {
      return await runTransactionStep(database, this.knex, lease, step, body, now);
    } finally {
      this.exclusive = undefined;
      release();
    }
  }
}
