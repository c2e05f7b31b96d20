import type { WorkflowRef, WorkflowSelection, WorkflowStatus } from '@steadfast/core/adapter';
import type { PostgresDatabase } from '../postgres-database.js';
import { cancelTrees } from './cancel-retry.js';
import { deleteDoomed } from './stats-purge.js';

/** Null parameters switch a condition off, so one statement text serves every selection. */
const MATCHES = `status = ANY(:statuses::text[]) AND (:name::text IS NULL OR name = :name) AND (:queue::text IS NULL OR queue = :queue)
  AND (:before::bigint IS NULL OR created_at < :before) AND (:concurrencyKey::text IS NULL OR concurrency_key = :concurrencyKey)
  AND (:ids::text[] IS NULL OR id = ANY(:ids::text[]))`;

function bindings(s: WorkflowSelection): Record<string, unknown> {
  return {
    statuses: s.statuses, name: s.name ?? null, queue: s.queue ?? null, before: s.createdBefore ?? null,
    concurrencyKey: s.concurrencyKey ?? null, ids: s.ids ?? null,
  };
}

/** Oldest first, ties by id, after the position given: a keyset page, so a batch never rescans earlier ones. */
export async function selectWorkflows(database: PostgresDatabase, selection: WorkflowSelection, after: WorkflowRef | null, limit: number): Promise<WorkflowRef[]> {
  const rows = await database.rows<{ id: string; created_at: string }>(
    `SELECT id, created_at FROM {wf} WHERE ${MATCHES}
       AND (:afterAt::bigint IS NULL OR (created_at, id) > (:afterAt::bigint, :afterId::text))
     ORDER BY created_at, id LIMIT :limit`,
    { ...bindings(selection), afterAt: after?.createdAt ?? null, afterId: after?.id ?? null, limit },
  );
  return rows.map((row) => ({ id: row.id, createdAt: Number(row.created_at) }));
}

export async function countWorkflows(database: PostgresDatabase, selection: WorkflowSelection): Promise<number> {
  const [row] = await database.rows<{ count: number }>(`SELECT count(*)::int AS count FROM {wf} WHERE ${MATCHES}`, bindings(selection));
  return row?.count ?? 0;
}

/** As `cancelWorkflow` for each root, in one statement. */
export async function cancelWorkflows(database: PostgresDatabase, ids: readonly string[], statuses: readonly WorkflowStatus[], now: number): Promise<string[]> {
  if (ids.length === 0) return [];
  const unfinished = statuses.filter((status) => status === 'pending' || status === 'running' || status === 'sleeping');
  return cancelTrees(database, ids, unfinished, now, null);
}

export async function purgeWorkflows(database: PostgresDatabase, ids: readonly string[], statuses: readonly WorkflowStatus[]): Promise<number> {
  if (ids.length === 0) return 0;
  const [row] = await database.rows<{ deleted: number }>(
    deleteDoomed(
      database,
      `SELECT w.id FROM {wf} w
        WHERE w.id = ANY(:ids::text[]) AND w.status = ANY(:statuses::text[]) AND w.status IN ('completed', 'failed', 'cancelled')
          AND NOT EXISTS (SELECT 1 FROM {wf} p WHERE p.id = w.parent_id AND p.status IN ('pending', 'running', 'sleeping'))`,
    ),
    { ids, statuses },
  );
  return row?.deleted ?? 0;
}
