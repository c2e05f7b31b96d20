import type { EventRecord, ListWorkflowsFilter, WorkflowKind, WorkflowRecord, WorkflowStatus } from '@steadfast/core';
import type { SqliteDatabase, WorkflowRow } from '../sqlite-database.js';

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
    nextAt: row.next_at,
    deadlineAt: row.deadline_at,
    dedupeKey: row.dedupe_key,
    leaseOwner: row.lease_owner,
    leaseEpoch: row.lease_epoch,
    attempts: row.attempts,
    recoveryAttempts: row.recovery_attempts,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
  };
}

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
  // Only a handful of filter shapes exist, so each is prepared once and reused.
  const sql = `SELECT * FROM {p}workflows ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY created_at DESC, id LIMIT ?`;
  const rows = database.sql(sql).all(...params, filter.limit ?? 100) as WorkflowRow[];
  return rows.map(toRecord);
}

interface EventRow {
  id: number;
  workflow_id: string;
  type: string;
  seq: number | null;
  data: string | null;
  at: number;
}

export function history(database: SqliteDatabase, workflowId: string): EventRecord[] {
  const rows = database.sql('SELECT * FROM {p}events WHERE workflow_id = ? ORDER BY id').all(workflowId) as EventRow[];
  return rows.map((row) => ({
    id: row.id,
    workflowId: row.workflow_id,
    type: row.type as EventRecord['type'],
    seq: row.seq,
    data: row.data === null ? null : (JSON.parse(row.data) as Record<string, unknown>),
    at: row.at,
  }));
}

export function unfinishedNames(database: SqliteDatabase): string[] {
  const rows = database.sql("SELECT DISTINCT name FROM {p}workflows WHERE status IN ('pending', 'running', 'sleeping')").all() as { name: string }[];
  return rows.map((row) => row.name);
}
