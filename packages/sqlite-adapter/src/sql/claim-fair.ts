import { fairKeysVisited, planFairClaim, type ClaimFilter, type FairKey } from '@steadfast/core/adapter';
import type { SqliteDatabase } from '../sqlite-database.js';
import { startsFilter, VERSION_FILTER, versionsJson, type DueRow, type Starts } from './claim-filter.js';

/**
 * Marks the queue as claimed by a perKey worker (see PostgreSQL's claim-fair): its unfinished rows without a
 * key get the key '', and every key with unfinished rows enters the ring, oldest first. SQLite has one writer,
 * so no create can come between: marked once.
 */
function mark(database: SqliteDatabase, queue: string): void {
  let queues = marked.get(database);
  if (!queues) marked.set(database, (queues = new Set()));
  if (queues.has(queue)) return;
  const added = database.sql('INSERT INTO {p}fair_queues (queue) VALUES (?) ON CONFLICT DO NOTHING').run(queue);
  // Remembered once seen committed (by a later claim's transaction): a claim that marks may still roll back.
  if (added.changes === 0) return void queues.add(queue);
  database.sql("UPDATE {p}workflows SET concurrency_key = '' WHERE queue = ? AND concurrency_key IS NULL AND status IN ('pending', 'sleeping', 'running')").run(queue);
  database
    .sql(
      `INSERT INTO {p}queue_keys (queue, key, turn)
       SELECT queue, concurrency_key, COALESCE((SELECT MAX(turn) FROM {p}queue_keys WHERE queue = @queue), 0) + row_number() OVER (ORDER BY MIN(created_at), concurrency_key)
         FROM {p}workflows WHERE queue = @queue AND concurrency_key IS NOT NULL AND status IN ('pending', 'sleeping', 'running')
        GROUP BY queue, concurrency_key
       ON CONFLICT (queue, key) DO NOTHING`,
    )
    .run({ queue });
}

/** Queues this connection has marked (a mark is never removed, so once per connection is enough). */
const marked = new WeakMap<SqliteDatabase, Set<string>>();

const RING = 'SELECT key, seq FROM {p}queue_keys WHERE queue = ? ORDER BY turn, key LIMIT ?';
const RUNNING = "SELECT COUNT(*) AS running FROM {p}workflows INDEXED BY {p}workflows_key_running WHERE queue = ? AND concurrency_key = ? AND status = 'running' AND next_at > ?";
/** The head due rows of one key, in claim order, from the keyed claim-order index. */
function headsSql(starts: Starts): string {
  const which = startsFilter(starts);
  return `SELECT id, status, next_at, started_at, lease_owner, priority FROM {p}workflows INDEXED BY {p}workflows_key_due
     WHERE queue = @queue AND concurrency_key = @key AND status IN ('pending', 'sleeping', 'running') AND next_at <= @now
       AND name IN (SELECT value FROM json_each(@names))${which} AND ${VERSION_FILTER}
     ORDER BY priority DESC, next_at LIMIT @limit`;
}
const HEADS = { first: headsSql('first'), resumed: headsSql('resumed'), any: headsSql('any') };
const UNFINISHED = "SELECT 1 FROM {p}workflows INDEXED BY {p}workflows_key_due WHERE queue = ? AND concurrency_key = ? AND status IN ('pending', 'sleeping', 'running') LIMIT 1";

/**
 * The rows a fair claim of a queue with perKey takes, round-robin across the first keys of its ring (see
 * `planFairClaim`), each key held to its cap; the ring's turns are moved and its empty keys deleted. Runs in
 * the claim's write transaction, so counts and turns cannot race another worker.
 */
export function fairDueRows(
  database: SqliteDatabase,
  filter: ClaimFilter,
  queue: string,
  perKey: { concurrency?: number },
  limit: number,
  starts: Starts,
): DueRow[] {
  if (limit <= 0) return [];
  mark(database, queue);
  const { now } = filter;
  const names = JSON.stringify(filter.names);
  const versions = versionsJson(filter);
  const ring = database.sql(RING).all(queue, fairKeysVisited(limit)) as Array<{ key: string; seq: number }>;
  const keys: Array<FairKey<DueRow>> = ring.map(({ key, seq }) => {
    let room = limit;
    if (perKey.concurrency !== undefined) {
      const { running } = database.sql(RUNNING).get(queue, key, now) as { running: number };
      room = Math.min(limit, Math.max(0, perKey.concurrency - running));
    }
    const rows = room === 0 ? [] : (database.sql(HEADS[starts]).all({ queue, key, now, names, versions, limit: room }) as DueRow[]);
    return { key, seq, room, rows };
  });
  const plan = planFairClaim(keys, limit);
  const deleted = new Set<string>();
  for (const { key } of plan.empty) {
    if (database.sql(UNFINISHED).get(queue, key) !== undefined) continue;
    database.sql('DELETE FROM {p}queue_keys WHERE queue = ? AND key = ?').run(queue, key);
    deleted.add(key);
  }
  let { top } = database.sql('SELECT COALESCE(MAX(turn), 0) AS top FROM {p}queue_keys WHERE queue = ?').get(queue) as { top: number };
  for (const key of plan.moved) {
    if (!deleted.has(key)) database.sql('UPDATE {p}queue_keys SET turn = ? WHERE queue = ? AND key = ?').run(++top, queue, key);
  }
  return plan.take;
}
