import type { WorkflowRecord } from '@steadfast/core/adapter';
import type { PostgresDatabase } from '../postgres-database.js';
import type { WorkflowRow } from '@steadfast/core/adapter';
import { getWorkflow, toRecord } from './read-workflows.js';

/**
 * Cancels an unfinished workflow and its unfinished descendants; epochs move on so running executions' next
 * writes are refused. The root keeps `reason` as its error, and its parent is woken. The root is cancelled
 * first, then its descendants in statements of their own, again until none is left: a child created under
 * a parent's lease (see `createChild`) either failed its fence, or committed before the parent was locked
 * here, and then a later statement (a new snapshot) sees it.
 */
export async function cancelWorkflow(database: PostgresDatabase, id: string, now: number, reason?: string): Promise<WorkflowRecord | undefined> {
  await database.transaction(async (trx) => {
    const [root] = await database.rows<{ cancelled: number }>(
      `WITH c AS (
         UPDATE {wf} w SET status = 'cancelled', error = ?::text, next_at = NULL, lease_owner = NULL, lease_epoch = w.lease_epoch + 1,
                finished_at = ?, updated_at = ?
          WHERE w.id = ? AND w.status IN ('pending', 'running', 'sleeping')
         RETURNING w.id, w.parent_id
       ), ev AS (
         INSERT INTO {events} (workflow_id, type, seq, data, at) SELECT id, 'cancelled', NULL, NULL, ? FROM c
       ), p AS (
         UPDATE {wf} x SET next_at = CASE WHEN x.status = 'sleeping' AND (x.next_at IS NULL OR x.next_at > ?::bigint) THEN ?::bigint ELSE x.next_at END
           FROM c WHERE x.id = c.parent_id RETURNING x.status
       )
       SELECT (SELECT count(*)::int FROM c) AS cancelled, (SELECT count(pg_notify(?, ?)) FROM p WHERE p.status = 'sleeping') AS woke`,
      [reason ?? null, now, now, id, now, now, now, database.channel, String(now)],
      trx,
    );
    if (root?.cancelled !== 1) return;
    for (let round = 0; round < 1_000; round++) {
      const [row] = await database.rows<{ cancelled: number }>(
        `WITH RECURSIVE tree AS (
           SELECT id FROM {wf} WHERE parent_id = ?
           UNION SELECT w.id FROM {wf} w JOIN tree t ON w.parent_id = t.id
         ), c AS (
           UPDATE {wf} w SET status = 'cancelled', error = NULL, next_at = NULL, lease_owner = NULL, lease_epoch = w.lease_epoch + 1,
                  finished_at = ?, updated_at = ?
             FROM tree WHERE w.id = tree.id AND w.status IN ('pending', 'running', 'sleeping')
           RETURNING w.id
         ), ev AS (
           INSERT INTO {events} (workflow_id, type, seq, data, at) SELECT id, 'cancelled', NULL, json_build_object('by', ?::text)::text, ? FROM c
         )
         SELECT count(*)::int AS cancelled FROM c`,
        [id, now, now, id, now],
        trx,
      );
      if (!row || row.cancelled === 0) return;
    }
  });
  return getWorkflow(database, id);
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
