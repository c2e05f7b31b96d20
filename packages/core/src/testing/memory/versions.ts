import type { CreateWorkflowResult, ForkRequest, SetVersionRequest, WorkerPresence } from '../../storage/storage-adapter.js';
import { copyStep, copyWorkflow, UNFINISHED, type MemoryStore } from './memory-store.js';
import { createWorkflow } from './read-create.js';

/** A new pending workflow with copies of the source's checkpoints before `fromStep` (see the contract). */
export function forkWorkflow(store: MemoryStore, request: ForkRequest): CreateWorkflowResult | undefined {
  const source = store.workflows.get(request.sourceId);
  if (!source) return undefined;
  const existing = store.workflows.get(request.id);
  if (existing) return { created: false, record: copyWorkflow(existing) };
  const { now } = request;
  createWorkflow(store, {
    id: request.id, name: source.name, kind: source.kind, version: request.version, queue: source.queue, priority: source.priority,
    args: source.args, parentId: null, nextAt: now, deadlineAt: request.deadlineAt, now, concurrencyKey: source.concurrencyKey || null,
  });
  // With checkpoints it continues a history: marked started, as a claim reads no checkpoints for a first start.
  if (request.fromStep > 0) store.workflows.get(request.id)!.startedAt = now;
  const created = store.events.get(request.id)!.at(-1)!;
  created.data = JSON.stringify({ ...JSON.parse(created.data!), forkedFrom: source.id, fromStep: request.fromStep });
  for (const step of store.steps.get(source.id)?.values() ?? []) {
    if (step.seq < request.fromStep) store.putStep({ ...copyStep(step), workflowId: request.id });
  }
  store.event(source.id, 'forked', request.fromStep, JSON.stringify({ to: request.id }), now);
  return { created: true, record: copyWorkflow(store.workflows.get(request.id)!) };
}

export function setVersion(store: MemoryStore, request: SetVersionRequest): string[] {
  const moved: string[] = [];
  for (const id of new Set(request.ids)) {
    const record = store.workflows.get(id);
    if (!record || !UNFINISHED.includes(record.status) || record.version !== request.from) continue;
    record.version = request.to;
    record.updatedAt = request.now;
    store.event(id, 'version_changed', null, JSON.stringify({ from: request.from, to: request.to }), request.now);
    moved.push(id);
  }
  return moved;
}

export function unfinishedVersions(store: MemoryStore): Array<{ queue: string; version: string | null; count: number }> {
  const counts = new Map<string, { queue: string; version: string | null; count: number }>();
  for (const r of store.workflows.values()) {
    if (!UNFINISHED.includes(r.status)) continue;
    const key = JSON.stringify([r.queue, r.version]);
    const entry = counts.get(key) ?? { queue: r.queue, version: r.version, count: 0 };
    entry.count++;
    counts.set(key, entry);
  }
  return [...counts.values()];
}

export function announceWorker(store: MemoryStore, worker: WorkerPresence): void {
  for (const [id, other] of store.workers) if (other.expiresAt < worker.seenAt) store.workers.delete(id);
  store.workers.set(worker.id, { ...worker, versions: worker.versions && [...worker.versions], queues: [...worker.queues] });
}

export function withdrawWorker(store: MemoryStore, id: string): void {
  store.workers.delete(id);
}

export function listWorkers(store: MemoryStore, now: number): WorkerPresence[] {
  return [...store.workers.values()].filter((w) => w.expiresAt >= now).map((w) => ({ ...w, versions: w.versions && [...w.versions], queues: [...w.queues] }));
}
