import { LeaseLostError, type Lease } from '@steadfast/core';
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
    SELECT id${notify ? ', pg_notify(?, next_at::text) AS notified' : ''} FROM t`;
}

const SUSPEND = transition("status = 'sleeping', next_at = ?, lease_owner = NULL, updated_at = ?", 'sleeping', true);
const RELEASE = transition("status = 'pending', next_at = ?, lease_owner = NULL, updated_at = ?", 'released', true);
const COMPLETE = transition(
  "status = 'completed', output = ?, next_at = NULL, lease_owner = NULL, finished_at = ?, updated_at = ?",
  'completed',
  false,
);
const FAIL = transition("status = 'failed', error = ?, next_at = NULL, lease_owner = NULL, finished_at = ?, updated_at = ?", 'failed', false);

async function run(database: PostgresDatabase, sql: string, lease: Lease, bindings: unknown[]): Promise<void> {
  const rows = await database.rows(sql, bindings);
  if (rows.length !== 1) throw new LeaseLostError(lease.workflowId, lease.epoch);
}

const fence = (lease: Lease) => [lease.workflowId, lease.owner, lease.epoch];

export function suspend(database: PostgresDatabase, lease: Lease, wakeAt: number, now: number): Promise<void> {
  return run(database, SUSPEND, lease, [wakeAt, now, ...fence(lease), null, JSON.stringify({ wakeAt }), now, database.channel]);
}

export function release(database: PostgresDatabase, lease: Lease, now: number): Promise<void> {
  return run(database, RELEASE, lease, [now, now, ...fence(lease), null, null, now, database.channel]);
}

export function complete(database: PostgresDatabase, lease: Lease, output: string, now: number): Promise<void> {
  return run(database, COMPLETE, lease, [output, now, now, ...fence(lease), null, null, now]);
}

export function fail(database: PostgresDatabase, lease: Lease, error: string, failedSeq: number | null, now: number): Promise<void> {
  return run(database, FAIL, lease, [error, now, now, ...fence(lease), failedSeq, `{"error":${error}}`, now]);
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
