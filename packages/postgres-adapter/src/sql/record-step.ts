import { LeaseLostError, type Lease, type NewStep, type RetryState } from '@steadfast/core/adapter';
import { FENCE, type PostgresDatabase } from '../postgres-database.js';

/**
 * Checkpoints a step: the fence, the step row and its event in one statement, so a step costs one round
 * trip. Under a held lease an existing row at this position is this lease's own earlier write (repeated
 * after a lost response), so it is not an error and writes no second event.
 */
export const RECORD_STEP = `
  WITH fence AS (
    UPDATE {wf} SET updated_at = ? WHERE ${FENCE} RETURNING id
  ), step AS (
    INSERT INTO {steps} (workflow_id, seq, name, kind, output, error, attempts, fingerprint, created_at)
    SELECT id, ?, ?, ?, ?, ?, ?, ?, ? FROM fence
    ON CONFLICT (workflow_id, seq) DO NOTHING
    RETURNING workflow_id
  ), ev AS (
    INSERT INTO {events} (workflow_id, type, seq, data, at) SELECT workflow_id, ?, ?, ?, ? FROM step
  )
  SELECT count(*)::int AS fenced FROM fence`;

export async function recordStep(database: PostgresDatabase, lease: Lease, step: NewStep, now: number): Promise<void> {
  const type = step.error === null ? 'step_completed' : 'step_failed';
  const data = JSON.stringify({ name: step.name, kind: step.kind, attempts: step.attempts });
  const [row] = await database.rows<{ fenced: number }>(RECORD_STEP, [
    now, lease.workflowId, lease.owner, lease.epoch,
    step.seq, step.name, step.kind, step.output, step.error, step.attempts, step.fingerprint, now,
    type, step.seq, data, now,
  ]);
  if (row?.fenced !== 1) throw new LeaseLostError(lease.workflowId, lease.epoch);
}

const RECORD_RETRY = `
  WITH fence AS (
    UPDATE {wf} SET updated_at = ? WHERE ${FENCE} RETURNING id
  ), ev AS (
    INSERT INTO {events} (workflow_id, type, seq, data, at) SELECT id, 'retry_scheduled', ?, ?, ? FROM fence
  )
  SELECT count(*)::int AS fenced FROM fence`;

/** Records a failed attempt and when the next is due (fenced), so a restart keeps both. */
export async function recordRetry(
  database: PostgresDatabase,
  lease: Lease,
  retry: RetryState & { seq: number; error: string },
  now: number,
): Promise<void> {
  // The serialized error is JSON already: embed it as is rather than parse and re-encode it.
  const data = `{"attempt":${retry.attempt},"retryAt":${retry.retryAt},"error":${retry.error}}`;
  const [row] = await database.rows<{ fenced: number }>(RECORD_RETRY, [now, lease.workflowId, lease.owner, lease.epoch, retry.seq, data, now]);
  if (row?.fenced !== 1) throw new LeaseLostError(lease.workflowId, lease.epoch);
}
