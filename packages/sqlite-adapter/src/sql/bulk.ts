import type { WorkflowRef, WorkflowSelection, WorkflowStatus } from '@steadfast/core/adapter';
import type { SqliteDatabase } from '../sqlite-database.js';
import { cancelWorkflow } from './cancel-retry.js';
import { deleteWorkflows } from './stats-purge.js';

const UNFINISHED = "('pending', 'running', 'sleeping')";

/** The WHERE clause of a selection: only the conditions given, so each filter shape is one prepared statement. */
function where(s: WorkflowSelection): { clause: string; params: unknown[] } {
  const conditions = ['status IN (SELECT value FROM json_each(?))'];
  const params: unknown[] = [JSON.stringify(s.statuses)];
  const add = (condition: string, value: unknown) => {
    conditions.push(condition);
    params.push(value);
  };
  if (s.name !== undefined) add('name = ?', s.name);
  if (s.queue !== undefined) add('queue = ?', s.queue);
  if (s.createdBefore !== undefined) add('created_at < ?', s.createdBefore);
  if (s.concurrencyKey !== undefined) add('concurrency_key = ?', s.concurrencyKey);
  if (s.ids !== undefined) add('id IN (SELECT value FROM json_each(?))', JSON.stringify(s.ids));
  return { clause: conditions.join(' AND '), params };
}

/** Oldest first, ties by id, after the position given: a keyset page, so a batch never rescans earlier ones. */
export function selectWorkflows(database: SqliteDatabase, selection: WorkflowSelection, after: WorkflowRef | null, limit: number): WorkflowRef[] {
  const { clause, params } = where(selection);
  const page = after === null ? '' : ' AND (created_at > ? OR (created_at = ? AND id > ?))';
  const rows = database
    .sql(`SELECT id, created_at FROM {p}workflows WHERE ${clause}${page} ORDER BY created_at, id LIMIT ?`)
    .all(...params, ...(after === null ? [] : [after.createdAt, after.createdAt, after.id]), limit) as { id: string; created_at: number }[];
  return rows.map((row) => ({ id: row.id, createdAt: row.created_at }));
}

export function countWorkflows(database: SqliteDatabase, selection: WorkflowSelection): number {
  const { clause, params } = where(selection);
  return (database.sql(`SELECT COUNT(*) AS count FROM {p}workflows WHERE ${clause}`).get(...params) as { count: number }).count;
}

/** Each as `cancelWorkflow` (a savepoint each), in one transaction. */
export function cancelWorkflows(database: SqliteDatabase, ids: readonly string[], statuses: readonly WorkflowStatus[], now: number): string[] {
  return database.write(() => {
    const targets = database
      .sql(`SELECT id FROM {p}workflows WHERE id IN (SELECT value FROM json_each(?)) AND status IN (SELECT value FROM json_each(?)) AND status IN ${UNFINISHED}`)
      .all(JSON.stringify(ids), JSON.stringify(statuses)) as { id: string }[];
    // A target that is a descendant of an earlier one is cancelled by that one's cascade; it was still asked for.
    for (const { id } of targets) cancelWorkflow(database, id, now);
    return targets.map((row) => row.id);
  });
}

export function purgeWorkflows(database: SqliteDatabase, ids: readonly string[], statuses: readonly WorkflowStatus[]): number {
  return database.write(() => {
    const doomed = database
      .sql(
        `SELECT w.id FROM {p}workflows w
          WHERE w.id IN (SELECT value FROM json_each(?)) AND w.status IN (SELECT value FROM json_each(?)) AND w.status NOT IN ${UNFINISHED}
            AND NOT EXISTS (SELECT 1 FROM {p}workflows p WHERE p.id = w.parent_id AND p.status IN ${UNFINISHED})`,
      )
      .all(JSON.stringify(ids), JSON.stringify(statuses)) as { id: string }[];
    return doomed.length === 0 ? 0 : deleteWorkflows(database, doomed.map((row) => row.id));
  });
}
