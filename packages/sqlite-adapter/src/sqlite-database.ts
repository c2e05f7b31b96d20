import type BetterSqlite3 from 'better-sqlite3';
import { LeaseLostError, StorageUnavailableError, type Lease } from '@steadfast/core/adapter';

/**
 * The adapter's connection: statements are prepared once per SQL text and reused, `{p}` in SQL is the
 * validated table prefix, and writes run in IMMEDIATE transactions so concurrent processes queue on the
 * write lock (with the busy timeout) instead of failing mid-transaction.
 */
export class SqliteDatabase {
  private readonly statements = new Map<string, BetterSqlite3.Statement>();
  /** One transaction function, made once: better-sqlite3 builds a new one per `transaction()` call. */
  private readonly transaction: BetterSqlite3.Transaction<(fn: () => unknown) => unknown>;

  constructor(
    readonly db: BetterSqlite3.Database,
    readonly prefix: string,
  ) {
    this.transaction = db.transaction((fn: () => unknown) => fn());
  }

  /** The prepared statement for `sql`, with `{p}` replaced by the table prefix. */
  sql(sql: string): BetterSqlite3.Statement {
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql.replaceAll('{p}', this.prefix));
      this.statements.set(sql, statement);
    }
    return statement;
  }

  /**
   * Runs `fn` in a BEGIN IMMEDIATE transaction; inside one already (the batch of a group commit), as part of
   * it. An operation refuses (a lost lease) before it writes anything, so it needs no savepoint of its own;
   * one that fails after it wrote makes the group commit roll the batch back (see GroupCommit).
   */
  write<T>(fn: () => T): T {
    if (this.db.inTransaction) return fn();
    try {
      return this.transaction.immediate(fn) as T;
    } catch (error) {
      throw asUnavailable(error);
    }
  }

  /** Appends to the event log. `data` must already be JSON text. */
  event(workflowId: string, type: string, seq: number | null, data: string | null, at: number): void {
    this.sql('INSERT INTO {p}events (workflow_id, type, seq, data, at) VALUES (?, ?, ?, ?, ?)').run(workflowId, type, seq, data, at);
  }

  /**
   * Runs an UPDATE whose WHERE clause ends with the lease fence (`id = ? AND lease_owner = ? AND
   * lease_epoch = ? AND status = 'running'`), binding the lease last; throws LeaseLostError if no row matched.
   */
  fenced(sql: string, lease: Lease, ...params: unknown[]): void {
    const result = this.sql(sql).run(...params, lease.workflowId, lease.owner, lease.epoch);
    if (result.changes !== 1) throw new LeaseLostError(lease.workflowId, lease.epoch);
  }

  /**
   * Makes a parked workflow due at `now` (unless it is due sooner already): what a finishing child or an
   * arriving signal does. SQLite runs one writer at a time, so this cannot race the park itself.
   */
  wake(workflowId: string | null, now: number): void {
    if (workflowId === null) return;
    this.sql("UPDATE {p}workflows SET next_at = ? WHERE id = ? AND status = 'sleeping' AND (next_at IS NULL OR next_at > ?)").run(now, workflowId, now);
  }

  /** Wakes the parent of `childId`, if it has one. */
  wakeParent(childId: string, now: number): void {
    const row = this.sql('SELECT parent_id FROM {p}workflows WHERE id = ?').get(childId) as { parent_id: string | null } | undefined;
    this.wake(row?.parent_id ?? null, now);
  }

  /** Runs an UPDATE ending with the lease fence and a `RETURNING` clause (see `fenced`); returns the row. */
  fencedRow<T>(sql: string, lease: Lease, ...params: unknown[]): T {
    const row = this.sql(sql).get(...params, lease.workflowId, lease.owner, lease.epoch) as T | undefined;
    if (!row) throw new LeaseLostError(lease.workflowId, lease.epoch);
    return row;
  }

  /**
   * Runs an UPDATE ending with the lease fence and `RETURNING parent_id` (see `fenced`); returns the parent
   * id, so a finishing workflow wakes its parent without reading it again.
   */
  fencedReturningParent(sql: string, lease: Lease, ...params: unknown[]): string | null {
    return this.fencedRow<{ parent_id: string | null }>(sql, lease, ...params).parent_id;
  }

  /** Asserts the lease is held, touching `updated_at`. */
  fence(lease: Lease, now: number): void {
    this.fenced(`UPDATE {p}workflows SET updated_at = ? WHERE ${FENCE}`, lease, now);
  }
}

/** The WHERE clause of every write made for a running workflow. */
export const FENCE = "id = ? AND lease_owner = ? AND lease_epoch = ? AND status = 'running'";

/**
 * Passing conditions of the database, not bugs and not a task's fault: another process holding the write
 * lock past the busy timeout, a full disk, an I/O error. The runtime waits them out (a task is not run again
 * for them, no attempt is used) and carries on once they pass.
 */
export function asUnavailable(error: unknown): unknown {
  const code = (error as { code?: unknown })?.code;
  if (code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED' || code === 'SQLITE_BUSY_SNAPSHOT') {
    return new StorageUnavailableError(`SQLite database is locked by another process past the busy timeout: ${(error as Error).message}`, { cause: error });
  }
  if (code === 'SQLITE_FULL' || (typeof code === 'string' && code.startsWith('SQLITE_IOERR'))) {
    return new StorageUnavailableError(`SQLite cannot write its file (${code}): ${(error as Error).message}; waiting for the disk`, { cause: error });
  }
  return error;
}
