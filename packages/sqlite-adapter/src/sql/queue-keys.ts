import type { SqliteDatabase } from '../sqlite-database.js';

/**
 * The concurrency key a new row of `queue` is stored with, and whether the queue is claimed fairly (marked in
 * fair_queues by a perKey worker): there a row without a key gets the key '' (one key of its own) and its
 * key enters the queue's ring (`enterKey`). One primary-key read.
 */
export function keyFor(database: SqliteDatabase, queue: string, key: string | null | undefined): { key: string | null; fair: boolean } {
  const fair = database.sql('SELECT 1 FROM {p}fair_queues WHERE queue = ?').get(queue) !== undefined;
  return { key: key ?? (fair ? '' : null), fair };
}

/**
 * Enters a key in its queue's ring: a new key at the back (after the highest turn), a key there already keeps
 * its turn and has its `seq` bumped, so a claim that found it empty does not delete it (see claim-fair).
 */
export function enterKey(database: SqliteDatabase, queue: string, key: string): void {
  database
    .sql(
      `INSERT INTO {p}queue_keys (queue, key, turn, seq)
       VALUES (@queue, @key, COALESCE((SELECT MAX(turn) FROM {p}queue_keys WHERE queue = @queue), 0) + 1, 0)
       ON CONFLICT (queue, key) DO UPDATE SET seq = seq + 1`,
    )
    .run({ queue, key });
}
