import type { ActivityRow } from './storage-adapter.js';

/**
 * Upper bounds (exclusive, in ms) of the latency classes in which `activity` counts completed workflows;
 * one more class holds everything from the last bound up. Spaced roughly 1-2.5-5 per decade from 10 ms to
 * a day, like a Prometheus histogram: a percentile estimated from the counts lies in the right class, and
 * the storage returns a few small integers per bucket however many workflows finished.
 */
export const LATENCY_BOUNDS_MS: readonly number[] = [
  10, 25, 50, 100, 250, 500, 1_000, 2_500, 5_000, 10_000, 30_000, 60_000, 300_000, 900_000, 3_600_000, 21_600_000, 86_400_000,
];

/** The latency class of `ms`: the index of the first bound above it, or `LATENCY_BOUNDS_MS.length`. */
export function latencyClass(ms: number): number {
  const index = LATENCY_BOUNDS_MS.findIndex((bound) => ms < bound);
  return index === -1 ? LATENCY_BOUNDS_MS.length : index;
}

/**
 * {@link latencyClass} of a SQL expression (a latency in ms), as a standard `CASE`, so that SQL adapters
 * count the classes in the database and every adapter uses the same bounds.
 */
export function latencyClassSql(expression: string): string {
  const cases = LATENCY_BOUNDS_MS.map((bound, index) => `WHEN ${expression} < ${bound} THEN ${index}`).join(' ');
  return `CASE ${cases} ELSE ${LATENCY_BOUNDS_MS.length} END`;
}

/** A number as SQL drivers return it: PostgreSQL sends bigint and numeric as strings. */
type Int = number | string;

/** One group of a SQL `activity` statement grouped by bucket, status and latency class (null unless completed). */
export interface ActivityGroupRow {
  bucket: Int;
  status: string;
  latency_class: Int | null;
  count: Int;
  latency_sum: Int | null;
  latency_max: Int | null;
}

/** Folds grouped rows into the contract's rows, one per bucket, ordered by bucket. */
export function foldActivityGroups(groups: readonly ActivityGroupRow[]): ActivityRow[] {
  const rows = new Map<number, ActivityRow>();
  for (const group of groups) {
    const bucket = Number(group.bucket);
    let row = rows.get(bucket);
    if (!row) {
      row = emptyActivityRow(bucket);
      rows.set(bucket, row);
    }
    const count = Number(group.count);
    if (group.status === 'failed') row.failed += count;
    else if (group.status === 'cancelled') row.cancelled += count;
    else if (group.status === 'completed') {
      row.completed += count;
      row.latencySumMs += Number(group.latency_sum ?? 0);
      row.latencyMaxMs = Math.max(row.latencyMaxMs, Number(group.latency_max ?? 0));
      row.latencyCounts[Number(group.latency_class ?? LATENCY_BOUNDS_MS.length)]! += count;
    }
  }
  return [...rows.values()].sort((a, b) => a.bucket - b.bucket);
}

/** A bucket in which nothing finished. */
export function emptyActivityRow(bucket: number): ActivityRow {
  return { bucket, completed: 0, failed: 0, cancelled: 0, latencySumMs: 0, latencyMaxMs: 0, latencyCounts: new Array<number>(LATENCY_BOUNDS_MS.length + 1).fill(0) };
}
