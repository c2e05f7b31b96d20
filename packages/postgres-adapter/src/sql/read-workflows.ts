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
  // Null parameters switch a condition off, so one statement text serves every filter. After a cursor, the
  // bare range on created_at bounds the index scan and the OR drops the ties up to the cursor's id.
  const rows = await database.rows<WorkflowRow>(
    `SELECT * FROM {wf}
      WHERE (:statuses::text[] IS NULL OR status = ANY(:statuses::text[])) AND (:name::text IS NULL OR name = :name)
        AND (:queue::text IS NULL OR queue = :queue)
        AND (:afterAt::bigint IS NULL OR (created_at <= :afterAt AND (created_at < :afterAt OR id > :afterId)))
      ORDER BY created_at DESC, id LIMIT :limit`,
    {
      statuses, name: filter.name ?? null, queue: filter.queue ?? null, limit: filter.limit ?? 100,
      afterAt: filter.after?.createdAt ?? null, afterId: filter.after?.id ?? null,
    },
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
