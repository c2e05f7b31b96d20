import { toEventRecord, toWorkflowRecord, type EventRecord, type EventRow, type ListWorkflowsFilter, type WorkflowRecord, type WorkflowRow } from '@steadfast/core/adapter';
import type { PostgresDatabase } from '../postgres-database.js';


/** Maps a workflows row to its record. */
export const toRecord = toWorkflowRecord;

export async function getWorkflow(database: PostgresDatabase, id: string): Promise<WorkflowRecord | undefined> {
  const [row] = await database.rows<WorkflowRow>('SELECT * FROM {wf} WHERE id = ?', [id]);
  return row && toRecord(row);
}

export async function listWorkflows(database: PostgresDatabase, filter: ListWorkflowsFilter): Promise<WorkflowRecord[]> {
  const statuses = filter.status === undefined ? null : [filter.status].flat();
  // Null parameters switch a condition off, so one statement text serves every filter.
  const rows = await database.rows<WorkflowRow>(
    `SELECT * FROM {wf}
      WHERE (?::text[] IS NULL OR status = ANY(?::text[])) AND (?::text IS NULL OR name = ?) AND (?::text IS NULL OR queue = ?)
      ORDER BY created_at DESC, id LIMIT ?`,
    [statuses, statuses, filter.name ?? null, filter.name ?? null, filter.queue ?? null, filter.queue ?? null, filter.limit ?? 100],
  );
  return rows.map(toRecord);
}


export async function history(database: PostgresDatabase, workflowId: string): Promise<EventRecord[]> {
  const rows = await database.rows<EventRow>('SELECT * FROM {events} WHERE workflow_id = ? ORDER BY id', [workflowId]);
  return rows.map(toEventRecord);
}

export async function unfinishedNames(database: PostgresDatabase): Promise<string[]> {
  const rows = await database.rows<{ name: string }>("SELECT DISTINCT name FROM {wf} WHERE status IN ('pending', 'running', 'sleeping')");
  return rows.map((row) => row.name);
}
