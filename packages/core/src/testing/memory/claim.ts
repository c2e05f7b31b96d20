import type { ClaimedWorkflow, ClaimFilter, ClaimRequest, Lease, QueueLimit } from '../../storage/storage-adapter.js';
import type { WorkflowRecord } from '../../foundation/types.js';
import { UNFINISHED, type MemoryStore } from './memory-store.js';
import { fairRows } from './claim-fair.js';

function claimable(r: WorkflowRecord, filter: ClaimFilter): boolean {
  return (
    UNFINISHED.includes(r.status) &&
    filter.queues.includes(r.queue) &&
    filter.names.includes(r.name) &&
    (filter.versions === undefined || r.version === null || filter.versions.includes(r.version))
  );
}

/**
 * Claims due workflows, highest priority first, then earliest due (then oldest, for a stable order); an
 * expired lease (judged by `now`) is recovered. Queue limits skip rows their queue has no room for (its
 * `max` for this request, its `concurrency` across workers, its `rateLimit` of first starts).
 */
export function claim(store: MemoryStore, request: ClaimRequest): ClaimedWorkflow[] {
  const { owner, limit, leaseMs, now, queueLimits } = request;
  store.claimers.set(owner, { queues: [...request.queues], names: [...request.names] });
  const due = [...store.workflows.values()]
    .filter((r) => claimable(r, request) && r.nextAt !== null && r.nextAt <= now)
    .sort((a, b) => b.priority - a.priority || a.nextAt! - b.nextAt! || a.createdAt - b.createdAt);
  const claimed: ClaimedWorkflow[] = [];
  for (const queue of request.queues) {
    const queueLimit = queueLimits?.[queue];
    if (!queueLimit?.perKey) continue;
    for (const r of fairClaim(store, request, queue, queueLimit, limit - claimed.length, due)) claimed.push(take(store, r, owner, leaseMs, now));
  }
  const perQueue = new Map<string, number>();
  for (const r of due) {
    if (claimed.length >= limit) break;
    const queueLimit = queueLimits?.[r.queue];
    if (queueLimit?.perKey) continue;
    const taken = perQueue.get(r.queue) ?? 0;
    if (queueLimit && ((queueLimit.max !== undefined && taken >= queueLimit.max) || !hasRoom(store, r, queueLimit, now))) continue;
    perQueue.set(r.queue, taken + 1);
    claimed.push(take(store, r, owner, leaseMs, now));
  }
  return claimed;
}

/**
 * A fair claim from a queue with perKey: its room (this request's cap, the queue's concurrency) and, with a
 * rate limit, first starts after resumed ones within the rate, as the SQL adapters do; rows round-robin by key.
 */
function fairClaim(store: MemoryStore, request: ClaimRequest, queue: string, limit: QueueLimit, count: number, due: WorkflowRecord[]): WorkflowRecord[] {
  const { now } = request;
  let room = Math.min(count, limit.max ?? Infinity);
  if (limit.concurrency !== undefined) {
    let running = 0;
    for (const w of store.workflows.values()) if (w.queue === queue && w.status === 'running' && w.nextAt! > now) running++;
    room = Math.min(room, limit.concurrency - running);
  }
  if (!limit.rateLimit) return fairRows(store, request, queue, limit, room, due, 'any');
  const resumed = fairRows(store, request, queue, limit, room, due, 'resumed');
  const { max, perMs } = limit.rateLimit;
  const recent = (store.starts.get(queue) ?? []).filter((at) => at > now - perMs).length;
  return [...resumed, ...fairRows(store, request, queue, limit, Math.min(room - resumed.length, max - recent), due, 'first')];
}

/** Takes the lease of a due row and returns it claimed. */
function take(store: MemoryStore, r: WorkflowRecord, owner: string, leaseMs: number, now: number): ClaimedWorkflow {
  const before = r.status;
  const previousOwner = r.leaseOwner;
  const dueAt = r.nextAt!;
  if (r.startedAt === null) store.starts.set(r.queue, [...(store.starts.get(r.queue) ?? []), now]);
  r.status = 'running';
  r.leaseOwner = owner;
  r.leaseEpoch += 1;
  r.nextAt = now + leaseMs;
  r.attempts += 1;
  // Taking back our own expired lease (a stall, a storage outage) is not a crash.
  if (before === 'running' && previousOwner !== owner) r.recoveryAttempts += 1;
  r.startedAt ??= now;
  r.updatedAt = now;
  // 'recovered' is a claim after the previous owner's lease expired; 'woke' a claim of a sleeping workflow.
  const type = before === 'running' ? 'recovered' : before === 'sleeping' ? 'woke' : 'claimed';
  store.event(r.id, type, null, JSON.stringify({ owner, epoch: r.leaseEpoch }), now);
  return { id: r.id, name: r.name, kind: r.kind, queue: r.queue, epoch: r.leaseEpoch, attempts: r.attempts, recoveryAttempts: r.recoveryAttempts, dueAt };
}

/**
 * Whether the queue of `r` may take it now: fewer than `concurrency` of its workflows running, and, for a
 * first start, fewer than `rateLimit.max` starts in the last `rateLimit.perMs`. A recovery (the row is
 * running already) takes no new room.
 */
function hasRoom(store: MemoryStore, r: WorkflowRecord, limit: QueueLimit, now: number): boolean {
  if (r.status === 'running') return true;
  if (limit.concurrency !== undefined) {
    let running = 0;
    for (const w of store.workflows.values()) if (w.queue === r.queue && w.status === 'running' && w.nextAt! > now) running++;
    if (running >= limit.concurrency) return false;
  }
  if (limit.rateLimit && r.startedAt === null) {
    const { max, perMs } = limit.rateLimit;
    const recent = (store.starts.get(r.queue) ?? []).filter((at) => at > now - perMs).length;
    if (recent >= max) return false;
  }
  return true;
}

/** The earliest `next_at` among rows `claim` could take with the same filter (a running row's lease expiry included). */
export function nextDueAt(store: MemoryStore, filter: ClaimFilter): number | null {
  let next: number | null = null;
  for (const r of store.workflows.values()) {
    if (claimable(r, filter) && r.nextAt !== null && (next === null || r.nextAt < next)) next = r.nextAt;
  }
  return next;
}

/** Extends held leases to `now + leaseMs`; returns the ids whose lease is gone. */
export function renewLeases(store: MemoryStore, leases: Lease[], leaseMs: number, now: number): string[] {
  const lost: string[] = [];
  for (const lease of leases) {
    const r = store.workflows.get(lease.workflowId);
    if (r && r.status === 'running' && r.leaseOwner === lease.owner && r.leaseEpoch === lease.epoch) {
      r.nextAt = now + leaseMs;
      r.updatedAt = now;
    } else {
      lost.push(lease.workflowId);
    }
  }
  return lost;
}
