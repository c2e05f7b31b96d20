import { FINISHED_STATUSES, type WorkflowStatus } from '../foundation/types.js';
import type { WorkerPresence } from './storage-adapter.js';

/** Unfinished workflows in a queue that no live worker claims from: nothing runs them until one does. */
// A type, not an interface, so that it is a JSON value as it is (the CLI prints it).
export type UnservedQueue = {
  queue: string;
  /** Its unfinished (pending, running, sleeping) workflows. */
  count: number;
};

/** The queues with unfinished work that none of the live `workers` serves (by their last heartbeat), by name. */
export function unservedQueues(counts: ReadonlyArray<{ queue: string; status: WorkflowStatus; count: number }>, workers: readonly WorkerPresence[]): UnservedQueue[] {
  const unfinished = new Map<string, number>();
  for (const row of counts) {
    if (FINISHED_STATUSES.includes(row.status) || row.count === 0) continue;
    unfinished.set(row.queue, (unfinished.get(row.queue) ?? 0) + row.count);
  }
  return [...unfinished]
    .filter(([queue]) => !workers.some((worker) => worker.queues.includes(queue)))
    .map(([queue, count]) => ({ queue, count }))
    .sort((a, b) => a.queue.localeCompare(b.queue));
}
