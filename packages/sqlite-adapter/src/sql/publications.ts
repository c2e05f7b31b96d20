import type { Lease, NewStep, Publication, PublishedEvent, PublishOutcome, StreamChunk, StreamSummary } from '@steadfast/core/adapter';
import type { SqliteDatabase } from '../sqlite-database.js';
import { writeStep } from './record-step.js';

/** The step's checkpoint with what it publishes, in one transaction; see the contract for a stream that has ended. */
export function publish(database: SqliteDatabase, lease: Lease, step: NewStep, publication: Publication, now: number): PublishOutcome {
  const id = lease.workflowId;
  return database.write(() => {
    database.fence(lease, now);
    if (database.sql('SELECT 1 FROM {p}steps WHERE workflow_id = ? AND seq = ?').get(id, step.seq)) return 'published';
    if (publication.kind === 'event') {
      database
        .sql(
          `INSERT INTO {p}workflow_events (workflow_id, key, value, seq, updated_at) VALUES (?, ?, ?, ?, ?)
           ON CONFLICT (workflow_id, key) DO UPDATE SET value = excluded.value, seq = excluded.seq, updated_at = excluded.updated_at`,
        )
        .run(id, publication.key, publication.value, step.seq, now);
    } else {
      const last = database
        .sql('SELECT position, data IS NULL AS closed FROM {p}stream_chunks WHERE workflow_id = ? AND key = ? ORDER BY position DESC LIMIT 1')
        .get(id, publication.key) as { position: number; closed: number } | undefined;
      if (last?.closed && publication.kind === 'chunk') return 'closed';
      if (!last?.closed) {
        database
          .sql('INSERT INTO {p}stream_chunks (workflow_id, key, position, data, seq, created_at) VALUES (?, ?, ?, ?, ?, ?)')
          .run(id, publication.key, last === undefined ? 0 : last.position + 1, publication.kind === 'chunk' ? publication.data : null, step.seq, now);
      }
    }
    writeStep(database, id, step, now);
    return 'published';
  });
}

export function readPublishedEvents(database: SqliteDatabase, workflowId: string, key?: string): PublishedEvent[] {
  const rows = (key === undefined
    ? database.sql('SELECT key, value, seq, updated_at FROM {p}workflow_events WHERE workflow_id = ? ORDER BY key').all(workflowId)
    : database.sql('SELECT key, value, seq, updated_at FROM {p}workflow_events WHERE workflow_id = ? AND key = ?').all(workflowId, key)) as Array<{
    key: string;
    value: string;
    seq: number;
    updated_at: number;
  }>;
  return rows.map((row) => ({ key: row.key, value: row.value, seq: row.seq, updatedAt: row.updated_at }));
}

export function readStream(database: SqliteDatabase, workflowId: string, key: string, from: number, limit: number): StreamChunk[] {
  const rows = database
    .sql('SELECT position, data, created_at FROM {p}stream_chunks WHERE workflow_id = ? AND key = ? AND position >= ? ORDER BY position LIMIT ?')
    .all(workflowId, key, from, limit) as Array<{ position: number; data: string | null; created_at: number }>;
  return rows.map((row) => ({ position: row.position, data: row.data, createdAt: row.created_at }));
}

export function listStreams(database: SqliteDatabase, workflowId: string): StreamSummary[] {
  const rows = database
    .sql(
      `SELECT key, SUM(data IS NOT NULL) AS chunks, MAX(data IS NULL) AS closed, MAX(created_at) AS updated_at
         FROM {p}stream_chunks WHERE workflow_id = ? GROUP BY key ORDER BY key`,
    )
    .all(workflowId) as Array<{ key: string; chunks: number; closed: number; updated_at: number }>;
  return rows.map((row) => ({ key: row.key, chunks: row.chunks, closed: row.closed === 1, updatedAt: row.updated_at }));
}
