import { toEventRecord, toWorkflowRecord, type EventRecord, type EventRow, type ListWorkflowsFilter, type WorkflowRecord, type WorkflowRow } from '@steadfast/core/adapter';
import type { SqliteDatabase } from '../sqlite-database.js';

/** Maps a workflows row to its record. */
export const toRecord = toWorkflowRecord;

export function getWorkflow(database: SqliteDatabase, id: string): WorkflowRecord | undefined {
  const row = database.sql('SELECT * FROM {p}workflows WHERE id = ?').get(id) as WorkflowRow | undefined;
  return row && toRecord(row);
}

export function listWorkflows(database: SqliteDatabase, filter: ListWorkflowsFilter): WorkflowRecord[] {
  const where: string[] = [];
  const params: unknown[] = [];
  const statuses = filter.status === undefined ? [] : [filter.status].flat();
  if (statuses.length > 0) {
    where.push('status IN (SELECT value FROM json_each(?))');
    params.push(JSON.stringify(statuses));
  }
  if (filter.name !== undefined) {
    where.push('name = ?');
    params.push(filter.name);
  }
  if (filter.queue !== undefined) {
    where.push('queue = ?');
    params.push(filter.queue);
  }
  if (filter.after !== undefined) {
    // The bare range on created_at bounds the index scan; the OR then drops the ties up to the cursor's id.
    where.push('created_at <= ? AND (created_at < ? OR id > ?)');
    params.push(filter.after.createdAt, filter.after.createdAt, filter.after.id);
  }
  // Only a handful of filter shapes exist, so each is prepared once and reused.
  const sql = `SELECT * FROM {p}workflows ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY created_at DESC, id LIMIT ?`;
  const rows = database.sql(sql).all(...params, filter.limit ?? 100) as WorkflowRow[];
  return rows.map(toRecord);
}

export function history(database: SqliteDatabase, workflowId: string): EventRecord[] {
  const rows = database.sql('SELECT * FROM {p}events WHERE workflow_id = ? ORDER BY id').all(workflowId) as EventRow[];
  return rows.map(toEventRecord);
}

export function unfinishedNames(database: SqliteDatabase): string[] {
  const rows = database.sql("SELECT DISTINCT name FROM {p}workflows WHERE status IN ('pending', 'running', 'sleeping')").all() as { name: string }[];
  return rows.map((row) => row.name);
}
