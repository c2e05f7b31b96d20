/**
 * The concurrency key a new row is stored with: its own, or '' in a queue a perKey worker claims (marked in
 * fair_queues), where rows without a key form one key of their own. One primary-key probe per row.
 */
export const keyOf = (key: string, queue: string) => `coalesce(${key}, (SELECT ''::text FROM {fair_queues} f WHERE f.queue = ${queue}))`;

/**
 * A CTE that enters the keys of the rows `source` names (a CTE with `queue` and `concurrency_key` columns)
 * in the rings of keys of their queues, for queues a perKey worker claims (fair_queues): a new key at the back (after the highest turn), a key there already keeps
 * its turn and has its `seq` bumped, so a claim that found the key empty does not delete it (see claim-fair).
 * Rows without a key, and rows of other queues, touch nothing.
 */
export const enterKeys = (source: string) => `keys AS (
    INSERT INTO {queue_keys} AS qk (queue, key, turn, seq)
    SELECT DISTINCT ON (s.queue, s.concurrency_key) s.queue, s.concurrency_key,
           coalesce((SELECT max(m.turn) FROM {queue_keys} m WHERE m.queue = s.queue), 0) + 1, 0
      FROM ${source} s WHERE s.concurrency_key IS NOT NULL AND EXISTS (SELECT 1 FROM {fair_queues} f WHERE f.queue = s.queue)
    ON CONFLICT (queue, key) DO UPDATE SET seq = qk.seq + 1
  )`;
