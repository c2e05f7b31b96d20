import { LeaseLostError, type Lease, type SignalReceive } from '@steadfast/core/adapter';
import { FENCE, type PostgresDatabase } from '../postgres-database.js';

/**
 * Stores a signal for an unfinished workflow and wakes it if parked, in one statement. The workflow row is
 * locked first, so the send cannot slip between a park and its check for waiting signals (see `suspend`).
 */
export async function sendSignal(database: PostgresDatabase, workflowId: string, name: string, payload: string, now: number, key?: string): Promise<'sent' | 'not_found' | 'finished'> {
  const [row] = await database.rows<{ status: string | null; sent: number; repeated: number }>(
    `WITH w AS (
       SELECT id, status FROM {wf} WHERE id = ? FOR UPDATE
     ), ins AS (
       INSERT INTO {signals} (workflow_id, name, payload, created_at, key)
       SELECT id, ?, ?, ?, ?::text FROM w WHERE status IN ('pending', 'running', 'sleeping')
       ON CONFLICT DO NOTHING RETURNING workflow_id
     ), ev AS (
       INSERT INTO {events} (workflow_id, type, seq, data, at) SELECT workflow_id, 'signal_sent', NULL, ?, ? FROM ins
     ), wk AS (
       UPDATE {wf} x SET next_at = CASE WHEN x.status = 'sleeping' AND (x.next_at IS NULL OR x.next_at > ?::bigint) THEN ?::bigint ELSE x.next_at END
         FROM ins WHERE x.id = ins.workflow_id RETURNING x.status
     )
     SELECT (SELECT status FROM w) AS status, (SELECT count(*)::int FROM ins) AS sent,
            (SELECT count(*)::int FROM {signals} s WHERE s.workflow_id = ? AND s.key = ?::text) AS repeated,
            (SELECT count(pg_notify(?, ?)) FROM wk WHERE wk.status = 'sleeping') AS woke`,
    [workflowId, name, payload, now, key ?? null, JSON.stringify({ name }), now, now, now, workflowId, key ?? null, database.channel, String(now)],
  );
  if (!row || row.status === null) return 'not_found';
  if (row.sent === 1) return 'sent';
  // Not stored: the workflow is finished, or (with a key) a signal of that key was stored before.
  return row.repeated > 0 && ['pending', 'running', 'sleeping'].includes(row.status) ? 'sent' : 'finished';
}

/**
 * Delivers the oldest undelivered signal of a name to step `seq` (fenced), exactly once: the signal is
 * marked delivered and the step checkpointed in one transaction. Past the deadline with none waiting, the
 * step is checkpointed as timed out. A step checkpointed already (a repeated call) returns its output.
 */
export async function receiveSignal(database: PostgresDatabase, lease: Lease, receive: SignalReceive, now: number): Promise<string | null> {
  const { seq, name, deadline, timeoutOutput } = receive;
  return database.transaction(async (trx) => {
    const fenced = await database.rows(`UPDATE {wf} SET updated_at = ? WHERE ${FENCE} RETURNING id`, [now, lease.workflowId, lease.owner, lease.epoch], trx);
    if (fenced.length !== 1) throw new LeaseLostError(lease.workflowId, lease.epoch);
    const [existing] = await database.rows<{ output: string }>('SELECT output FROM {steps} WHERE workflow_id = ? AND seq = ?', [lease.workflowId, seq], trx);
    if (existing) return existing.output;
    const [signal] = await database.rows<{ id: string; payload: string }>(
      `UPDATE {signals} SET delivered_seq = ?, delivered_at = ?
        WHERE id = (SELECT id FROM {signals} WHERE workflow_id = ? AND name = ? AND delivered_seq IS NULL ORDER BY id LIMIT 1)
        RETURNING id, payload`,
      [seq, now, lease.workflowId, name],
      trx,
    );
    let output: string;
    if (signal) output = signal.payload;
    else if (deadline !== null && now >= deadline) output = timeoutOutput;
    else return null;
    await database.rows(
      `INSERT INTO {steps} (workflow_id, seq, name, kind, output, error, attempts, fingerprint, created_at) VALUES (?, ?, ?, 'signal', ?, NULL, 1, NULL, ?)`,
      [lease.workflowId, seq, name, output, now],
      trx,
    );
    await database.rows(
      `INSERT INTO {events} (workflow_id, type, seq, data, at) VALUES (?, 'step_completed', ?, ?, ?)`,
      [lease.workflowId, seq, JSON.stringify({ name, kind: 'signal', timedOut: !signal }), now],
      trx,
    );
    return output;
  });
}
