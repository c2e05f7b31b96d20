import type { PurgeRequest, WorkflowStats, WorkflowStatus } from '@steadfast/core/adapter';
import type { SqliteDatabase } from '../sqlite-database.js';

export function stats(database: SqliteDatabase, now: number): WorkflowStats {
  const counts = database.sql('SELECT queue, status, COUNT(*) AS count FROM {p}workflows GROUP BY queue, status ORDER BY queue, status').all() as Array<{
    queue: string;
    status: WorkflowStatus;
    count: number;
  }>;
  const due = database
    .sql("SELECT queue, COUNT(*) AS count FROM {p}workflows WHERE status IN ('pending', 'sleeping') AND next_at <= ? GROUP BY queue ORDER BY queue")
    .all(now) as Array<{ queue: string; count: number }>;
  return { counts, due };
}

/** Deletes a batch of expired finished workflows with everything that belongs to them, in one transaction. */
export function purge(database: SqliteDatabase, request: PurgeRequest): number {
  return database.write(() => {
    const rows = database
      .sql(
        `SELECT w.id FROM {p}workflows w
          WHERE w.status IN (SELECT value FROM json_each(?)) AND w.finished_at < ?
            AND NOT EXISTS (SELECT 1 FROM {p}workflows p WHERE p.id = w.parent_id AND p.status IN ('pending', 'running', 'sleeping'))
          ORDER BY w.finished_at LIMIT ?`,
      )
      .all(JSON.stringify(request.statuses), request.finishedBefore, request.limit) as { id: string }[];
    return rows.length === 0 ? 0 : deleteWorkflows(database, rows.map((row) => row.id));
  });
}

/** Deletes workflows with everything that belongs to them, inside a write; returns how many were deleted. */
export function deleteWorkflows(database: SqliteDatabase, workflowIds: readonly string[]): number {
  const ids = JSON.stringify(workflowIds);
  for (const table of ['steps', 'events', 'signals', 'workflow_events', 'stream_chunks']) {
    database.sql(`DELETE FROM {p}${table} WHERE workflow_id IN (SELECT value FROM json_each(?))`).run(ids);
  }
  return database.sql('DELETE FROM {p}workflows WHERE id IN (SELECT value FROM json_each(?))').run(ids).changes;
}
