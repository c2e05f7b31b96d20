import type pg from 'pg';
import { fairKeysVisited, planFairClaim, type ClaimedWorkflow, type ClaimRequest, type FairKey } from '@steadfast/core/adapter';
import { claimTail, toClaimed, VERSION_FILTER, type ClaimRow, type Starts } from './claim-common.js';
import type { PostgresDatabase } from '../postgres-database.js';

/**
 * Marks a queue as claimed by a perKey worker (fair_queues), so its new rows enter its ring of keys and rows
 * without a key are stored with the key ''; gives the unfinished rows stored before without a key the key ''
 * and enters every key with unfinished rows (at the back, oldest key first). A create whose statement began
 * before the mark committed can miss it: the mark is made again once, `REMARK_MS` later, to catch those.
 */
const MARK = `
  WITH mark AS (
    INSERT INTO {fair_queues} (queue) VALUES (:queue) ON CONFLICT DO NOTHING
  ), unkeyed AS (
    UPDATE {wf} SET concurrency_key = '' WHERE queue = :queue AND concurrency_key IS NULL AND status IN ('pending', 'sleeping', 'running')
    RETURNING queue, concurrency_key, created_at
  ), rows AS (
    SELECT queue, concurrency_key, min(created_at) AS first FROM (
      SELECT queue, concurrency_key, created_at FROM unkeyed
      UNION ALL
      SELECT queue, concurrency_key, created_at FROM {wf}
       WHERE queue = :queue AND concurrency_key IS NOT NULL AND status IN ('pending', 'sleeping', 'running')
    ) r GROUP BY queue, concurrency_key
  )
  INSERT INTO {queue_keys} (queue, key, turn)
  SELECT queue, concurrency_key, coalesce((SELECT max(turn) FROM {queue_keys} WHERE queue = :queue), 0)
         + row_number() OVER (ORDER BY first, concurrency_key)
    FROM rows
  ON CONFLICT (queue, key) DO NOTHING`;
const REMARK_MS = 10_000;

/**
 * The first keys of the ring, each with its room (the per-key cap less its rows running under a live lease:
 * one probe of the running-rows index) and its head due rows (priority, then due time) from the keyed
 * claim-order index, locked: one short index range per key, so the cost follows `:keys`, not the number of keys.
 */
function headsSql(starts: Starts): string {
  const which = starts === 'first' ? ' AND started_at IS NULL' : starts === 'resumed' ? ' AND started_at IS NOT NULL' : '';
  return `
  WITH k AS (
    SELECT key, seq, turn FROM {queue_keys} WHERE queue = :queue ORDER BY turn, key LIMIT :keys
  ), r AS (
    SELECT k.key, k.seq, k.turn,
           CASE WHEN :cap::int IS NULL THEN :limit::int ELSE least(:limit::int, greatest(0, :cap::int - (
             SELECT count(*)::int FROM {wf} w
              WHERE w.queue = :queue AND w.concurrency_key = k.key AND w.status = 'running' AND w.next_at > {now_db}))) END AS room
      FROM k
  )
  SELECT r.key, r.seq, r.room, d.id FROM r LEFT JOIN LATERAL (
    SELECT id, priority, next_at FROM {wf}
     WHERE queue = :queue AND concurrency_key = r.key AND status IN ('pending', 'sleeping', 'running')
       AND next_at <= greatest(:now::bigint, {now_db})
       AND (CASE WHEN status = 'running' THEN next_at <= {now_db} ELSE next_at <= :now::bigint END)
       AND name = ANY(:names::text[])${which} AND ${VERSION_FILTER}
     ORDER BY priority DESC, next_at
     LIMIT r.room
     FOR UPDATE SKIP LOCKED
  ) d ON true
  ORDER BY r.turn, r.key, d.priority DESC, d.next_at`;
}
const HEADS = { first: headsSql('first'), resumed: headsSql('resumed'), any: headsSql('any') };

/** Moves keys to the back of the ring, in the order given (after the highest turn). */
const MOVE_BACK_CTE = `moved AS (
    UPDATE {queue_keys} q SET turn = (SELECT max(turn) FROM {queue_keys} WHERE queue = :queue) + g.ord
      FROM unnest(:moved::text[]) WITH ORDINALITY AS g(key, ord)
     WHERE q.queue = :queue AND q.key = g.key
  )`;

/** The claim of the rows chosen, by id, with the move of the keys served (and stepped over) to the back. */
const CLAIM_IDS = `
  WITH due AS (
    SELECT id, status, next_at, started_at, priority FROM {wf} WHERE id = ANY(:ids::text[])
  ${claimTail(`, ${MOVE_BACK_CTE}`)}`;

/** Keys found empty leave the ring unless a row came for them since the ring was read (their `seq` moved on). */
const DELETE_EMPTY = `
  DELETE FROM {queue_keys} q USING unnest(:keys::text[], :seqs::bigint[]) AS e(key, seq)
   WHERE q.queue = :queue AND q.key = e.key AND q.seq = e.seq
     AND NOT EXISTS (SELECT 1 FROM {wf} w WHERE w.queue = :queue AND w.concurrency_key = e.key AND w.status IN ('pending', 'sleeping', 'running'))
  RETURNING q.key`;

const MOVE_BACK = `WITH ${MOVE_BACK_CTE} SELECT 1`;

const marked = new WeakMap<PostgresDatabase, Map<string, number>>();

/**
 * A claim on a queue with perKey, inside the queue's advisory-locked transaction (so per-key counts and the
 * ring's turns are read and written by one claimer at a time): up to `limit` rows round-robin across the
 * first keys of the ring (see `planFairClaim`), each key held to its cap.
 */
export async function claimFair(
  database: PostgresDatabase,
  request: ClaimRequest,
  queue: string,
  perKey: { concurrency?: number },
  limit: number,
  trx: pg.ClientBase,
  starts: Starts,
): Promise<Array<ClaimedWorkflow & { firstStart: boolean }>> {
  if (limit <= 0) return [];
  await mark(database, queue, request.now, trx);
  const { owner, names, leaseMs, now } = request;
  const heads = await database.rows<{ key: string; seq: string; room: number; id: string | null }>(
    HEADS[starts],
    { queue, keys: fairKeysVisited(limit), cap: perKey.concurrency ?? null, limit, now, names, versions: request.versions ?? null },
    trx,
  );
  const keys: Array<FairKey<string>> = [];
  for (const row of heads) {
    if (keys.at(-1)?.key !== row.key) keys.push({ key: row.key, seq: Number(row.seq), room: row.room, rows: [] });
    if (row.id !== null) keys.at(-1)!.rows.push(row.id);
  }
  const plan = planFairClaim(keys, limit);
  // Empty keys first: the ones deleted are not moved.
  const deleted = new Set(
    plan.empty.length === 0
      ? []
      : (await database.rows<{ key: string }>(DELETE_EMPTY, { queue, keys: plan.empty.map((e) => e.key), seqs: plan.empty.map((e) => e.seq) }, trx)).map((row) => row.key),
  );
  const moved = plan.moved.filter((key) => !deleted.has(key));
  let claimed: ClaimRow[] = [];
  if (plan.take.length > 0) claimed = await database.rows<ClaimRow>(CLAIM_IDS, { ids: plan.take, owner, leaseMs, now, queue, moved }, trx);
  else if (moved.length > 0) await database.rows(MOVE_BACK, { queue, moved }, trx);
  const order = new Map(plan.take.map((id, i) => [id, i]));
  return claimed.map(toClaimed).sort((a, b) => order.get(a.id)! - order.get(b.id)!);
}

async function mark(database: PostgresDatabase, queue: string, now: number, trx: pg.ClientBase): Promise<void> {
  let queues = marked.get(database);
  if (!queues) marked.set(database, (queues = new Map()));
  const at = queues.get(queue);
  if (at === Infinity || (at !== undefined && now < at + REMARK_MS)) return;
  await database.rows(MARK, { queue }, trx);
  queues.set(queue, at === undefined ? now : Infinity);
}
