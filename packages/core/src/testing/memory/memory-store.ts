import { LeaseLostError } from '../../foundation/errors.js';
import { KeyedListeners } from '../../storage/keyed-listeners.js';
import { NO_KEY } from '../../storage/fair-claim.js';
import type { PublishedEvent, StreamChunk } from '../../storage/publication.js';
import type { Lease, WorkerPresence } from '../../storage/storage-adapter.js';
import type { EventRecord, EventType, ScheduleRecord, StepRecord, WorkflowRecord, WorkflowStatus } from '../../foundation/types.js';

/** A stored signal. */
export interface SignalRow {
  /** The sender's idempotency key, if given. */
  key?: string;
  id: number;
  workflowId: string;
  name: string;
  payload: string;
  createdAt: number;
  deliveredSeq: number | null;
  deliveredAt: number | null;
}

/** A stored event: `data` is kept as JSON text, as a database would, so every read hands out a fresh object. */
export interface EventRow {
  id: number;
  workflowId: string;
  type: EventType;
  seq: number | null;
  data: string | null;
  at: number;
}

export const UNFINISHED: readonly WorkflowStatus[] = ['pending', 'running', 'sleeping'];
export const FINISHED: readonly WorkflowStatus[] = ['completed', 'failed', 'cancelled'];

/**
 * The tables of a `MemoryAdapter`, shared by every adapter view opened on it (as processes share a database
 * file). Operations run synchronously, one at a time, so each is atomic like a database transaction.
 * Records are stored as private objects and handed out as copies.
 */
export class MemoryStore {
  /** In creation order. */
  readonly workflows = new Map<string, WorkflowRecord>();
  readonly steps = new Map<string, Map<number, StepRecord>>();
  readonly events = new Map<string, EventRow[]>();
  readonly signals = new Map<string, SignalRow[]>();
  readonly schedules = new Map<string, ScheduleRecord>();
  /** Events workflows set, by workflow id, then key. */
  readonly publishedEvents = new Map<string, Map<string, PublishedEvent>>();
  /** Stream entries, by workflow id, then key, in position order. */
  readonly streams = new Map<string, Map<string, StreamChunk[]>>();
  /** When each queue's workflows were first claimed (started), oldest first: for queue rate limits. */
  readonly starts = new Map<string, number[]>();
  /** What each worker (by owner) last asked `claim` for: lets the testing kit tell work held back from work nobody runs. */
  readonly claimers = new Map<string, { queues: readonly string[]; names: readonly string[] }>();
  /** Queues a perKey worker claims, and each one's ring of keys with unfinished rows (see storage/fair-claim.ts). */
  readonly fairQueues = new Map<string, Map<string, { turn: number; seq: number }>>();
  /** Live workers' presences, by id. */
  readonly workers = new Map<string, WorkerPresence>();
  /** The application's own data, written by transactional steps (see `MemoryTransaction`). */
  readonly data = new Map<string, unknown>();
  migrated = false;
  /** Bumped by every operation, reads included: lets the testing kit see whether anything happened. */
  operations = 0;
  private nextEventId = 1;
  private nextSignalId = 1;
  private readonly subscribers = new Set<(dueAt: number) => void>();
  private readonly watchers = new Set<() => void>();
  private readonly publicationWatchers = new KeyedListeners();
  /** Due times to announce once the running operation has finished. */
  private pendingDue: number[] = [];
  /** Transactional steps run one at a time (serializable, like SQLite's single writer). */
  private transactionQueue: Promise<void> = Promise.resolve();

  /** Runs one operation atomically, then announces due times and the change. */
  apply<T>(op: () => T): T {
    this.operations++;
    try {
      return op();
    } finally {
      const due = this.pendingDue;
      this.pendingDue = [];
      for (const dueAt of due) {
        for (const subscriber of [...this.subscribers]) queueMicrotask(() => subscriber(dueAt));
      }
      for (const watcher of [...this.watchers]) watcher();
    }
  }

  subscribe(onDue: (dueAt: number) => void): () => void {
    this.subscribers.add(onDue);
    return () => this.subscribers.delete(onDue);
  }

  /** Calls `fn` (in a microtask) whenever the workflow publishes something; returns the function that stops it. */
  watchPublications(workflowId: string, fn: () => void): () => void {
    return this.publicationWatchers.add(workflowId, () => queueMicrotask(fn));
  }

  /** Tells the workflow's publication watchers that it published. */
  published(workflowId: string): void {
    this.publicationWatchers.tell(workflowId);
  }

  /** Calls `fn` after every operation (the testing kit waits on it instead of polling). */
  watch(fn: () => void): () => void {
    this.watchers.add(fn);
    return () => this.watchers.delete(fn);
  }

  /** Runs `fn` once the transactional steps queued before it have finished. */
  exclusively<T>(fn: () => Promise<T>): Promise<T> {
    const result = this.transactionQueue.then(fn);
    this.transactionQueue = result.then(
      () => {},
      () => {},
    );
    return result;
  }

  /** Announces that work is due at `dueAt` to every subscriber, once the operation has finished. */
  announce(dueAt: number | null): void {
    if (dueAt !== null) this.pendingDue.push(dueAt);
  }

  /** How many workflows hold a lease right now (executions in progress somewhere). */
  runningCount(): number {
    let count = 0;
    for (const record of this.workflows.values()) if (record.status === 'running') count++;
    return count;
  }

  /** The earliest `next_at` after `now` among pending and sleeping workflows, or undefined. */
  nextDueAfter(now: number): number | undefined {
    let next: number | undefined;
    for (const record of this.workflows.values()) {
      if ((record.status === 'pending' || record.status === 'sleeping') && record.nextAt !== null && record.nextAt > now) {
        if (next === undefined || record.nextAt < next) next = record.nextAt;
      }
    }
    return next;
  }

  /**
   * Whether a pending or sleeping workflow is due at `now` that some worker claims from (its queue and name)
   * but did not take: held back by a queue limit, so a worker will look again later.
   */
  heldBack(now: number): boolean {
    for (const r of this.workflows.values()) {
      if ((r.status === 'pending' || r.status === 'sleeping') && r.nextAt !== null && r.nextAt <= now) {
        for (const { queues, names } of this.claimers.values()) if (queues.includes(r.queue) && names.includes(r.name)) return true;
      }
    }
    return false;
  }

  event(workflowId: string, type: EventType, seq: number | null, data: string | null, at: number): void {
    let list = this.events.get(workflowId);
    if (!list) this.events.set(workflowId, (list = []));
    list.push({ id: this.nextEventId++, workflowId, type, seq, data, at });
  }

  /** Stores a signal; with a `key` already used for this workflow, stores nothing and returns false. */
  addSignal(workflowId: string, name: string, payload: string, now: number, key?: string): boolean {
    let list = this.signals.get(workflowId);
    if (!list) this.signals.set(workflowId, (list = []));
    if (key !== undefined && list.some((signal) => signal.key === key)) return false;
    list.push({ id: this.nextSignalId++, workflowId, name, payload, createdAt: now, deliveredSeq: null, deliveredAt: null, key });
    return true;
  }

  /**
   * The row of a running workflow still held by `lease`, with `updated_at` touched; LeaseLostError otherwise.
   * Every write made for a running workflow starts here.
   */
  /**
   * A row created or made pending again in a queue a perKey worker claims: stored with the key '' if it has
   * none, its key entered in the queue's ring (at the back if new; `seq` bumped if there), as the SQL adapters do.
   */
  enterKey(r: WorkflowRecord): void {
    const ring = this.fairQueues.get(r.queue);
    if (!ring) return;
    r.concurrencyKey ??= NO_KEY;
    const entry = ring.get(r.concurrencyKey);
    if (entry) entry.seq++;
    else ring.set(r.concurrencyKey, { turn: Math.max(0, ...[...ring.values()].map((e) => e.turn)) + 1, seq: 0 });
  }

  fence(lease: Lease, now: number): WorkflowRecord {
    const record = this.workflows.get(lease.workflowId);
    if (!record || record.status !== 'running' || record.leaseOwner !== lease.owner || record.leaseEpoch !== lease.epoch) {
      throw new LeaseLostError(lease.workflowId, lease.epoch);
    }
    record.updatedAt = now;
    return record;
  }

  /** Makes a parked workflow due at `now` (unless due sooner already): a finishing child or a signal. */
  wake(workflowId: string | null, now: number): void {
    if (workflowId === null) return;
    const record = this.workflows.get(workflowId);
    if (record?.status === 'sleeping' && (record.nextAt === null || record.nextAt > now)) {
      record.nextAt = now;
      this.announce(now);
    }
  }

  wakeParent(childId: string, now: number): void {
    this.wake(this.workflows.get(childId)?.parentId ?? null, now);
  }

  step(workflowId: string, seq: number): StepRecord | undefined {
    return this.steps.get(workflowId)?.get(seq);
  }

  putStep(step: StepRecord): void {
    let map = this.steps.get(step.workflowId);
    if (!map) this.steps.set(step.workflowId, (map = new Map()));
    map.set(step.seq, step);
  }

  /** Removes a workflow and everything that belongs to it. */
  delete(workflowId: string): void {
    this.workflows.delete(workflowId);
    this.steps.delete(workflowId);
    this.events.delete(workflowId);
    this.signals.delete(workflowId);
    this.publishedEvents.delete(workflowId);
    this.streams.delete(workflowId);
  }
}

export function copyWorkflow(record: WorkflowRecord): WorkflowRecord {
  if (record.concurrencyKey === NO_KEY) return { ...record, concurrencyKey: null };
  return { ...record };
}

export function copyStep(step: StepRecord): StepRecord {
  return { ...step };
}

export function toEvent(row: EventRow): EventRecord {
  return {
    id: row.id,
    workflowId: row.workflowId,
    type: row.type,
    seq: row.seq,
    data: row.data === null ? null : (JSON.parse(row.data) as Record<string, unknown>),
    at: row.at,
  };
}
