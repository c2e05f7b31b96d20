import { fairKeysVisited, NO_KEY, planFairClaim, type FairKey } from '../../storage/fair-claim.js';
import type { ClaimRequest, QueueLimit } from '../../storage/storage-adapter.js';
import type { WorkflowRecord } from '../../foundation/types.js';
import { UNFINISHED, type MemoryStore } from './memory-store.js';

/** Which rows a claim may take: first starts (held to a rate limit), resumed ones, or any. */
export type Starts = 'first' | 'resumed' | 'any';

/**
 * Marks the queue as claimed by a perKey worker (as the SQL adapters' fair_queues): its unfinished rows
 * without a key get the key '', and every key with unfinished rows enters the ring, oldest first.
 */
function mark(store: MemoryStore, queue: string): Map<string, { turn: number; seq: number }> {
  let ring = store.fairQueues.get(queue);
  if (ring) return ring;
  store.fairQueues.set(queue, (ring = new Map()));
  const first = new Map<string, number>();
  for (const r of store.workflows.values()) {
    if (r.queue !== queue || !UNFINISHED.includes(r.status)) continue;
    r.concurrencyKey ??= NO_KEY;
    first.set(r.concurrencyKey, Math.min(first.get(r.concurrencyKey) ?? Infinity, r.createdAt));
  }
  const keys = [...first].sort(([a, x], [b, y]) => x - y || compare(a, b));
  keys.forEach(([key], i) => ring.set(key, { turn: i + 1, seq: 0 }));
  return ring;
}

/**
 * The rows a fair claim takes from `queue`, as the SQL adapters choose them (see storage/fair-claim.ts):
 * the first keys of the ring, each with the room its cap leaves and its head due rows, then round-robin.
 * `due` is every row the claim's filter allows (due, name, version), in claim order.
 */
export function fairRows(
  store: MemoryStore,
  request: ClaimRequest,
  queue: string,
  limit: QueueLimit,
  count: number,
  due: readonly WorkflowRecord[],
  starts: Starts,
): WorkflowRecord[] {
  if (count <= 0) return [];
  const ring = mark(store, queue);
  const { now } = request;
  const visited = [...ring.entries()].sort(([a, x], [b, y]) => x.turn - y.turn || compare(a, b)).slice(0, fairKeysVisited(count));
  const keys: Array<FairKey<WorkflowRecord>> = visited.map(([key, { seq }]) => {
    let room = count;
    if (limit.perKey?.concurrency !== undefined) {
      let running = 0;
      for (const w of store.workflows.values()) if (w.queue === queue && w.concurrencyKey === key && w.status === 'running' && w.nextAt! > now) running++;
      room = Math.min(count, Math.max(0, limit.perKey.concurrency - running));
    }
    const rows = due
      .filter((r) => r.queue === queue && r.concurrencyKey === key && (starts === 'any' || (starts === 'first') === (r.startedAt === null)))
      .slice(0, room);
    return { key, seq: 0, room, rows };
  });
  const plan = planFairClaim(keys, count);
  for (const { key } of plan.empty) {
    const left = [...store.workflows.values()].some((w) => w.queue === queue && w.concurrencyKey === key && UNFINISHED.includes(w.status));
    if (!left) ring.delete(key);
  }
  let top = Math.max(0, ...[...ring.values()].map((e) => e.turn));
  for (const key of plan.moved) {
    const entry = ring.get(key);
    if (entry) entry.turn = ++top;
  }
  return plan.take;
}

/** Keys in the databases' order of text (byte order, as PostgreSQL's C collation and SQLite compare). */
const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
