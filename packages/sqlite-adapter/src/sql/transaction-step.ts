import type { Knex } from 'knex';
import type { Lease, TransactionStep } from '@steadfast/core/adapter';
import { asUnavailable, type SqliteDatabase } from '../sqlite-database.js';

/**
 * Runs a transactional step's body and its checkpoint in one IMMEDIATE transaction on the adapter's single
 * connection. The body gets the adapter's knex instance: with one connection, held exclusively by the
 * caller for the duration, every query it makes runs inside this transaction.
 */
export async function runTransactionStep(
  database: SqliteDatabase,
  knex: Knex,
  lease: Lease,
  step: TransactionStep,
  body: (trx: unknown) => Promise<string>,
  now: number,
): Promise<string> {
  const { db } = database;
  try {
    db.exec('BEGIN IMMEDIATE');
  } catch (error) {
    throw asUnavailable(error);
  }
  try {
    // Fenced before anything else: a stale lease neither runs the body nor reads a checkpoint back as its own.
    database.fence(lease, now);
    const existing = database.sql('SELECT output FROM {p}steps WHERE workflow_id = ? AND seq = ?').get(lease.workflowId, step.seq) as
      | { output: string }
      | undefined;
    if (existing) {
      db.exec('ROLLBACK');
      return existing.output;
    }
    const output = await body(knex);
    database.fence(lease, now);
    database
      .sql("INSERT INTO {p}steps (workflow_id, seq, name, kind, output, error, attempts, fingerprint, created_at) VALUES (?, ?, ?, 'task', ?, NULL, ?, ?, ?)")
      .run(lease.workflowId, step.seq, step.name, output, step.attempts, step.fingerprint, now);
    database.event(lease.workflowId, 'step_completed', step.seq, JSON.stringify({ name: step.name, kind: 'task', attempts: step.attempts, transactional: true }), now);
    db.exec('COMMIT');
    return output;
  } catch (error) {
    if (db.inTransaction) db.exec('ROLLBACK');
    throw asUnavailable(error);
  }
}
