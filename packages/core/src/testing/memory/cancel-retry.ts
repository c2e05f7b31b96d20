import type { WorkflowRecord } from '../../foundation/types.js';
import { copyWorkflow, UNFINISHED, type MemoryStore } from './memory-store.js';

/**
 * Cancels an unfinished workflow and its unfinished descendants; epochs move on so a running execution's
 * next write is refused. The root keeps `reason` as its error; its parent is woken.
 */
export function cancelWorkflow(store: MemoryStore, id: string, now: number, reason?: string): WorkflowRecord | undefined {
  const root = store.workflows.get(id);
  if (!root) return undefined;
  const children = new Map<string, string[]>();
  for (const r of store.workflows.values()) {
    if (r.parentId !== null) children.set(r.parentId, [...(children.get(r.parentId) ?? []), r.id]);
  }
  // The whole tree under the root is searched, through finished workflows too, as the SQL adapters do.
  const tree: string[] = [];
  const seen = new Set<string>();
  const queue = [id];
  while (queue.length > 0) {
    const next = queue.shift()!;
    if (seen.has(next)) continue;
    seen.add(next);
    tree.push(next);
    queue.push(...(children.get(next) ?? []));
  }
  let rootCancelled = false;
  for (const target of tree) {
    const r = store.workflows.get(target)!;
    if (!UNFINISHED.includes(r.status)) continue;
    r.status = 'cancelled';
    r.error = target === id ? (reason ?? null) : null;
    r.nextAt = null;
    r.leaseOwner = null;
    r.leaseEpoch += 1;
    r.finishedAt = now;
    r.updatedAt = now;
    store.event(target, 'cancelled', null, target === id ? null : JSON.stringify({ by: id }), now);
    if (target === id) rootCancelled = true;
  }
  if (rootCancelled) store.wakeParent(id, now);
  return copyWorkflow(root);
}

/** Makes a failed workflow pending again, discarding only the checkpoint of the step that failed it. */
export function retryWorkflow(store: MemoryStore, id: string, now: number): WorkflowRecord | undefined {
  const r = store.workflows.get(id);
  if (!r || r.status !== 'failed') return r && copyWorkflow(r);
  const failed = [...(store.events.get(id) ?? [])].reverse().find((e) => e.type === 'failed');
  const discarded = failed?.seq ?? null;
  if (discarded !== null) store.steps.get(id)?.delete(discarded);
  r.status = 'pending';
  r.nextAt = now;
  r.error = null;
  r.finishedAt = null;
  r.recoveryAttempts = 0;
  r.updatedAt = now;
  store.enterKey(r);
  store.event(id, 'retried', discarded, JSON.stringify({ discardedStep: discarded }), now);
  store.announce(now);
  return copyWorkflow(r);
}
