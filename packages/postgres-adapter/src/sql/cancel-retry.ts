import type { WorkflowRecord } from '@steadfast/core/adapter';
import type { PostgresDatabase } from '../postgres-database.js';
import type { WorkflowRow } from '@steadfast/core/adapter';
import { getWorkflow, toRecord } from './read-workflows.js';
import { enterKeys, keyOf } from './queue-keys.js';

const ALL_STATUSES = ['pending', 'running', 'sleeping', 'completed', 'failed', 'cancelled'];

/**
 * Cancels an unfinished workflow and its unfinished descendants; epochs move on so running executions' next
 * writes are refused. The root keeps `reason` as its error, and its parent is woken. A finished root's
 * unfinished descendants are cancelled too.
 */
export async function cancelWorkflow(database: PostgresDatabase, id: string, now: number, reason?: string): Promise<WorkflowRecord | undefined> {
  await cancelTrees(database, [id], ALL_STATUSES, now, reason ?? null);
  return getWorkflow(database, id);
}

/**
 * Cancels the trees under the roots of `ids` in `statuses`: every unfinished workflow in them (epochs move on),
 * a `cancelled` event each (`by` the root for a descendant), and the parents of the cancelled roots woken
 * (unless cancelled here too: a row is changed once per statement). A root below another root is its own root.
 * Returns the ids of the roots that were cancelled.
 *
 * The trees are cancelled again, in statements of their own, until none is left: a child created under a
 * parent's lease (see `createChild`) either failed its fence, or committed before the parent was locked by
 * the first statement, and then that statement's snapshot did not see it, but a later one does.
 */
export async function cancelTrees(database: PostgresDatabase, ids: readonly string[], statuses: readonly string[], now: number, reason: string | null): Promise<string[]> {
  return database.transaction(async (client) => {
    const rows = await database.rows<{ id: string; root: string }>(
      `WITH RECURSIVE tree AS (
         SELECT id, id AS root FROM {wf} WHERE id = ANY(:ids::text[]) AND status = ANY(:statuses::text[])
         UNION SELECT w.id, t.root FROM {wf} w JOIN tree t ON w.parent_id = t.id WHERE w.id <> ALL(:ids::text[])
       ), c AS (
         UPDATE {wf} w SET status = 'cancelled', error = CASE WHEN w.id = tree.root THEN :reason::text END, next_at = NULL, lease_owner = NULL,
                lease_epoch = w.lease_epoch + 1, finished_at = :now, updated_at = :now
           FROM tree WHERE w.id = tree.id AND w.status IN ('pending', 'running', 'sleeping')
         RETURNING w.id, w.parent_id, tree.root
       ), ev AS (
         INSERT INTO {events} (workflow_id, type, seq, data, at)
         SELECT id, 'cancelled', NULL, CASE WHEN id = root THEN NULL ELSE json_build_object('by', root)::text END, :now FROM c
       ), p AS (
         UPDATE {wf} x SET next_at = CASE WHEN x.status = 'sleeping' AND (x.next_at IS NULL OR x.next_at > :now::bigint) THEN :now::bigint ELSE x.next_at END
           FROM c WHERE c.id = c.root AND x.id = c.parent_id AND x.id NOT IN (SELECT id FROM c) RETURNING x.status
       ), notified AS (
         SELECT count(pg_notify(:channel, :nowText)) AS woke FROM p WHERE p.status = 'sleeping'
       )
       SELECT c.id, c.root FROM c, notified`,
      { ids, statuses, now, reason, channel: database.channel, nowText: String(now) },
      client,
    );
    const roots = [...new Set(rows.map((row) => row.root))];
    for (let round = 0; roots.length > 0 && round < 1_000; round++) {
      const [again] = await database.rows<{ cancelled: number }>(
        `WITH RECURSIVE tree AS (
           SELECT id, parent_id AS root FROM {wf} WHERE parent_id = ANY(:roots::text[])
           UNION SELECT w.id, t.root FROM {wf} w JOIN tree t ON w.parent_id = t.id
         ), c AS (
           UPDATE {wf} w SET status = 'cancelled', error = NULL, next_at = NULL, lease_owner = NULL, lease_epoch = w.lease_epoch + 1,
                  finished_at = :now, updated_at = :now
             FROM tree WHERE w.id = tree.id AND w.status IN ('pending', 'running', 'sleeping')
           RETURNING w.id, tree.root
         ), ev AS (
           INSERT INTO {events} (workflow_id, type, seq, data, at) SELECT id, 'cancelled', NULL, json_build_object('by', root)::text, :now FROM c
         )
         SELECT count(*)::int AS cancelled FROM c`,
        { roots, now },
        client,
      );
      if (!again || again.cancelled === 0) break;
    }
    return rows.filter((row) => row.id === row.root).map((row) => row.id);
  });
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
      `WITH ins AS (
         UPDATE {wf} w SET status = 'pending', next_at = ?, error = NULL, finished_at = NULL, recovery_attempts = 0, updated_at = ?,
                concurrency_key = ${keyOf('w.concurrency_key', 'w.queue')}
          WHERE id = ? RETURNING *
       ), ${enterKeys('ins')}
       SELECT * FROM ins`,
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
