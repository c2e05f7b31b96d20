import type { PurgeRequest, WorkflowStats, WorkflowStatus } from '@steadfast/core/adapter';
import type { PostgresDatabase } from '../postgres-database.js';
import { table } from './tables.js';

export async function stats(database: PostgresDatabase, now: number): Promise<WorkflowStats> {
  const [counts, due] = await Promise.all([
    database.rows<{ queue: string; status: WorkflowStatus; count: number }>(
      'SELECT queue, status, count(*)::int AS count FROM {wf} GROUP BY queue, status ORDER BY queue, status',
    ),
    database.rows<{ queue: string; count: number }>(
      "SELECT queue, count(*)::int AS count FROM {wf} WHERE status IN ('pending', 'sleeping') AND next_at <= ? GROUP BY queue ORDER BY queue",
      [now],
    ),
  ]);
  return { counts, due };
}

/**
 * Deletes a batch of expired finished workflows with their steps, events and signals, in one statement.
 * A transaction-scoped advisory lock lets one worker purge at a time; the others return 0 at once.
 */
export async function purge(database: PostgresDatabase, request: PurgeRequest): Promise<number> {
  return database.transaction(async (trx) => {
    const [lock] = await database.rows<{ locked: boolean }>('SELECT pg_try_advisory_xact_lock(hashtext(?)) AS locked', [`steadfast:purge:${database.channel}`], trx);
    if (!lock?.locked) return 0;
    const [row] = await database.rows<{ deleted: number }>(
      deleteDoomed(
        database,
        `SELECT w.id FROM {wf} w
          WHERE w.status = ANY(?::text[]) AND w.finished_at < ?
            AND NOT EXISTS (SELECT 1 FROM {wf} p WHERE p.id = w.parent_id AND p.status IN ('pending', 'running', 'sleeping'))
          ORDER BY w.finished_at LIMIT ?`,
      ),
      [request.statuses, request.finishedBefore, request.limit],
      trx,
    );
    return row?.deleted ?? 0;
  });
}

/**
 * One statement that deletes the workflows `doomed` selects (a SELECT of ids) with everything that belongs to
 * them, and answers `deleted`, their count.
 */
export function deleteDoomed(database: PostgresDatabase, doomed: string): string {
  return `WITH doomed AS (${doomed}),
          s AS (DELETE FROM {steps} WHERE workflow_id IN (SELECT id FROM doomed)),
          e AS (DELETE FROM {events} WHERE workflow_id IN (SELECT id FROM doomed)),
          g AS (DELETE FROM {signals} WHERE workflow_id IN (SELECT id FROM doomed)),
          pe AS (DELETE FROM ${table(database, 'workflow_events')} WHERE workflow_id IN (SELECT id FROM doomed)),
          sc AS (DELETE FROM ${table(database, 'stream_chunks')} WHERE workflow_id IN (SELECT id FROM doomed)),
          w AS (DELETE FROM {wf} WHERE id IN (SELECT id FROM doomed) RETURNING 1)
     SELECT count(*)::int AS deleted FROM w`;
}
