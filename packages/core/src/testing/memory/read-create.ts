import type { CreatedWorkflow, CreateWorkflowResult, NewWorkflow, PurgeRequest, WorkflowStats } from '../../storage/storage-adapter.js';
import type { EventRecord, ListWorkflowsFilter, WorkflowRecord, WorkflowStatus } from '../../foundation/types.js';
import { copyWorkflow, toEvent, UNFINISHED, type MemoryStore } from './memory-store.js';

/**
 * Inserts the workflow unless its id exists (idempotent start) or, with a dedupe key, a pending workflow of
 * the same name and key exists (which, with debounce, takes the new arguments and start time).
 */
/** Many starts at once (atomically, as every memory operation is), each as `createWorkflow`. */
export function createWorkflows(store: MemoryStore, inputs: readonly NewWorkflow[]): CreatedWorkflow[] {
  return inputs.map((w) => {
    const { created, record } = createWorkflow(store, w);
    return { created, id: record.id, name: record.name };
  });
}

export function createWorkflow(store: MemoryStore, w: NewWorkflow): CreateWorkflowResult {
  if (w.parentLease) {
    const parent = store.fence(w.parentLease, w.now);
    // Without a key of its own a child takes its parent's (a tenant's children count as the tenant's).
    if (w.concurrencyKey == null) w = { ...w, concurrencyKey: parent.concurrencyKey || null };
  }
  const existing = store.workflows.get(w.id);
  if (existing) return { created: false, record: copyWorkflow(existing) };
  if (w.dedupeKey != null) {
    const pending = [...store.workflows.values()].find((r) => r.name === w.name && r.dedupeKey === w.dedupeKey && r.status === 'pending');
    if (pending && w.debounce) {
      pending.args = w.args;
      pending.nextAt = w.nextAt;
      pending.updatedAt = w.now;
      store.event(pending.id, 'debounced', null, JSON.stringify({ startAt: w.nextAt }), w.now);
      store.announce(w.nextAt);
    }
    if (pending) return { created: false, record: copyWorkflow(pending) };
  }
  const claimFor = w.dedupeKey == null && !w.parentLease ? w.claimFor : undefined;
  const record: WorkflowRecord = {
    id: w.id,
    name: w.name,
    kind: w.kind,
    version: w.version,
    queue: w.queue,
    priority: w.priority,
    status: claimFor ? 'running' : 'pending',
    args: w.args,
    output: null,
    error: null,
    parentId: w.parentId,
    nextAt: claimFor ? w.now + claimFor.leaseMs : w.nextAt,
    deadlineAt: w.deadlineAt,
    dedupeKey: w.dedupeKey ?? null,
    concurrencyKey: w.concurrencyKey ?? null,
    leaseOwner: claimFor?.owner ?? null,
    leaseEpoch: claimFor ? 1 : 0,
    attempts: claimFor ? 1 : 0,
    recoveryAttempts: 0,
    createdAt: w.now,
    updatedAt: w.now,
    startedAt: claimFor ? w.now : null,
    finishedAt: null,
  };
  store.workflows.set(w.id, record);
  store.enterKey(record);
  store.event(w.id, 'created', null, JSON.stringify({ name: w.name, queue: w.queue, startAt: w.nextAt }), w.now);
  if (claimFor) store.event(w.id, 'claimed', null, JSON.stringify({ owner: claimFor.owner, epoch: 1 }), w.now);
  else store.announce(w.nextAt);
  return { created: true, record: copyWorkflow(record) };
}

export function getWorkflow(store: MemoryStore, id: string): WorkflowRecord | undefined {
  const record = store.workflows.get(id);
  return record && copyWorkflow(record);
}

/** Newest first (ties by id), after the cursor if one is given, at most `limit` (default 100). */
export function listWorkflows(store: MemoryStore, filter: ListWorkflowsFilter): WorkflowRecord[] {
  const statuses = filter.status === undefined ? [] : [filter.status].flat();
  const { after } = filter;
  const matches = [...store.workflows.values()].filter(
    (r) =>
      (statuses.length === 0 || statuses.includes(r.status)) &&
      (filter.name === undefined || r.name === filter.name) &&
      (filter.queue === undefined || r.queue === filter.queue) &&
      (after === undefined || r.createdAt < after.createdAt || (r.createdAt === after.createdAt && compare(r.id, after.id) > 0)),
  );
  matches.sort((a, b) => b.createdAt - a.createdAt || compare(a.id, b.id));
  return matches.slice(0, filter.limit ?? 100).map(copyWorkflow);
}

export function history(store: MemoryStore, workflowId: string): EventRecord[] {
  return (store.events.get(workflowId) ?? []).map(toEvent);
}

export function unfinishedNames(store: MemoryStore): string[] {
  const names = new Set<string>();
  for (const r of store.workflows.values()) if (UNFINISHED.includes(r.status)) names.add(r.name);
  return [...names];
}

export function stats(store: MemoryStore, now: number): WorkflowStats {
  const counts = new Map<string, { queue: string; status: WorkflowStatus; count: number }>();
  const due = new Map<string, { queue: string; count: number }>();
  for (const r of store.workflows.values()) {
    const key = `${r.queue}\u0000${r.status}`;
    const row = counts.get(key) ?? { queue: r.queue, status: r.status, count: 0 };
    row.count++;
    counts.set(key, row);
    if ((r.status === 'pending' || r.status === 'sleeping') && r.nextAt !== null && r.nextAt <= now) {
      const dueRow = due.get(r.queue) ?? { queue: r.queue, count: 0 };
      dueRow.count++;
      due.set(r.queue, dueRow);
    }
  }
  return {
    counts: [...counts.values()].sort((a, b) => compare(a.queue, b.queue) || compare(a.status, b.status)),
    due: [...due.values()].sort((a, b) => compare(a.queue, b.queue)),
  };
}

/** Deletes the oldest finished workflows matching the request whose parent is finished (or absent). */
export function purge(store: MemoryStore, request: PurgeRequest): number {
  const doomed = [...store.workflows.values()]
    .filter((r) => {
      if (!request.statuses.includes(r.status) || r.finishedAt === null || r.finishedAt >= request.finishedBefore) return false;
      const parent = r.parentId === null ? undefined : store.workflows.get(r.parentId);
      return !parent || !UNFINISHED.includes(parent.status);
    })
    .sort((a, b) => a.finishedAt! - b.finishedAt!)
    .slice(0, request.limit);
  for (const r of doomed) store.delete(r.id);
  return doomed.length;
}

/** Code-unit order, as SQL's binary collation sorts text. */
export function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
