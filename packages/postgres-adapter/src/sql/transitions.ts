import { LeaseLostError, type Lease, type NewStep, type WaitingFor } from '@steadfast/core/adapter';
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
 * Workflows that finish (many in one statement), each fenced on its own and locked in id order, optionally
 * with their last step's checkpoint (a job's one task: its step and its completion are one write). The step
 * event comes before the finishing one. A finishing workflow wakes its parent: the parent row is locked
 * whatever its status, so this cannot slip between a parent's park and its check for finished children (see
 * `suspend`).
 */
function finishMany(status: 'completed' | 'failed'): string {
  const payload = status === 'completed' ? 'output' : 'error';
  return `
    WITH input AS (
      SELECT * FROM json_to_recordset(:items::json)
        AS i(id text, owner text, epoch bigint, payload text, failed_seq int, at bigint, step_seq int, step_name text, step_kind text,
             step_output text, step_error text, step_attempts int, step_fingerprint text)
    ), locked AS (
      SELECT w.id FROM {wf} w JOIN input i ON w.id = i.id
       WHERE w.id = ANY(:ids::text[]) AND w.lease_owner = i.owner AND w.lease_epoch = i.epoch AND w.status = 'running'
       ORDER BY w.id FOR UPDATE OF w
    ), t AS (
      UPDATE {wf} w SET status = '${status}', ${payload} = i.payload, next_at = NULL, lease_owner = NULL, finished_at = i.at, updated_at = i.at
        FROM input i, locked l WHERE w.id = l.id AND i.id = l.id
      RETURNING w.id, w.parent_id, i.at
    ), step AS (
      INSERT INTO {steps} (workflow_id, seq, name, kind, output, error, attempts, fingerprint, created_at)
      SELECT i.id, i.step_seq, i.step_name, i.step_kind, i.step_output, i.step_error, i.step_attempts, i.step_fingerprint, i.at
        FROM input i JOIN t ON t.id = i.id WHERE i.step_seq IS NOT NULL
      ON CONFLICT (workflow_id, seq) DO NOTHING
      RETURNING workflow_id, seq
    ), ev AS (
      INSERT INTO {events} (workflow_id, type, seq, data, at)
      SELECT x.workflow_id, x.type, x.seq, x.data, x.at FROM (
        SELECT s.workflow_id, CASE WHEN i.step_error IS NULL THEN 'step_completed' ELSE 'step_failed' END AS type, s.seq,
               json_build_object('name', i.step_name, 'kind', i.step_kind, 'attempts', i.step_attempts)::text AS data, i.at, 0 AS ord
          FROM step s JOIN input i ON i.id = s.workflow_id
        UNION ALL
        SELECT t.id, '${status}', i.failed_seq, ${status === 'failed' ? `'{"error":' || i.payload || '}'` : 'NULL::text'}, t.at, 1
          FROM t JOIN input i ON i.id = t.id
      ) x ORDER BY x.workflow_id, x.ord
    ), p AS (
      UPDATE {wf} x SET next_at = CASE WHEN x.status = 'sleeping' AND (x.next_at IS NULL OR x.next_at > t.at) THEN t.at ELSE x.next_at END
        FROM t WHERE x.id = t.parent_id RETURNING x.status, t.at
    )
    SELECT t.id, (SELECT count(pg_notify(:channel, p.at::text)) FROM p WHERE p.status = 'sleeping') AS woke FROM t`;
}

const COMPLETE_MANY = finishMany('completed');
const FAIL_MANY = finishMany('failed');

interface Finish {
  lease: Lease;
  /** The serialized output (complete) or error (fail). */
  payload: string;
  failedSeq: number | null;
  now: number;
  step: NewStep | undefined;
}

async function finishAll(database: PostgresDatabase, sql: string, items: Finish[]): Promise<Array<void | Error>> {
  const rows = await database.rows<{ id: string }>(sql, {
    ids: items.map((f) => f.lease.workflowId),
    items: JSON.stringify(
      items.map(({ lease, payload, failedSeq, now, step }) => ({
        id: lease.workflowId, owner: lease.owner, epoch: lease.epoch, payload, failed_seq: failedSeq, at: now,
        step_seq: step?.seq ?? null, step_name: step?.name ?? null, step_kind: step?.kind ?? null, step_output: step?.output ?? null,
        step_error: step?.error ?? null, step_attempts: step?.attempts ?? null, step_fingerprint: step?.fingerprint ?? null,
      })),
    ),
    channel: database.channel,
  });
  const done = new Set(rows.map((row) => row.id));
  return items.map((f) => (done.has(f.lease.workflowId) ? undefined : new LeaseLostError(f.lease.workflowId, f.lease.epoch)));
}

const SUSPEND = transition("status = 'sleeping', next_at = ?, lease_owner = NULL, updated_at = ?", 'sleeping', true);
const RELEASE = transition("status = 'pending', next_at = ?, lease_owner = NULL, updated_at = ?", 'released', true);

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

/** Completes workflows, many in one statement when they finish together (group commit); see `finishMany`. */
export function complete(database: PostgresDatabase, lease: Lease, output: string, now: number, step?: NewStep): Promise<void> {
  return database.batcher<Finish, void>('complete', (items) => finishAll(database, COMPLETE_MANY, items)).submit({ lease, payload: output, failedSeq: null, now, step });
}

export function fail(database: PostgresDatabase, lease: Lease, error: string, failedSeq: number | null, now: number, step?: NewStep): Promise<void> {
  return database.batcher<Finish, void>('fail', (items) => finishAll(database, FAIL_MANY, items)).submit({ lease, payload: error, failedSeq, now, step });
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
