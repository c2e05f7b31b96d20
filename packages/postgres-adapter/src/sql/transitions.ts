import { LeaseLostError, type Lease, type WaitingFor } from '@steadfast/core/adapter';
import { FENCE, type PostgresDatabase } from '../postgres-database.js';

/**
 * A fenced state change of a running workflow with its event, in one statement. `notifyAt` (a due time)
 * tells idle workers, through LISTEN/NOTIFY, when the workflow becomes claimable again.
 */
function transition(set: string, eventType: string, notify: boolean): string {
  return `
    WITH t AS (
      UPDATE {wf} SET ${set} WHERE ${FENCE} RETURNING id, next_at
    ), ev AS (
      INSERT INTO {events} (workflow_id, type, seq, data, at) SELECT id, '${eventType}', ?::int, ?, ? FROM t
    )
    SELECT id${notify ? ', (CASE WHEN next_at IS NOT NULL THEN pg_notify(?, next_at::text) END)::text AS notified' : ''} FROM t`;
}

/**
 * A workflow that finishes wakes its parent. The parent row is locked whatever its status, so this cannot
 * slip between a parent's park and its check for finished children (see `suspend`).
 */
function finish(set: string, eventType: string): string {
  return `
    WITH t AS (
      UPDATE {wf} SET ${set} WHERE ${FENCE} RETURNING id, parent_id
    ), ev AS (
      INSERT INTO {events} (workflow_id, type, seq, data, at) SELECT id, '${eventType}', ?::int, ?, ? FROM t
    ), p AS (
      UPDATE {wf} w SET next_at = CASE WHEN w.status = 'sleeping' AND (w.next_at IS NULL OR w.next_at > ?::bigint) THEN ?::bigint ELSE w.next_at END
        FROM t WHERE w.id = t.parent_id RETURNING w.status
    )
    SELECT id, (SELECT count(pg_notify(?, ?)) FROM p WHERE p.status = 'sleeping') AS woke FROM t`;
}

const SUSPEND = transition("status = 'sleeping', next_at = ?, lease_owner = NULL, updated_at = ?", 'sleeping', true);
const RELEASE = transition("status = 'pending', next_at = ?, lease_owner = NULL, updated_at = ?", 'released', true);
const COMPLETE = finish("status = 'completed', output = ?, next_at = NULL, lease_owner = NULL, finished_at = ?, updated_at = ?", 'completed');
const FAIL = finish("status = 'failed', error = ?, next_at = NULL, lease_owner = NULL, finished_at = ?, updated_at = ?", 'failed');

async function run(database: PostgresDatabase, sql: string, lease: Lease, bindings: unknown[]): Promise<void> {
  const rows = await database.rows(sql, bindings);
  if (rows.length !== 1) throw new LeaseLostError(lease.workflowId, lease.epoch);
}

const fence = (lease: Lease) => [lease.workflowId, lease.owner, lease.epoch];

/**
 * Parks the workflow. When it waits for children or signals, a second statement in the same transaction,
 * run after the park has locked the row, looks for ones that already arrived: anything that finished or was
 * sent before sees the row as it was and is found here; anything later waits for our lock and then sees
 * the row parked, so it wakes it. No wake-up is lost either way.
 */
export async function suspend(database: PostgresDatabase, lease: Lease, wakeAt: number | null, now: number, waitingFor?: WaitingFor): Promise<void> {
  const bindings = [wakeAt, now, ...fence(lease), null, JSON.stringify({ wakeAt, ...waitingFor }), now, database.channel];
  if (!waitingFor) return run(database, SUSPEND, lease, bindings);
  await database.transaction(async (trx) => {
    const parked = await database.rows(SUSPEND, bindings, trx);
    if (parked.length !== 1) throw new LeaseLostError(lease.workflowId, lease.epoch);
    await database.rows(
      `UPDATE {wf} SET next_at = ?::bigint
        WHERE id = ? AND (
          EXISTS (SELECT 1 FROM {wf} c WHERE c.id = ANY(?::text[]) AND c.status IN ('completed', 'failed', 'cancelled'))
          OR EXISTS (SELECT 1 FROM {signals} s WHERE s.workflow_id = ? AND s.delivered_seq IS NULL AND s.name = ANY(?::text[])))
        RETURNING pg_notify(?, ?)`,
      [now, lease.workflowId, waitingFor.children ?? [], lease.workflowId, waitingFor.signals ?? [], database.channel, String(now)],
      trx,
    );
  });
}

export function release(database: PostgresDatabase, lease: Lease, now: number): Promise<void> {
  return run(database, RELEASE, lease, [now, now, ...fence(lease), null, null, now, database.channel]);
}

export function complete(database: PostgresDatabase, lease: Lease, output: string, now: number): Promise<void> {
  return run(database, COMPLETE, lease, [output, now, now, ...fence(lease), null, null, now, now, now, database.channel, String(now)]);
}

export function fail(database: PostgresDatabase, lease: Lease, error: string, failedSeq: number | null, now: number): Promise<void> {
  return run(database, FAIL, lease, [error, now, now, ...fence(lease), failedSeq, `{"error":${error}}`, now, now, now, database.channel, String(now)]);
}

/** Extends the leases still held (by the database clock) in one statement; returns the ids that are lost. */
export async function renewLeases(database: PostgresDatabase, leases: Lease[], leaseMs: number, now: number): Promise<string[]> {
  if (leases.length === 0) return [];
  const rows = await database.rows<{ id: string }>(
    `UPDATE {wf} w SET next_at = {now_db} + ?::bigint, updated_at = ?
       FROM unnest(?::text[], ?::text[], ?::bigint[]) AS l(id, owner, epoch)
      WHERE w.id = l.id AND w.lease_owner = l.owner AND w.lease_epoch = l.epoch AND w.status = 'running'
      RETURNING w.id`,
    [leaseMs, now, leases.map((l) => l.workflowId), leases.map((l) => l.owner), leases.map((l) => l.epoch)],
    database.control,
  );
  const held = new Set(rows.map((row) => row.id));
  return leases.filter((lease) => !held.has(lease.workflowId)).map((lease) => lease.workflowId);
}
