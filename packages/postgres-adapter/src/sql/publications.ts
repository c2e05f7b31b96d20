import { LeaseLostError, type Lease, type NewStep, type Publication, type PublishedEvent, type PublishOutcome, type StreamChunk, type StreamSummary } from '@steadfast/core/adapter';
import type { PostgresDatabase } from '../postgres-database.js';
import { publicationsChannel, table } from './tables.js';

/**
 * One statement: the fence; whether the step is checkpointed already (a repeated call) or the chunk is for a
 * stream that has ended; then the event's value or the stream's next entry, the checkpoint and its event; and
 * a notification to readers on commit. Positions follow the stream's last entry: the fence locks the workflow's
 * row, and only its lease holder publishes, so two writers never race for one.
 */
function publishSql(database: PostgresDatabase): string {
  const events = table(database, 'workflow_events');
  const chunks = table(database, 'stream_chunks');
  return `
  WITH fence AS (
    UPDATE {wf} SET updated_at = :now::bigint WHERE id = :id::text AND lease_owner = :owner::text AND lease_epoch = :epoch::bigint AND status = 'running' RETURNING id
  ), done AS (
    SELECT 1 FROM {steps} WHERE workflow_id = :id::text AND seq = :seq::int
  ), last AS (
    SELECT position, data IS NULL AS closed FROM ${chunks} WHERE workflow_id = :id::text AND key = :key::text ORDER BY position DESC LIMIT 1
  ), go AS (
    SELECT id FROM fence WHERE NOT EXISTS (SELECT 1 FROM done) AND NOT (:kind::text = 'chunk' AND coalesce((SELECT closed FROM last), false))
  ), value AS (
    INSERT INTO ${events} (workflow_id, key, value, seq, updated_at) SELECT id, :key::text, :value::text, :seq::int, :now::bigint FROM go WHERE :kind::text = 'event'
    ON CONFLICT (workflow_id, key) DO UPDATE SET value = excluded.value, seq = excluded.seq, updated_at = excluded.updated_at
  ), chunk AS (
    INSERT INTO ${chunks} (workflow_id, key, position, data, seq, created_at)
    SELECT id, :key::text, coalesce((SELECT position + 1 FROM last), 0), :value::text, :seq::int, :now::bigint FROM go
     WHERE :kind::text <> 'event' AND NOT coalesce((SELECT closed FROM last), false)
  ), step AS (
    INSERT INTO {steps} (workflow_id, seq, name, kind, output, error, attempts, fingerprint, created_at)
    SELECT id, :seq::int, :name::text, :stepKind::text, :output::text, :error::text, :attempts::int, :fingerprint::text, :now::bigint FROM go
    ON CONFLICT (workflow_id, seq) DO NOTHING RETURNING workflow_id
  ), ev AS (
    INSERT INTO {events} (workflow_id, type, seq, data, at)
    SELECT workflow_id, 'step_completed', :seq::int, json_build_object('name', :name::text, 'kind', :stepKind::text, 'attempts', :attempts::int)::text, :now::bigint FROM step
  )
  SELECT (SELECT count(*)::int FROM fence) AS fenced, EXISTS (SELECT 1 FROM done) AS repeated, (SELECT count(*)::int FROM go) AS written,
         (SELECT count(pg_notify(:channel::text, id)) FROM go) AS notified`;
}

export async function publish(database: PostgresDatabase, lease: Lease, step: NewStep, publication: Publication, now: number): Promise<PublishOutcome> {
  const [row] = await database.rows<{ fenced: number; repeated: boolean; written: number }>(publishSql(database), {
    now, id: lease.workflowId, owner: lease.owner, epoch: lease.epoch, seq: step.seq, key: publication.key, kind: publication.kind,
    value: publication.kind === 'event' ? publication.value : publication.kind === 'chunk' ? publication.data : null,
    name: step.name, stepKind: step.kind, output: step.output, error: step.error, attempts: step.attempts, fingerprint: step.fingerprint,
    channel: publicationsChannel(database),
  });
  if (row?.fenced !== 1) throw new LeaseLostError(lease.workflowId, lease.epoch);
  return row.repeated || row.written === 1 ? 'published' : 'closed';
}

export async function readPublishedEvents(database: PostgresDatabase, workflowId: string, key?: string): Promise<PublishedEvent[]> {
  const rows = await database.rows<{ key: string; value: string; seq: number; updated_at: string }>(
    `SELECT key, value, seq, updated_at FROM ${table(database, 'workflow_events')} WHERE workflow_id = :id AND (:key::text IS NULL OR key = :key) ORDER BY key`,
    { id: workflowId, key: key ?? null },
  );
  return rows.map((row) => ({ key: row.key, value: row.value, seq: row.seq, updatedAt: Number(row.updated_at) }));
}

export async function readStream(database: PostgresDatabase, workflowId: string, key: string, from: number, limit: number): Promise<StreamChunk[]> {
  const rows = await database.rows<{ position: number; data: string | null; created_at: string }>(
    `SELECT position, data, created_at FROM ${table(database, 'stream_chunks')} WHERE workflow_id = ? AND key = ? AND position >= ? ORDER BY position LIMIT ?`,
    [workflowId, key, from, limit],
  );
  return rows.map((row) => ({ position: row.position, data: row.data, createdAt: Number(row.created_at) }));
}

export async function listStreams(database: PostgresDatabase, workflowId: string): Promise<StreamSummary[]> {
  const rows = await database.rows<{ key: string; chunks: number; closed: boolean; updated_at: string }>(
    `SELECT key, count(data)::int AS chunks, bool_or(data IS NULL) AS closed, max(created_at) AS updated_at
       FROM ${table(database, 'stream_chunks')} WHERE workflow_id = ? GROUP BY key ORDER BY key`,
    [workflowId],
  );
  return rows.map((row) => ({ key: row.key, chunks: row.chunks, closed: row.closed, updatedAt: Number(row.updated_at) }));
}
