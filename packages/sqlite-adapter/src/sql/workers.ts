import type { WorkerPresence } from '@steadfast/core/adapter';
import type { SqliteDatabase } from '../sqlite-database.js';

interface WorkerRow {
  id: string;
  versions: string | null;
  queues: string;
  seen_at: number;
  expires_at: number;
}

/** Stores a worker's heartbeat and deletes the presences that expired: one small table, a few rows per live worker. */
export function announceWorker(database: SqliteDatabase, worker: WorkerPresence): void {
  database.write(() => {
    database.sql('DELETE FROM {p}workers WHERE expires_at < ?').run(worker.seenAt);
    database
      .sql(
        `INSERT INTO {p}workers (id, versions, queues, seen_at, expires_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET versions = excluded.versions, queues = excluded.queues, seen_at = excluded.seen_at, expires_at = excluded.expires_at`,
      )
      .run(worker.id, worker.versions === null ? null : JSON.stringify(worker.versions), JSON.stringify(worker.queues), worker.seenAt, worker.expiresAt);
  });
}

export function withdrawWorker(database: SqliteDatabase, id: string): void {
  database.write(() => database.sql('DELETE FROM {p}workers WHERE id = ?').run(id));
}

export function listWorkers(database: SqliteDatabase, now: number): WorkerPresence[] {
  const rows = database.sql('SELECT * FROM {p}workers WHERE expires_at >= ? ORDER BY id').all(now) as WorkerRow[];
  return rows.map((row) => ({
    id: row.id,
    versions: row.versions === null ? null : (JSON.parse(row.versions) as string[]),
    queues: JSON.parse(row.queues) as string[],
    seenAt: row.seen_at,
    expiresAt: row.expires_at,
  }));
}
