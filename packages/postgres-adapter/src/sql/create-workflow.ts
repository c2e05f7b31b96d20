import type { CreateWorkflowResult, NewWorkflow } from '@steadfast/core/adapter';
import type { PostgresDatabase } from '../postgres-database.js';
import type { WorkflowRow } from '@steadfast/core/adapter';
import { getWorkflow, toRecord } from './read-workflows.js';

/**
 * Inserts the workflow unless its id exists (idempotent start), with its `created` event and a
 * notification to idle workers: one statement, one round trip.
 */
export async function createWorkflow(database: PostgresDatabase, w: NewWorkflow): Promise<CreateWorkflowResult> {
  const [inserted] = await database.rows<WorkflowRow>(
    `WITH ins AS (
       INSERT INTO {wf} (id, name, kind, version, queue, priority, status, args, parent_id, next_at, deadline_at, dedupe_key, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, 'pending', ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING RETURNING *
     ), ev AS (
       INSERT INTO {events} (workflow_id, type, seq, data, at) SELECT id, 'created', NULL, ?, ? FROM ins
     )
     SELECT ins.*, pg_notify(?, ins.next_at::text) AS notified FROM ins`,
    [
      w.id, w.name, w.kind, w.version, w.queue, w.priority, w.args, w.parentId, w.nextAt, w.deadlineAt, w.dedupeKey ?? null, w.now, w.now,
      JSON.stringify({ name: w.name, queue: w.queue, startAt: w.nextAt }), w.now,
      database.channel,
    ],
  );
  if (inserted) return { created: true, record: toRecord(inserted) };
  // The id exists, or a pending workflow with the dedupe key does. (Read in new statements: a concurrent
  // insert that committed while ours waited is not visible to our statement's snapshot.)
  const existing = await getWorkflow(database, w.id);
  if (existing) return { created: false, record: existing };
  if (w.dedupeKey != null) {
    const [pending] = w.debounce
      ? await database.rows<WorkflowRow>(
          `WITH d AS (
             UPDATE {wf} SET args = ?, next_at = ?, updated_at = ? WHERE name = ? AND dedupe_key = ? AND status = 'pending' RETURNING *
           ), ev AS (
             INSERT INTO {events} (workflow_id, type, seq, data, at) SELECT id, 'debounced', NULL, ?, ? FROM d
           )
           SELECT * FROM d`,
          [w.args, w.nextAt, w.now, w.name, w.dedupeKey, JSON.stringify({ startAt: w.nextAt }), w.now],
        )
      : await database.rows<WorkflowRow>("SELECT * FROM {wf} WHERE name = ? AND dedupe_key = ? AND status = 'pending'", [w.name, w.dedupeKey]);
    if (pending) return { created: false, record: toRecord(pending) };
    // The duplicate started meanwhile: it is no longer pending, so this one may be created.
    return createWorkflow(database, w);
  }
  throw new Error(`workflow ${w.id} conflicted on insert but cannot be read back`);
}
