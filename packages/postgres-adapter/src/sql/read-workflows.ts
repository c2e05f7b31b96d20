import type { EventRecord, ListWorkflowsFilter, WorkflowKind, WorkflowRecord, WorkflowStatus } from '@steadfast/core';
import type { PostgresDatabase, WorkflowRow } from '../postgres-database.js';

const num = (value: string | number | null): number | null => (value === null ? null : Number(value));

export function toRecord(row: WorkflowRow): WorkflowRecord {
  return {
    id: row.id,
    name: row.name,
    kind: row.kind as WorkflowKind,
    version: row.version,
    queue: row.queue,
    priority: row.priority,
    status: row.status as WorkflowStatus,
    args: row.args,
    output: row.output,
    error: row.error,
    parentId: row.parent_id,
    nextAt: num(row.next_at),
    deadlineAt: num(row.deadline_at),
    dedupeKey: row.dedupe_key,
    leaseOwner: row.lease_owner,
    leaseEpoch: Number(row.lease_epoch),
    attempts: row.attempts,
    recoveryAttempts: row.recovery_attempts,
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
    startedAt: num(row.started_at),
    finishedAt: num(row.finished_at),
  };
}

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

interface EventRow {
  id: string;
  workflow_id: string;
  type: string;
  seq: number | null;
  data: string | null;
  at: string;
}

export async function history(database: PostgresDatabase, workflowId: string): Promise<EventRecord[]> {
  const rows = await database.rows<EventRow>('SELECT * FROM {events} WHERE workflow_id = ? ORDER BY id', [workflowId]);
  return rows.map((row) => ({
    id: Number(row.id),
    workflowId: row.workflow_id,
    type: row.type as EventRecord['type'],
    seq: row.seq,
    data: row.data === null ? null : (JSON.parse(row.data) as Record<string, unknown>),
    at: Number(row.at),
  }));
}

export async function unfinishedNames(database: PostgresDatabase): Promise<string[]> {
  const rows = await database.rows<{ name: string }>("SELECT DISTINCT name FROM {wf} WHERE status IN ('pending', 'running', 'sleeping')");
  return rows.map((row) => row.name);
}
