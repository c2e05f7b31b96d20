import type { WorkflowRecord } from '@steadfast/core';
import type { PostgresDatabase, WorkflowRow } from '../postgres-database.js';
import { getWorkflow, toRecord } from './read-workflows.js';

/** Cancels an unfinished workflow; the epoch moves on so a running execution's next write is refused. */
export async function cancelWorkflow(database: PostgresDatabase, id: string, now: number): Promise<WorkflowRecord | undefined> {
  const [row] = await database.rows<WorkflowRow>(
    `WITH c AS (
       UPDATE {wf} SET status = 'cancelled', next_at = NULL, lease_owner = NULL, lease_epoch = lease_epoch + 1,
              finished_at = ?, updated_at = ?
        WHERE id = ? AND status IN ('pending', 'running', 'sleeping') RETURNING *
     ), ev AS (
       INSERT INTO {events} (workflow_id, type, seq, data, at) SELECT id, 'cancelled', NULL, NULL, ? FROM c
     )
     SELECT * FROM c`,
    [now, now, id, now],
  );
  return row ? toRecord(row) : getWorkflow(database, id);
}

/** Makes a failed workflow pending again, discarding only the checkpoint of the step that failed it. */
export async function retryWorkflow(database: PostgresDatabase, id: string, now: number): Promise<WorkflowRecord | undefined> {
  return database.transaction(async (trx) => {
    const [before] = await database.rows<WorkflowRow>('SELECT * FROM {wf} WHERE id = ? FOR UPDATE', [id], trx);
    if (!before || before.status !== 'failed') return before && toRecord(before);
    const [failed] = await database.rows<{ seq: number | null }>(
      "SELECT seq FROM {events} WHERE workflow_id = ? AND type = 'failed' ORDER BY id DESC LIMIT 1",
      [id],
      trx,
    );
    const discarded = failed?.seq ?? null;
    if (discarded !== null) await database.rows('DELETE FROM {steps} WHERE workflow_id = ? AND seq = ?', [id, discarded], trx);
    const [after] = await database.rows<WorkflowRow>(
      `UPDATE {wf} SET status = 'pending', next_at = ?, error = NULL, finished_at = NULL, recovery_attempts = 0, updated_at = ?
        WHERE id = ? RETURNING *`,
      [now, now, id],
      trx,
    );
    await database.rows(
      "INSERT INTO {events} (workflow_id, type, seq, data, at) VALUES (?, 'retried', ?::int, ?, ?)",
      [id, discarded, JSON.stringify({ discardedStep: discarded }), now],
      trx,
    );
    await database.rows('SELECT pg_notify(?, ?)', [database.channel, String(now)], trx);
    return toRecord(after!);
  });
}
