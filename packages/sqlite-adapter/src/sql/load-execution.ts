import { toStepRecord, WorkflowNotFoundError, type ExecutionState, type Lease, type RetryState, type StepRow } from '@steadfast/core/adapter';
import type { SqliteDatabase } from '../sqlite-database.js';


/** Arguments, checkpoints, and the failed attempts recorded since the last manual retry. */
export function loadExecution(database: SqliteDatabase, lease: Lease): ExecutionState {
  const id = lease.workflowId;
  const row = database.sql('SELECT args, deadline_at FROM {p}workflows WHERE id = ?').get(id) as { args: string; deadline_at: number | null } | undefined;
  if (!row) throw new WorkflowNotFoundError(id);
  return { args: row.args, deadlineAt: row.deadline_at, ...checkpoints(database, id) };
}

/** The checkpoints of a workflow and its failed attempts since the last manual retry. */
export function checkpoints(database: SqliteDatabase, id: string): Pick<ExecutionState, 'steps' | 'retries'> {
  const steps = (database.sql('SELECT * FROM {p}steps WHERE workflow_id = ? ORDER BY seq').all(id) as StepRow[]).map(toStepRecord);
  const retryRows = database
    .sql(
      `SELECT seq, data FROM {p}events WHERE workflow_id = ? AND type = 'retry_scheduled'
         AND id > COALESCE((SELECT MAX(id) FROM {p}events WHERE workflow_id = ? AND type = 'retried'), 0) ORDER BY id`,
    )
    .all(id, id) as { seq: number; data: string }[];
  const retries = new Map<number, RetryState>();
  for (const r of retryRows) {
    const { attempt, retryAt } = JSON.parse(r.data) as RetryState;
    retries.set(r.seq, { attempt, retryAt });
  }
  return { steps, retries };
}
