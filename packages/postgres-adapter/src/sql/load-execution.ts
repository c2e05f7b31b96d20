import { toStepRecord, WorkflowNotFoundError, type ExecutionState, type Lease, type RetryState, type StepRow } from '@steadfast/core/adapter';
import type { PostgresDatabase } from '../postgres-database.js';


/** Arguments, checkpoints, and failed attempts since the last manual retry, in one round trip. */
export async function loadExecution(database: PostgresDatabase, lease: Lease): Promise<ExecutionState> {
  const [row] = await database.rows<{ args: string | null; deadline_at: string | null; steps: StepRow[]; retries: Array<{ seq: number; data: string }> }>(
    `SELECT (SELECT args FROM {wf} WHERE id = ?) AS args,
            (SELECT deadline_at FROM {wf} WHERE id = ?) AS deadline_at,
            (SELECT coalesce(json_agg(s ORDER BY s.seq), '[]'::json) FROM {steps} s WHERE s.workflow_id = ?) AS steps,
            (SELECT coalesce(json_agg(json_build_object('seq', e.seq, 'data', e.data) ORDER BY e.id), '[]'::json)
               FROM {events} e
              WHERE e.workflow_id = ? AND e.type = 'retry_scheduled'
                AND e.id > coalesce((SELECT max(id) FROM {events} WHERE workflow_id = ? AND type = 'retried'), 0)) AS retries`,
    [lease.workflowId, lease.workflowId, lease.workflowId, lease.workflowId, lease.workflowId],
  );
  if (!row || row.args === null) throw new WorkflowNotFoundError(lease.workflowId);
  return {
    args: row.args,
    deadlineAt: row.deadline_at === null ? null : Number(row.deadline_at),
    steps: row.steps.map(toStepRecord),
    retries: retriesFrom(row.retries),
  };
}

/** Failed attempts per position from `retry_scheduled` events, oldest first (the latest counts). */
export function retriesFrom(events: ReadonlyArray<{ seq: number; data: string }>): Map<number, RetryState> {
  const retries = new Map<number, RetryState>();
  for (const event of events) {
    const { attempt, retryAt } = JSON.parse(event.data) as RetryState;
    retries.set(event.seq, { attempt, retryAt });
  }
  return retries;
}
