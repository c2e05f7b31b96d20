import { LeaseLostError } from '@steadfast/core/adapter';
import type { SqliteDatabase } from './sqlite-database.js';

interface Entry {
  op: (database: SqliteDatabase) => unknown;
  write: boolean;
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

/**
 * Group commit on the one connection: the operations asked for in the same event-loop turn run together in
 * one IMMEDIATE transaction, and share one commit and, with `synchronous=FULL`, one fsync. An operation
 * refused by its fence (a lost lease) has written nothing, so the others go on; one that fails otherwise
 * may have written part of its work, so the batch is rolled back and its operations run again one by one.
 * Nobody hears back before the commit: a caller whose write was committed learns it only once it is durable.
 * A batch of reads runs without a transaction; a batch of one write runs as that write's own transaction.
 */
export class GroupCommit {
  private queue: Entry[] = [];
  private scheduled = false;

  constructor(
    /** The open database (opened on first use). */
    private readonly database: () => Promise<SqliteDatabase>,
    /** Held while another user of the connection (a transactional step) has a transaction open. */
    private readonly gate: () => Promise<void> | undefined,
  ) {}

  run<T>(op: (database: SqliteDatabase) => T, write: boolean): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ op, write, resolve: resolve as (value: unknown) => void, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => void this.flush());
      }
    });
  }

  private async flush(): Promise<void> {
    let database: SqliteDatabase;
    try {
      database = await this.database();
      for (let gate = this.gate(); gate; gate = this.gate()) await gate;
    } catch (error) {
      this.scheduled = false;
      for (const entry of this.queue.splice(0)) entry.reject(error);
      return;
    }
    this.scheduled = false;
    const batch = this.queue.splice(0);
    if (batch.length === 0) return;
    if (batch.length === 1 || !batch.some((entry) => entry.write)) {
      for (const entry of batch) settle(entry, () => entry.op(database));
      return;
    }
    const results: Array<{ value: unknown } | { error: unknown }> = [];
    try {
      database.write(() => {
        for (const entry of batch) {
          try {
            results.push({ value: entry.op(database) });
          } catch (error) {
            if (!(error instanceof LeaseLostError)) throw batchAborted;
            results.push({ error });
          }
        }
      });
    } catch (error) {
      if (error === batchAborted) {
        for (const entry of batch) settle(entry, () => (entry.write ? database.write(() => entry.op(database)) : entry.op(database)));
        return;
      }
      // The transaction itself failed (its BEGIN or COMMIT: the disk is full, the file is locked past the
      // busy timeout): nothing of it is stored, and what was read inside it may not be true.
      for (const entry of batch) entry.reject(error);
      return;
    }
    batch.forEach((entry, i) => {
      const result = results[i]!;
      if ('error' in result) entry.reject(result.error);
      else entry.resolve(result.value);
    });
  }
}

/** Thrown out of a batch's transaction when an operation failed after it may have written: roll back, run singly. */
const batchAborted = new Error('an operation of the batch failed after it may have written');

function settle(entry: Entry, op: () => unknown): void {
  try {
    entry.resolve(op());
  } catch (error) {
    entry.reject(error);
  }
}
