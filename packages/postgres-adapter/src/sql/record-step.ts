import { LeaseLostError, type Lease, type NewStep, type RetryState } from '@steadfast/core/adapter';
import { FENCE, type PostgresDatabase } from '../postgres-database.js';

/**
 * Many checkpoints (of different workflows) in one statement: each row fenced on its own, locked in id order so
 * that two batches, or a batch and a heartbeat, never wait on each other in a circle. Returns the ids fenced.
 * The fence is a row lock, not an update: it waits for (and then re-reads) a claim, cancel or heartbeat that
 * changes the row meanwhile, as an UPDATE would, without writing a new row version per checkpoint.
 */
const RECORD_STEPS = `
  WITH input AS (
    SELECT * FROM json_to_recordset(:writes::json)
      AS i(workflow_id text, owner text, epoch bigint, seq int, name text, kind text, output text, error text, attempts int, fingerprint text, at bigint)
  ), fence AS (
    SELECT w.id FROM {wf} w JOIN input i ON w.id = i.workflow_id
     WHERE w.id = ANY(:ids::text[]) AND w.lease_owner = i.owner AND w.lease_epoch = i.epoch AND w.status = 'running'
     ORDER BY w.id FOR NO KEY UPDATE OF w
  ), step AS (
    INSERT INTO {steps} (workflow_id, seq, name, kind, output, error, attempts, fingerprint, created_at)
    SELECT i.workflow_id, i.seq, i.name, i.kind, i.output, i.error, i.attempts, i.fingerprint, i.at FROM input i JOIN fence f ON f.id = i.workflow_id
    ON CONFLICT (workflow_id, seq) DO NOTHING
    RETURNING workflow_id, seq
  ), ev AS (
    INSERT INTO {events} (workflow_id, type, seq, data, at)
    SELECT s.workflow_id, CASE WHEN i.error IS NULL THEN 'step_completed' ELSE 'step_failed' END, s.seq,
           json_build_object('name', i.name, 'kind', i.kind, 'attempts', i.attempts)::text, i.at
      FROM step s JOIN input i ON i.workflow_id = s.workflow_id AND i.seq = s.seq
  )
  SELECT id FROM fence`;

/**
 * One checkpoint alone (a batch of one, as every checkpoint of a lone execution is, and a transactional
 * step's, inside its transaction): the same fence (a row lock), step row and event as the batch, with plain
 * parameters, so PostgreSQL neither parses a JSON document nor joins through it. Under a held lease an
 * existing row at this position is this lease's own earlier write (repeated after a lost response), so it is
 * not an error and writes no second event. `:data` is the event's data. Returns the row if the fence held.
 */
export const RECORD_ONE_STEP = `
  WITH fence AS (
    SELECT id FROM {wf}
     WHERE id = :workflow_id AND lease_owner = :owner AND lease_epoch = :epoch AND status = 'running'
     FOR NO KEY UPDATE
  ), step AS (
    INSERT INTO {steps} (workflow_id, seq, name, kind, output, error, attempts, fingerprint, created_at)
    SELECT id, :seq, :name, :kind, :output, :error, :attempts, :fingerprint, :at FROM fence
    ON CONFLICT (workflow_id, seq) DO NOTHING
    RETURNING workflow_id, seq
  ), ev AS (
    INSERT INTO {events} (workflow_id, type, seq, data, at)
    SELECT workflow_id, CASE WHEN :error::text IS NULL THEN 'step_completed' ELSE 'step_failed' END, seq, :data, :at
      FROM step
  )
  SELECT id FROM fence`;

interface StepWrite {
  lease: Lease;
  step: NewStep;
  now: number;
}

async function recordSteps(database: PostgresDatabase, writes: StepWrite[]): Promise<Array<void | Error>> {
  if (writes.length === 1) {
    const { lease, step, now } = writes[0]!;
    const data = JSON.stringify({ name: step.name, kind: step.kind, attempts: step.attempts });
    const rows = await database.rows<{ id: string }>(RECORD_ONE_STEP, { ...stepRow(lease, step, now), data });
    return [rows.length === 1 ? undefined : new LeaseLostError(lease.workflowId, lease.epoch)];
  }
  // One JSON text for all rows: JSON.stringify is native, where pg would build and escape an array literal
  // per column in JavaScript.
  const rows = await database.rows<{ id: string }>(RECORD_STEPS, {
    ids: writes.map((w) => w.lease.workflowId),
    writes: JSON.stringify(writes.map(({ lease, step, now }) => stepRow(lease, step, now))),
  });
  const fenced = new Set(rows.map((row) => row.id));
  return writes.map((w) => (fenced.has(w.lease.workflowId) ? undefined : new LeaseLostError(w.lease.workflowId, w.lease.epoch)));
}

/** A checkpoint's bindings, as the batch's JSON rows and the lone statement's parameters name them. */
export function stepRow(lease: Lease, step: NewStep, now: number) {
  return {
    workflow_id: lease.workflowId, owner: lease.owner, epoch: lease.epoch, seq: step.seq, name: step.name, kind: step.kind,
    output: step.output, error: step.error, attempts: step.attempts, fingerprint: step.fingerprint, at: now,
  };
}

/**
 * Checkpoints a step: the fence, the step row and its event in one statement, so a step costs at most one
 * round trip, and checkpoints of concurrent executions share one (group commit). Under a held lease an
 * existing row at this position is this lease's own earlier write (repeated after a lost response), so it is
 * not an error and writes no second event.
 */
export function recordStep(database: PostgresDatabase, lease: Lease, step: NewStep, now: number): Promise<void> {
  return database.batcher<StepWrite, void>('recordStep', (writes) => recordSteps(database, writes)).submit({ lease, step, now });
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
