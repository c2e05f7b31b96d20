import type { WorkflowRecord } from '@steadfast/core/adapter';
import type { SqliteDatabase } from '../sqlite-database.js';
import { enterKey, keyFor } from './queue-keys.js';
import { getWorkflow } from './read-workflows.js';

/**
 * Cancels an unfinished workflow and its unfinished descendants; the epoch moves on so a running
 * execution's next write is refused. The root keeps `reason` as its error; its parent is woken.
 */
export function cancelWorkflow(database: SqliteDatabase, id: string, now: number, reason?: string): WorkflowRecord | undefined {
  return database.write(() => {
    const tree = database
      .sql(
        `WITH RECURSIVE tree(id) AS (SELECT ? UNION SELECT w.id FROM {p}workflows w JOIN tree t ON w.parent_id = t.id)
         SELECT w.id FROM {p}workflows w JOIN tree t ON w.id = t.id WHERE w.status IN ('pending', 'running', 'sleeping')`,
      )
      .all(id) as { id: string }[];
    for (const { id: target } of tree) {
      database
        .sql(
          `UPDATE {p}workflows SET status = 'cancelled', error = ?, next_at = NULL, lease_owner = NULL, lease_epoch = lease_epoch + 1,
             finished_at = ?, updated_at = ? WHERE id = ?`,
        )
        .run(target === id ? (reason ?? null) : null, now, now, target);
      database.event(target, 'cancelled', null, target === id ? null : JSON.stringify({ by: id }), now);
    }
    if (tree.some((row) => row.id === id)) database.wakeParent(id, now);
    return getWorkflow(database, id);
  });
}

/** Makes a failed workflow pending again, discarding only the checkpoint of the step that failed it. */
export function retryWorkflow(database: SqliteDatabase, id: string, now: number): WorkflowRecord | undefined {
  return database.write(() => {
    const before = getWorkflow(database, id);
    if (!before || before.status !== 'failed') return before;
    const failed = database
      .sql("SELECT seq FROM {p}events WHERE workflow_id = ? AND type = 'failed' ORDER BY id DESC LIMIT 1")
      .get(id) as { seq: number | null } | undefined;
    const discarded = failed?.seq ?? null;
    if (discarded !== null) database.sql('DELETE FROM {p}steps WHERE workflow_id = ? AND seq = ?').run(id, discarded);
    const keyed = keyFor(database, before.queue, before.concurrencyKey);
    database
      .sql(
        `UPDATE {p}workflows SET status = 'pending', next_at = ?, error = NULL, finished_at = NULL, recovery_attempts = 0,
           concurrency_key = ?, updated_at = ? WHERE id = ?`,
      )
      .run(now, keyed.key, now, id);
    if (keyed.fair) enterKey(database, before.queue, keyed.key!);
    database.event(id, 'retried', discarded, JSON.stringify({ discardedStep: discarded }), now);
    return getWorkflow(database, id);
  });
}
