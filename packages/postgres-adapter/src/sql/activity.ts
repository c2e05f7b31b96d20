import { foldActivityGroups, latencyClassSql, type ActivityGroupRow, type ActivityRequest, type ActivityRow } from '@steadfast/core/adapter';
import type { PostgresDatabase } from '../postgres-database.js';

/**
 * Grouped by bucket, status and latency class in the database, so the answer is a few rows per bucket. The
 * range on finished_at is served by the partial index workflows_finished (migration 4), which also holds
 * status and created_at: only the rows finished in the window are read.
 */
const ACTIVITY = `SELECT (finished_at - :since::bigint) / :bucketMs::bigint AS bucket, status,
         CASE WHEN status = 'completed' THEN ${latencyClassSql('(finished_at - created_at)')} END AS latency_class,
         count(*) AS count, sum(finished_at - created_at) AS latency_sum, max(finished_at - created_at) AS latency_max
    FROM {wf}
   WHERE finished_at >= :since AND finished_at < :until
   GROUP BY 1, 2, 3`;

export async function activity(database: PostgresDatabase, request: ActivityRequest): Promise<ActivityRow[]> {
  const { since, until, bucketMs } = request;
  return foldActivityGroups(await database.rows<ActivityGroupRow>(ACTIVITY, { since, until, bucketMs }));
}
