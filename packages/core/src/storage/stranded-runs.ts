import type { StorageAdapter, WorkerPresence } from './storage-adapter.js';

/** Unfinished runs of one version in one queue that no live worker serves. */
// A type, not an interface, so that it is a JSON value as it is (the CLI prints it).
export type StrandedRuns = {
  queue: string;
  version: string;
  count: number;
};

/** Whether a live worker claims runs of `version` (null: unpinned) from `queue`. */
export function serves(worker: WorkerPresence, queue: string, version: string | null): boolean {
  return worker.queues.includes(queue) && (version === null || worker.versions === null || worker.versions.includes(version));
}

/**
 * Pinned runs that wait for a worker of their version that is not there: unfinished runs of a version that
 * no live worker (by its last heartbeat) serves on their queue. Unpinned runs are never stranded by version.
 */
export async function strandedByVersion(storage: StorageAdapter, now: number): Promise<{ stranded: StrandedRuns[]; workers: WorkerPresence[] }> {
  const [versions, workers] = await Promise.all([storage.unfinishedVersions(), storage.listWorkers(now)]);
  const stranded = versions
    .filter((row): row is StrandedRuns => row.version !== null && !workers.some((worker) => serves(worker, row.queue, row.version)))
    .sort((a, b) => a.queue.localeCompare(b.queue) || a.version.localeCompare(b.version));
  return { stranded, workers };
}
