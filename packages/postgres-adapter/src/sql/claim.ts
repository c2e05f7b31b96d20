import type { Knex } from 'knex';
import type { ClaimedWorkflow, ClaimFilter, ClaimRequest, QueueLimit, WorkflowKind } from '@steadfast/core/adapter';
import type { PostgresDatabase } from '../postgres-database.js';

interface ClaimRow {
  id: string;
  name: string;
  kind: string;
  queue: string;
  lease_epoch: string;
  attempts: number;
  recovery_attempts: number;
  due_at: string;
  first_start: boolean;
}

/**
 * Claims due workflows with FOR UPDATE SKIP LOCKED (concurrent workers take disjoint rows without waiting),
 * highest priority first, then earliest due. Pending and sleeping rows are due by the runtime's `now`; a
 * running row is claimable once its lease has expired by the database clock. Reads ids and small columns
 * only; writes the claim and its event in the same statement.
 */
const claimSql = (starts: Starts) => `
  WITH due AS (
    SELECT id, status, next_at, started_at FROM {wf}
     WHERE queue = ANY(:queues::text[]) AND name = ANY(:names::text[])
       AND status IN ('pending', 'sleeping', 'running')${starts === 'first' ? ' AND started_at IS NULL' : starts === 'resumed' ? ' AND started_at IS NOT NULL' : ''}
       AND next_at <= greatest(:now::bigint, {now_db})
       AND (CASE WHEN status = 'running' THEN next_at <= {now_db} ELSE next_at <= :now::bigint END)
     ORDER BY priority DESC, next_at
     LIMIT :limit
     FOR UPDATE SKIP LOCKED
  ), claimed AS (
    UPDATE {wf} w SET status = 'running', lease_owner = :owner, lease_epoch = w.lease_epoch + 1,
           next_at = {now_db} + :leaseMs::bigint, attempts = w.attempts + 1,
           recovery_attempts = w.recovery_attempts + (CASE WHEN due.status = 'running' AND w.lease_owner IS DISTINCT FROM :owner THEN 1 ELSE 0 END),
           started_at = coalesce(w.started_at, :now::bigint), updated_at = :now::bigint
      FROM due WHERE w.id = due.id
    RETURNING w.id, w.name, w.kind, w.queue, w.lease_epoch, w.attempts, w.recovery_attempts, due.status AS previous, due.next_at AS due_at,
              due.started_at IS NULL AS first_start
  ), ev AS (
    INSERT INTO {events} (workflow_id, type, seq, data, at)
    SELECT id, CASE previous WHEN 'running' THEN 'recovered' WHEN 'sleeping' THEN 'woke' ELSE 'claimed' END, NULL,
           json_build_object('owner', :owner::text, 'epoch', lease_epoch)::text, :now::bigint
      FROM claimed
  )
  SELECT id, name, kind, queue, lease_epoch, attempts, recovery_attempts, due_at, first_start FROM claimed`;

/** Which rows a claim may take: first starts (held to a rate limit), resumed ones (woken, released, recovered), or any. */
type Starts = 'first' | 'resumed' | 'any';
const CLAIM: Record<Starts, string> = { any: claimSql('any'), first: claimSql('first'), resumed: claimSql('resumed') };

export async function claim(database: PostgresDatabase, request: ClaimRequest): Promise<ClaimedWorkflow[]> {
  const limits = request.queueLimits ?? {};
  const claimed: ClaimedWorkflow[] = [];
  let remaining = request.limit;
  for (const queue of request.queues.filter((q) => limits[q])) {
    if (remaining <= 0) break;
    const rows = await claimLimited(database, request, queue, limits[queue]!, remaining);
    claimed.push(...rows);
    remaining -= rows.length;
  }
  const unlimited = request.queues.filter((q) => !limits[q]);
  if (unlimited.length > 0 && remaining > 0) claimed.push(...(await claimFrom(database, request, unlimited, remaining)).map(({ firstStart: _, ...row }) => row));
  return claimed;
}

async function claimFrom(
  database: PostgresDatabase,
  request: ClaimRequest,
  queues: string[],
  limit: number,
  trx?: Knex.Transaction,
  starts: Starts = 'any',
): Promise<Array<ClaimedWorkflow & { firstStart: boolean }>> {
  if (limit <= 0) return [];
  const { owner, names, leaseMs, now } = request;
  const rows = await database.rows<ClaimRow>(CLAIM[starts], { queues, names, now, limit, owner, leaseMs }, trx);
  return rows.map((row) => ({
    id: row.id,
    name: row.name,
    kind: row.kind as WorkflowKind,
    queue: row.queue,
    epoch: Number(row.lease_epoch),
    attempts: row.attempts,
    recoveryAttempts: row.recovery_attempts,
    dueAt: Number(row.due_at),
    firstStart: row.first_start,
  }));
}

/**
 * A queue with shared limits is claimed under a transaction-scoped advisory lock on the queue, so workers
 * count running workflows and recent starts and claim within the limits one at a time.
 */
async function claimLimited(database: PostgresDatabase, request: ClaimRequest, queue: string, limit: QueueLimit, remaining: number): Promise<ClaimedWorkflow[]> {
  return database.transaction(async (trx) => {
    await database.rows('SELECT pg_advisory_xact_lock(hashtext(?))', [`steadfast:queue:${database.channel}:${queue}`], trx);
    let room = Math.min(remaining, limit.max ?? Infinity);
    let newStarts = Infinity;
    if (limit.concurrency !== undefined) {
      // Only live leases hold room: a crashed worker's expired ones are claimable again.
      const [row] = await database.rows<{ running: number }>(
        "SELECT count(*)::int AS running FROM {wf} WHERE queue = ? AND status = 'running' AND next_at > {now_db}",
        [queue],
        trx,
      );
      room = Math.min(room, limit.concurrency - row!.running);
    }
    if (limit.rateLimit) {
      const windowStart = request.now - limit.rateLimit.perMs;
      await database.rows('DELETE FROM {queue_starts} WHERE queue = ? AND at <= ?', [queue, windowStart], trx);
      const [row] = await database.rows<{ starts: number }>('SELECT count(*)::int AS starts FROM {queue_starts} WHERE queue = ? AND at > ?', [queue, windowStart], trx);
      newStarts = limit.rateLimit.max - row!.starts;
    }
    // Workflows that started already are not held to the rate: they take the room first.
    const resumed = await claimFrom(database, request, [queue], room, trx, limit.rateLimit ? 'resumed' : 'any');
    const first = limit.rateLimit ? await claimFrom(database, request, [queue], Math.min(room - resumed.length, newStarts), trx, 'first') : [];
    if (first.length > 0) {
      await database.rows('INSERT INTO {queue_starts} (queue, at) SELECT ?, ? FROM generate_series(1, ?)', [queue, request.now, first.length], trx);
    }
    return [...resumed, ...first].map(({ firstStart: _, ...row }) => row);
  });
}

/**
 * The earliest due time per queue, read from the (queue, next_at) index in order (one short index scan per
 * queue), then the minimum: a plain min() over `queue = ANY(...)` scans every row of the queues.
 */
export async function nextDueAt(database: PostgresDatabase, filter: ClaimFilter): Promise<number | null> {
  const [row] = await database.rows<{ at: string | null }>(
    `SELECT min(m.next_at) AS at FROM unnest(?::text[]) AS q(queue)
     CROSS JOIN LATERAL (
       SELECT w.next_at FROM {wf} w
        WHERE w.queue = q.queue AND w.next_at IS NOT NULL AND w.status IN ('pending', 'sleeping', 'running') AND w.name = ANY(?::text[])
        ORDER BY w.next_at LIMIT 1
     ) m`,
    [filter.queues, filter.names],
  );
  return row?.at == null ? null : Number(row.at);
}
