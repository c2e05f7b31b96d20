/**
 * Fair claims (a queue with `perKey`), the part every adapter shares. Each queue has a ring of its keys with
 * unfinished rows, in `turn` order. A claim visits the first `fairKeysVisited(limit)` keys of the ring (an
 * index range, not a scan of every key), reads for each its head due rows (priority, then due time; at most
 * the room its per-key cap leaves), and `planFairClaim` picks from them round-robin. Keys served, and keys with
 * nothing to claim now, go to the back of the ring; keys that had rows but were not reached keep their place.
 */

/** The key of rows stored without one in a queue with perKey: one key of their own. */
export const NO_KEY = '';

/** Keys a claim of `limit` rows visits: enough to step over keys at their cap or with nothing due. */
export const fairKeysVisited = (limit: number) => Math.max(32, 2 * limit);

/** A visited key: its place-holder `seq` (see the adapters' `queue_keys`), its room, its head due rows. */
export interface FairKey<T> {
  key: string;
  seq: number;
  /** Rows it may start now: its cap minus its rows running under a live lease, at most the claim's limit. */
  room: number;
  /** Its head due rows, in claim order, at most `room`. */
  rows: T[];
}

export interface FairPlan<T> {
  /** The rows to claim: one per key in ring order, then a second per key, ... up to `limit`. */
  take: T[];
  /** Keys to move to the back of the ring, in this order: the ones served and the ones with nothing to claim. */
  moved: string[];
  /** Keys with room and no due row: deleted from the ring if they have no unfinished row left (and `seq` is unchanged). */
  empty: Array<{ key: string; seq: number }>;
}

export function planFairClaim<T>(keys: ReadonlyArray<FairKey<T>>, limit: number): FairPlan<T> {
  const take: T[] = [];
  const served = new Set<string>();
  for (let round = 0; take.length < limit; round++) {
    let any = false;
    for (const key of keys) {
      const row = key.rows[round];
      if (row === undefined) continue;
      any = true;
      take.push(row);
      served.add(key.key);
      if (take.length >= limit) break;
    }
    if (!any) break;
  }
  const empty = keys.filter((key) => key.room > 0 && key.rows.length === 0).map(({ key, seq }) => ({ key, seq }));
  const moved = keys.filter((key) => served.has(key.key) || key.rows.length === 0).map((key) => key.key);
  return { take, moved, empty };
}
