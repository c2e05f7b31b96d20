import type { ClaimedWorkflow, ClaimFilter, ClaimRequest, QueueLimit, WorkflowKind } from '@steadfast/core/adapter';
import type { SqliteDatabase } from '../sqlite-database.js';
import { checkpoints } from './load-execution.js';
import { fairDueRows } from './claim-fair.js';
import { startsFilter, VERSION_FILTER, versionsJson, type DueRow, type Starts } from './claim-filter.js';

/**
 * The due rows of one queue at one priority, in due order, from the partial claim-order index: a range read
 * that stops at `limit`.
 */
function dueAt(starts: Starts): string {
  const which = startsFilter(starts);
  return `SELECT id, status, next_at, started_at, lease_owner, priority FROM {p}workflows INDEXED BY {p}workflows_due
     WHERE queue = @queue AND priority = @priority AND next_at IS NOT NULL AND next_at <= @now
       AND status IN ('pending', 'sleeping', 'running') AND name IN (SELECT value FROM json_each(@names))${which}
       AND ${VERSION_FILTER}
     ORDER BY next_at LIMIT @limit`;
}

/** The priorities of a queue's unfinished rows, highest first: one index probe each (a skip scan). */
const PRIORITIES = `
  WITH RECURSIVE prio(p) AS (
    SELECT (SELECT priority FROM {p}workflows INDEXED BY {p}workflows_due WHERE queue = @queue AND next_at IS NOT NULL ORDER BY priority DESC LIMIT 1)
    UNION ALL
    SELECT (SELECT priority FROM {p}workflows INDEXED BY {p}workflows_due WHERE queue = @queue AND next_at IS NOT NULL AND priority < prio.p ORDER BY priority DESC LIMIT 1)
      FROM prio WHERE prio.p IS NOT NULL
  )
  SELECT p FROM prio WHERE p IS NOT NULL`;

/**
 * The `limit` due rows a claim takes, highest priority first, then earliest due: per queue, per priority
 * (highest first) a range read, until `limit` rows are found; then the best of the queues'. Reads about
 * `limit` rows per queue, however large the backlog of due rows or of future ones.
 */
function dueRows(database: SqliteDatabase, filter: ClaimFilter, queues: readonly string[], limit: number, starts: Starts): DueRow[] {
  const candidates: DueRow[] = [];
  const { now } = filter;
  const namesJson = JSON.stringify(filter.names);
  const versions = versionsJson(filter);
  for (const queue of queues) {
    let found = 0;
    for (const { p: priority } of database.sql(PRIORITIES).all({ queue }) as Array<{ p: number }>) {
      const rows = database.sql(dueAt(starts)).all({ queue, priority, now, names: namesJson, versions, limit: limit - found }) as DueRow[];
      candidates.push(...rows);
      found += rows.length;
      if (found >= limit) break; // lower priorities of this queue cannot make the claim
    }
  }
  if (queues.length > 1) candidates.sort((a, b) => b.priority - a.priority || a.next_at - b.next_at);
  return candidates.slice(0, limit);
}

interface ClaimRow {
  id: string;
  name: string;
  kind: string;
  queue: string;
  lease_epoch: number;
  attempts: number;
  recovery_attempts: number;
  args: string;
  deadline_at: number | null;
}

/**
 * Claims due workflows, highest priority first, then earliest due; expired leases are recovered. A queue
 * with limits (shared concurrency, a rate limit, perKey fairness) is claimed on its own, up to what its limits allow now;
 * SQLite runs one writer at a time, so counting and claiming cannot race another worker.
 */
export function claim(database: SqliteDatabase, request: ClaimRequest): ClaimedWorkflow[] {
  const limits = request.queueLimits ?? {};
  return database.write(() => {
    const claimed: ClaimedWorkflow[] = [];
    let remaining = request.limit;
    for (const queue of request.queues.filter((q) => limits[q])) {
      if (remaining <= 0) break;
      const limit = limits[queue]!;
      const { room, starts } = allowance(database, queue, limit, request.now);
      // Workflows that started already are not held to the rate: they take the room first.
      const resumed = claimFrom(database, request, [queue], Math.min(remaining, room), limit.rateLimit ? 'resumed' : 'any', limit.perKey);
      const first = limit.rateLimit
        ? claimFrom(database, request, [queue], Math.min(remaining - resumed.length, room - resumed.length, starts), 'first', limit.perKey)
        : [];
      for (const _ of first) database.sql('INSERT INTO {p}queue_starts (queue, at) VALUES (?, ?)').run(queue, request.now);
      claimed.push(...[...resumed, ...first].map((row) => row.claimed));
      remaining -= resumed.length + first.length;
    }
    const unlimited = request.queues.filter((q) => !limits[q]);
    if (unlimited.length > 0 && remaining > 0) claimed.push(...claimFrom(database, request, unlimited, remaining).map((row) => row.claimed));
    return claimed;
  });
}

/** Room left in a limited queue (its shared concurrency, this request's cap) and new starts its rate allows now. */
function allowance(database: SqliteDatabase, queue: string, limit: QueueLimit, now: number): { room: number; starts: number } {
  let allowed = limit.max ?? Infinity;
  let starts = Infinity;
  if (limit.concurrency !== undefined) {
    // Only live leases hold room: a crashed worker's expired ones are claimable again.
    const { running } = database
      .sql("SELECT COUNT(*) AS running FROM {p}workflows WHERE queue = ? AND status = 'running' AND next_at > ?")
      .get(queue, now) as { running: number };
    allowed = Math.min(allowed, limit.concurrency - running);
  }
  if (limit.rateLimit) {
    const windowStart = now - limit.rateLimit.perMs;
    database.sql('DELETE FROM {p}queue_starts WHERE queue = ? AND at <= ?').run(queue, windowStart);
    const { recent } = database.sql('SELECT COUNT(*) AS recent FROM {p}queue_starts WHERE queue = ? AND at > ?').get(queue, windowStart) as { recent: number };
    starts = limit.rateLimit.max - recent;
  }
  return { room: Math.max(0, allowed), starts: Math.max(0, starts) };
}

function claimFrom(
  database: SqliteDatabase,
  request: ClaimRequest,
  queues: string[],
  limit: number,
  starts: Starts = 'any',
  perKey?: { concurrency?: number },
): Array<{ claimed: ClaimedWorkflow; firstStart: boolean }> {
  if (limit <= 0) return [];
  const { owner, leaseMs, now } = request;
  // A queue with perKey (claimed on its own): round-robin across its keys.
  const due = perKey ? fairDueRows(database, request, queues[0]!, perKey, limit, starts) : dueRows(database, request, queues, limit, starts);
  return due.map(({ id, status, next_at: dueAt, started_at: startedAt, lease_owner: previousOwner }) => {
    const recovered = status === 'running';
    // Taking back our own expired lease (a stall, a storage outage) is not a crash: it does not count
    // towards maxRecoveryAttempts.
    const crashed = recovered && previousOwner !== owner;
    const row = database
      .sql(
        `UPDATE {p}workflows SET status = 'running', lease_owner = @owner, lease_epoch = lease_epoch + 1, next_at = @leaseUntil,
           attempts = attempts + 1, recovery_attempts = recovery_attempts + @crashed, started_at = COALESCE(started_at, @now), updated_at = @now
         WHERE id = @id RETURNING id, name, kind, queue, lease_epoch, attempts, recovery_attempts, args, deadline_at`,
      )
      .get({ owner, leaseUntil: now + leaseMs, crashed: crashed ? 1 : 0, now, id }) as ClaimRow;
    // 'recovered' is a claim after the previous owner's lease expired; 'woke' a claim of a sleeping workflow.
    const type = recovered ? 'recovered' : status === 'sleeping' ? 'woke' : 'claimed';
    database.event(id, type, null, JSON.stringify({ owner, epoch: row.lease_epoch }), now);
    return {
      firstStart: startedAt === null,
      claimed: {
        id: row.id,
        name: row.name,
        kind: row.kind as WorkflowKind,
        queue: row.queue,
        epoch: row.lease_epoch,
        attempts: row.attempts,
        recoveryAttempts: row.recovery_attempts,
        dueAt,
        // What the execution needs, read here: a first start has no checkpoints yet.
        state: {
          args: row.args,
          deadlineAt: row.deadline_at,
          ...(startedAt === null ? { steps: [], retries: new Map() } : checkpoints(database, id)),
        },
      },
    };
  });
}

/** The earliest due time per queue, read in order from the (queue, next_at) index, then the minimum. */
export function nextDueAt(database: SqliteDatabase, filter: ClaimFilter): number | null {
  const row = database
    .sql(
      `SELECT MIN(m) AS at FROM (
         SELECT (SELECT next_at FROM {p}workflows w
                  WHERE w.queue = q.value AND w.next_at IS NOT NULL AND +w.status IN ('pending', 'sleeping', 'running')
                    AND w.name IN (SELECT value FROM json_each(@names)) AND ${VERSION_FILTER}
                  ORDER BY w.next_at LIMIT 1) AS m
           FROM json_each(@queues) q)`,
    )
    .get({ names: JSON.stringify(filter.names), queues: JSON.stringify(filter.queues), versions: versionsJson(filter) }) as { at: number | null };
  return row.at;
}

