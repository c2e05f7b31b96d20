import type { Lease, NewStep, RetryState } from '@steadfast/core/adapter';
import type { SqliteDatabase } from '../sqlite-database.js';

/** Checkpoints a step under the lease, with its event: one transaction. */
export function recordStep(database: SqliteDatabase, lease: Lease, step: NewStep, now: number): void {
  database.write(() => {
    database.fence(lease, now);
    writeStep(database, lease.workflowId, step, now);
  });
}

/**
 * The step row and its event, inside a write whose fence has passed. Under a held lease an existing row at
 * this position can only be this lease's own earlier write (a retry after a lost response): not an error.
 */
export function writeStep(database: SqliteDatabase, workflowId: string, step: NewStep, now: number): void {
  const inserted = database
    .sql(
      `INSERT INTO {p}steps (workflow_id, seq, name, kind, output, error, attempts, fingerprint, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (workflow_id, seq) DO NOTHING`,
    )
    .run(workflowId, step.seq, step.name, step.kind, step.output, step.error, step.attempts, step.fingerprint, now);
  if (inserted.changes === 0) return;
  const type = step.error === null ? 'step_completed' : 'step_failed';
  database.event(workflowId, type, step.seq, JSON.stringify({ name: step.name, kind: step.kind, attempts: step.attempts }), now);
}

/** Records a failed attempt and when the next is due, so a restart neither resets the count nor loses the wait. */
export function recordRetry(database: SqliteDatabase, lease: Lease, retry: RetryState & { seq: number; error: string }, now: number): void {
  database.write(() => {
    database.fence(lease, now);
    // The serialized error is JSON already: embed it as is rather than parse and re-encode it.
    const data = `{"attempt":${retry.attempt},"retryAt":${retry.retryAt},"error":${retry.error}}`;
    database.event(lease.workflowId, 'retry_scheduled', retry.seq, data, now);
  });
}
