import type pg from 'pg';
import type { ClaimedWorkflow, ClaimFilter, ClaimRequest, QueueLimit } from '@steadfast/core/adapter';
import { claimFair } from './claim-fair.js';
import { claimTail, toClaimed, VERSION_FILTER, type ClaimRow, type Starts } from './claim-common.js';
import type { PostgresDatabase } from '../postgres-database.js';

/**
 * Claims due workflows with FOR UPDATE SKIP LOCKED (concurrent workers take disjoint rows without waiting),
 * highest priority first, then earliest due, and returns with each what its execution needs (arguments,
 * deadline, checkpoints and failed attempts: nothing for a first start), so a claim is one round trip.
 *
 * A claim reads about `limit` rows however many are due or waiting: per queue it walks the priorities that
 * have unfinished rows, highest first (a skip scan on the partial (queue, priority DESC, next_at) index, one
 * probe per priority), and within each reads the due rows in `next_at` order, stopping at `limit`. Pending and
 * sleeping rows are due by the runtime's `now`; a running row is claimable once its lease has expired by the
 * database clock. The claim writes its event in the same statement.
 */
function claimSql(queueCount: number, starts: Starts): string {
  const which = starts === 'first' ? ' AND started_at IS NULL' : starts === 'resumed' ? ' AND started_at IS NOT NULL' : '';
  const queues = Array.from({ length: queueCount }, (_, i) => i);
  const priorities = queues.map(
    (i) => `prio${i}(p) AS (
      SELECT (SELECT priority FROM {wf} WHERE queue = :q${i} AND next_at IS NOT NULL ORDER BY priority DESC LIMIT 1)
      UNION ALL
      SELECT (SELECT priority FROM {wf} WHERE queue = :q${i} AND next_at IS NOT NULL AND priority < prio${i}.p ORDER BY priority DESC LIMIT 1)
        FROM prio${i} WHERE prio${i}.p IS NOT NULL
    )`,
  );
  const perQueue = queues.map(
    (i) => `(SELECT d.* FROM prio${i} CROSS JOIN LATERAL (
        SELECT id, status, next_at, started_at, priority FROM {wf}
         WHERE queue = :q${i} AND priority = prio${i}.p AND next_at <= greatest(:now::bigint, {now_db})
           AND (CASE WHEN status = 'running' THEN next_at <= {now_db} ELSE next_at <= :now::bigint END)
           AND name = ANY(:names::text[])${which} AND ${VERSION_FILTER}
         ORDER BY next_at
         LIMIT :limit
         FOR UPDATE SKIP LOCKED
      ) d WHERE prio${i}.p IS NOT NULL LIMIT :limit)`,
  );
  // One queue: rows come out in claim order already (priorities descending, then next_at), and are read lazily.
  const due = queueCount === 1 ? perQueue[0]! : `${perQueue.join('\n      UNION ALL\n      ')}\n      ORDER BY priority DESC, next_at LIMIT :limit`;
  return `
  WITH RECURSIVE ${priorities.join(', ')},
  due AS (
      ${due}
  ${claimTail()}`;
}

/** Statement texts by number of queues and kind of start, made once each. */
const CLAIM = new Map<string, string>();
const claimText = (queueCount: number, starts: Starts) => {
  const key = `${queueCount}:${starts}`;
  let text = CLAIM.get(key);
  if (text === undefined) CLAIM.set(key, (text = claimSql(queueCount, starts)));
  return text;
};

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
  trx?: pg.ClientBase,
  starts: Starts = 'any',
): Promise<Array<ClaimedWorkflow & { firstStart: boolean }>> {
  if (limit <= 0) return [];
  const { owner, names, leaseMs, now } = request;
  const bindings: Record<string, unknown> = { names, now, limit, owner, leaseMs, versions: request.versions ?? null };
  queues.forEach((queue, i) => (bindings[`q${i}`] = queue));
  const rows = await database.rows<ClaimRow>(claimText(queues.length, starts), bindings, trx);
  // In claim order: an UPDATE returns its rows in no particular order.
  rows.sort((a, b) => b.priority - a.priority || Number(a.due_at) - Number(b.due_at));
  return rows.map(toClaimed);
}

/**
 * A queue with shared limits is claimed under a transaction-scoped advisory lock on the queue, so workers
 * count running workflows (per key too) and recent starts and claim within the limits one at a time.
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
      // Windows on the database clock, as leases are: a worker with a fast clock must not admit extra starts.
      await database.rows('DELETE FROM {queue_starts} WHERE queue = ? AND at <= {now_db} - ?::bigint', [queue, limit.rateLimit.perMs], trx);
      const [row] = await database.rows<{ starts: number }>('SELECT count(*)::int AS starts FROM {queue_starts} WHERE queue = ? AND at > {now_db} - ?::bigint', [queue, limit.rateLimit.perMs], trx);
      newStarts = limit.rateLimit.max - row!.starts;
    }
    // Workflows that started already are not held to the rate: they take the room first.
    const take = (count: number, starts: Starts) =>
      limit.perKey ? claimFair(database, request, queue, limit.perKey, count, trx, starts) : claimFrom(database, request, [queue], count, trx, starts);
    const resumed = await take(room, limit.rateLimit ? 'resumed' : 'any');
    const first = limit.rateLimit ? await take(Math.min(room - resumed.length, newStarts), 'first') : [];
    if (first.length > 0) {
      await database.rows('INSERT INTO {queue_starts} (queue, at) SELECT ?, {now_db} FROM generate_series(1, ?)', [queue, first.length], trx);
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
    `SELECT min(m.next_at) AS at FROM unnest(:queues::text[]) AS q(queue)
     CROSS JOIN LATERAL (
       SELECT w.next_at FROM {wf} w
        WHERE w.queue = q.queue AND w.next_at IS NOT NULL AND w.status IN ('pending', 'sleeping', 'running') AND w.name = ANY(:names::text[])
          AND ${VERSION_FILTER}
        ORDER BY w.next_at LIMIT 1
     ) m`,
    { queues: filter.queues, names: filter.names, versions: filter.versions ?? null },
  );
  return row?.at == null ? null : Number(row.at);
}
