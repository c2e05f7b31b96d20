import type { WorkflowStatus } from '../foundation/types.js';
import type { StorageAdapter } from './storage-adapter.js';

/**
 * Deletes finished workflows of each status older than its age, in batches of `batchSize` (so a large purge
 * never holds locks for long) until none are left; returns how many. Used by `purge()` and the retention loop.
 */
export async function purgeExpired(storage: StorageAdapter, ages: ReadonlyArray<{ status: WorkflowStatus; ms: number }>, now: number, batchSize: number): Promise<number> {
  let total = 0;
  for (const { status, ms } of ages) {
    for (;;) {
      const deleted = await storage.purge({ statuses: [status], finishedBefore: now - ms, limit: batchSize });
      total += deleted;
      if (deleted < batchSize) break;
    }
  }
  return total;
}
