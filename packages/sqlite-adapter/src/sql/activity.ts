import { foldActivityGroups, latencyClassSql, type ActivityGroupRow, type ActivityRequest, type ActivityRow } from '@steadfast/core/adapter';
import type { SqliteDatabase } from '../sqlite-database.js';

/**
 * Grouped by bucket, status and latency class in the database, so the answer is a few rows per bucket. The
 * range on finished_at is served by the covering index workflows_finished (migration 4): only the rows
 * finished in the window are read, and from the index alone.
 */
// Parameters are bound as REAL: cast them, for an integer division.
const ACTIVITY = `SELECT (finished_at - CAST(:since AS INTEGER)) / CAST(:bucketMs AS INTEGER) AS bucket, status,
         CASE WHEN status = 'completed' THEN ${latencyClassSql('(finished_at - created_at)')} END AS latency_class,
         COUNT(*) AS count, SUM(finished_at - created_at) AS latency_sum, MAX(finished_at - created_at) AS latency_max
    FROM {p}workflows INDEXED BY {p}workflows_finished
   WHERE finished_at >= :since AND finished_at < :until
   GROUP BY 1, 2, 3`;

export function activity(database: SqliteDatabase, request: ActivityRequest): ActivityRow[] {
  const { since, until, bucketMs } = request;
  return foldActivityGroups(database.sql(ACTIVITY).all({ since, until, bucketMs }) as ActivityGroupRow[]);
}
