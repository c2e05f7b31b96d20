import type { WorkflowRecord, WorkflowStatus } from '../../foundation/types.js';
import type { WorkflowRef, WorkflowSelection } from '../../storage/workflow-selection.js';
import { cancelWorkflow } from './cancel-retry.js';
import { UNFINISHED, type MemoryStore } from './memory-store.js';
import { compare } from './read-create.js';

/** Whether a workflow matches a bulk operation's selection. */
function matches(r: WorkflowRecord, s: WorkflowSelection): boolean {
  return (
    s.statuses.includes(r.status) &&
    (s.name === undefined || r.name === s.name) &&
    (s.queue === undefined || r.queue === s.queue) &&
    (s.createdBefore === undefined || r.createdAt < s.createdBefore) &&
    (s.concurrencyKey === undefined || r.concurrencyKey === s.concurrencyKey) &&
    (s.ids === undefined || s.ids.includes(r.id))
  );
}

/** Oldest first, ties by id, after the cursor; a scan is fine in memory (the SQL adapters use indexes). */
export function selectWorkflows(store: MemoryStore, selection: WorkflowSelection, after: WorkflowRef | null, limit: number): WorkflowRef[] {
  return [...store.workflows.values()]
    .filter((r) => matches(r, selection) && (after === null || r.createdAt > after.createdAt || (r.createdAt === after.createdAt && compare(r.id, after.id) > 0)))
    .sort((a, b) => a.createdAt - b.createdAt || compare(a.id, b.id))
    .slice(0, limit)
    .map((r) => ({ id: r.id, createdAt: r.createdAt }));
}

export function countWorkflows(store: MemoryStore, selection: WorkflowSelection): number {
  let count = 0;
  for (const r of store.workflows.values()) if (matches(r, selection)) count++;
  return count;
}

/** Each as `cancelWorkflow`, atomically (as every memory operation is). */
export function cancelWorkflows(store: MemoryStore, ids: readonly string[], statuses: readonly WorkflowStatus[], now: number): string[] {
  const cancelled: string[] = [];
  for (const id of new Set(ids)) {
    const r = store.workflows.get(id);
    if (!r || !statuses.includes(r.status) || !UNFINISHED.includes(r.status)) continue;
    cancelWorkflow(store, id, now);
    cancelled.push(id);
  }
  return cancelled;
}

export function purgeWorkflows(store: MemoryStore, ids: readonly string[], statuses: readonly WorkflowStatus[]): number {
  let deleted = 0;
  for (const id of new Set(ids)) {
    const r = store.workflows.get(id);
    if (!r || !statuses.includes(r.status) || UNFINISHED.includes(r.status)) continue;
    const parent = r.parentId === null ? undefined : store.workflows.get(r.parentId);
    if (parent && UNFINISHED.includes(parent.status)) continue;
    store.delete(id);
    deleted++;
  }
  return deleted;
}
