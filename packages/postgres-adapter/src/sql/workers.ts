import type { WorkerPresence } from '@steadfast/core/adapter';
import type { PostgresDatabase } from '../postgres-database.js';
import { table as tableOf } from './tables.js';

interface WorkerRow {
  id: string;
  versions: string[] | null;
  queues: string[];
  seen_at: string;
  expires_at: string;
}

/** The workers table (migration 7). */
const workersTable = (database: PostgresDatabase) => tableOf(database, 'workers');

/** Stores a worker's heartbeat and deletes the presences that expired: one statement on a table of a few rows per live worker. */
export async function announceWorker(database: PostgresDatabase, worker: WorkerPresence): Promise<void> {
  const table = workersTable(database);
  await database.rows(
    `WITH gone AS (DELETE FROM ${table} WHERE expires_at < :seenAt::bigint AND id <> :id)
     INSERT INTO ${table} (id, versions, queues, seen_at, expires_at) VALUES (:id, :versions::text[], :queues::text[], :seenAt::bigint, :expiresAt::bigint)
     ON CONFLICT (id) DO UPDATE SET versions = excluded.versions, queues = excluded.queues, seen_at = excluded.seen_at, expires_at = excluded.expires_at`,
    { id: worker.id, versions: worker.versions, queues: worker.queues, seenAt: worker.seenAt, expiresAt: worker.expiresAt },
  );
}

export async function withdrawWorker(database: PostgresDatabase, id: string): Promise<void> {
  await database.rows(`DELETE FROM ${workersTable(database)} WHERE id = ?`, [id]);
}

export async function listWorkers(database: PostgresDatabase, now: number): Promise<WorkerPresence[]> {
  const rows = await database.rows<WorkerRow>(`SELECT * FROM ${workersTable(database)} WHERE expires_at >= ? ORDER BY id`, [now]);
  return rows.map((row) => ({ id: row.id, versions: row.versions, queues: row.queues, seenAt: Number(row.seen_at), expiresAt: Number(row.expires_at) }));
}
