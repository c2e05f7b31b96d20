import type { ClaimedWorkflow, ClaimFilter, ClaimRequest, WorkflowKind } from '@steadfast/core';
import type { SqliteDatabase } from '../sqlite-database.js';

// Lists are bound as JSON arrays so the statement text is fixed and prepared once.
const CLAIMABLE = `queue IN (SELECT value FROM json_each(?)) AND next_at <= ?
  AND status IN ('pending', 'sleeping', 'running') AND name IN (SELECT value FROM json_each(?))`;

interface ClaimRow {
  id: string;
  name: string;
  kind: string;
  lease_epoch: number;
  attempts: number;
  recovery_attempts: number;
}

/** Claims due workflows, highest priority first, then earliest due; expired leases are recovered. */
export function claim(database: SqliteDatabase, request: ClaimRequest): ClaimedWorkflow[] {
  const { owner, queues, names, limit, leaseMs, now } = request;
  return database.write(() => {
    const due = database
      .sql(`SELECT id, status, next_at FROM {p}workflows WHERE ${CLAIMABLE} ORDER BY priority DESC, next_at LIMIT ?`)
      .all(JSON.stringify(queues), now, JSON.stringify(names), limit) as { id: string; status: string; next_at: number }[];
    return due.map(({ id, status, next_at: dueAt }) => {
      const recovered = status === 'running';
      const row = database
        .sql(
          `UPDATE {p}workflows SET status = 'running', lease_owner = ?, lease_epoch = lease_epoch + 1, next_at = ?,
             attempts = attempts + 1, recovery_attempts = recovery_attempts + ?, started_at = COALESCE(started_at, ?), updated_at = ?
           WHERE id = ? RETURNING id, name, kind, lease_epoch, attempts, recovery_attempts`,
        )
        .get(owner, now + leaseMs, recovered ? 1 : 0, now, now, id) as ClaimRow;
      // 'recovered' is a claim after the previous owner's lease expired; 'woke' a claim of a sleeping workflow.
      const type = recovered ? 'recovered' : status === 'sleeping' ? 'woke' : 'claimed';
      database.event(id, type, null, JSON.stringify({ owner, epoch: row.lease_epoch }), now);
      return {
        id: row.id,
        name: row.name,
        kind: row.kind as WorkflowKind,
        epoch: row.lease_epoch,
        attempts: row.attempts,
        recoveryAttempts: row.recovery_attempts,
        dueAt,
      };
    });
  });
}

export function nextDueAt(database: SqliteDatabase, filter: ClaimFilter): number | null {
  const row = database
    .sql(
      `SELECT MIN(next_at) AS at FROM {p}workflows WHERE queue IN (SELECT value FROM json_each(?))
         AND status IN ('pending', 'sleeping', 'running') AND name IN (SELECT value FROM json_each(?))`,
    )
    .get(JSON.stringify(filter.queues), JSON.stringify(filter.names)) as { at: number | null };
  return row.at;
}
