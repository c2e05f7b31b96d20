import { emptyActivityRow, latencyClass } from '../../storage/latency-classes.js';
import type { ActivityRequest, ActivityRow } from '../../storage/storage-adapter.js';
import type { StepRecord } from '../../foundation/types.js';
import { copyStep, type MemoryStore } from './memory-store.js';

/** The checkpoints of a workflow by position (none for an unknown one). */
export function listSteps(store: MemoryStore, workflowId: string): StepRecord[] {
  return [...(store.steps.get(workflowId)?.values() ?? [])].sort((a, b) => a.seq - b.seq).map(copyStep);
}

/** Finished workflows per bucket of the window; a scan is fine in memory (the SQL adapters use an index). */
export function activity(store: MemoryStore, request: ActivityRequest): ActivityRow[] {
  const rows = new Map<number, ActivityRow>();
  for (const r of store.workflows.values()) {
    if (r.finishedAt === null || r.finishedAt < request.since || r.finishedAt >= request.until) continue;
    const bucket = Math.floor((r.finishedAt - request.since) / request.bucketMs);
    let row = rows.get(bucket);
    if (!row) rows.set(bucket, (row = emptyActivityRow(bucket)));
    if (r.status === 'failed') row.failed++;
    else if (r.status === 'cancelled') row.cancelled++;
    else if (r.status === 'completed') {
      const latency = r.finishedAt - r.createdAt;
      row.completed++;
      row.latencySumMs += latency;
      row.latencyMaxMs = Math.max(row.latencyMaxMs, latency);
      row.latencyCounts[latencyClass(latency)]!++;
    }
  }
  return [...rows.values()].sort((a, b) => a.bucket - b.bucket);
}
