import type { ClaimedWorkflow, ClaimFilter, ClaimRequest, WorkflowKind } from '@steadfast/core';
import type { PostgresDatabase } from '../postgres-database.js';

interface ClaimRow {
  id: string;
  name: string;
  kind: string;
  lease_epoch: string;
  attempts: number;
  recovery_attempts: number;
  due_at: string;
}

/**
 * Claims due workflows with FOR UPDATE SKIP LOCKED (concurrent workers take disjoint rows without waiting),
 * highest priority first, then earliest due. Pending and sleeping rows are due by the runtime's `now`; a
 * running row is claimable once its lease has expired by the database clock. Reads ids and small columns
 * only; writes the claim and its event in the same statement.
 */
const CLAIM = `
  WITH due AS (
    SELECT id, status, next_at FROM {wf}
     WHERE queue = ANY(?::text[]) AND name = ANY(?::text[])
       AND status IN ('pending', 'sleeping', 'running')
       AND next_at <= greatest(?::bigint, {now_db})
       AND (CASE WHEN status = 'running' THEN next_at <= {now_db} ELSE next_at <= ?::bigint END)
     ORDER BY priority DESC, next_at
     LIMIT ?
     FOR UPDATE SKIP LOCKED
  ), claimed AS (
    UPDATE {wf} w SET status = 'running', lease_owner = ?, lease_epoch = w.lease_epoch + 1,
           next_at = {now_db} + ?::bigint, attempts = w.attempts + 1,
           recovery_attempts = w.recovery_attempts + (CASE WHEN due.status = 'running' THEN 1 ELSE 0 END),
           started_at = coalesce(w.started_at, ?::bigint), updated_at = ?::bigint
      FROM due WHERE w.id = due.id
    RETURNING w.id, w.name, w.kind, w.lease_epoch, w.attempts, w.recovery_attempts, due.status AS previous, due.next_at AS due_at
  ), ev AS (
    INSERT INTO {events} (workflow_id, type, seq, data, at)
    SELECT id, CASE previous WHEN 'running' THEN 'recovered' WHEN 'sleeping' THEN 'woke' ELSE 'claimed' END, NULL,
           json_build_object('owner', ?::text, 'epoch', lease_epoch)::text, ?::bigint
      FROM claimed
  )
  SELECT id, name, kind, lease_epoch, attempts, recovery_attempts, due_at FROM claimed`;

export async function claim(database: PostgresDatabase, request: ClaimRequest): Promise<ClaimedWorkflow[]> {
  const { owner, queues, names, limit, leaseMs, now } = request;
  const rows = await database.rows<ClaimRow>(CLAIM, [queues, names, now, now, limit, owner, leaseMs, now, now, owner, now]);
  return rows.map((row) => ({
    id: row.id,
    name: row.name,
    kind: row.kind as WorkflowKind,
    epoch: Number(row.lease_epoch),
    attempts: row.attempts,
    recoveryAttempts: row.recovery_attempts,
    dueAt: Number(row.due_at),
  }));
}

export async function nextDueAt(database: PostgresDatabase, filter: ClaimFilter): Promise<number | null> {
  const [row] = await database.rows<{ at: string | null }>(
    `SELECT min(next_at) AS at FROM {wf}
      WHERE queue = ANY(?::text[]) AND name = ANY(?::text[]) AND status IN ('pending', 'sleeping', 'running')`,
    [filter.queues, filter.names],
  );
  return row?.at == null ? null : Number(row.at);
}
