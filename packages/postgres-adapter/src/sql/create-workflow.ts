import type { CreateWorkflowResult, NewWorkflow } from '@steadfast/core';
import type { PostgresDatabase, WorkflowRow } from '../postgres-database.js';
import { getWorkflow, toRecord } from './read-workflows.js';

/**
 * Inserts the workflow unless its id exists (idempotent start), with its `created` event and a
 * notification to idle workers: one statement, one round trip.
 */
export async function createWorkflow(database: PostgresDatabase, w: NewWorkflow): Promise<CreateWorkflowResult> {
  const [inserted] = await database.rows<WorkflowRow>(
    `WITH ins AS (
       INSERT INTO {wf} (id, name, kind, version, queue, priority, status, args, parent_id, next_at, deadline_at, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, 'pending', ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING RETURNING *
     ), ev AS (
       INSERT INTO {events} (workflow_id, type, seq, data, at) SELECT id, 'created', NULL, ?, ? FROM ins
     )
     SELECT ins.*, pg_notify(?, ins.next_at::text) AS notified FROM ins`,
    [
      w.id, w.name, w.kind, w.version, w.queue, w.priority, w.args, w.parentId, w.nextAt, w.deadlineAt, w.now, w.now,
      JSON.stringify({ name: w.name, queue: w.queue, startAt: w.nextAt }), w.now,
      database.channel,
    ],
  );
  if (inserted) return { created: true, record: toRecord(inserted) };
  // The id exists. (Read in a new statement: a concurrent insert of the same id that committed while
  // ours waited is not visible to our statement's snapshot.)
  const existing = await getWorkflow(database, w.id);
  if (!existing) throw new Error(`workflow ${w.id} conflicted on insert but cannot be read back`);
  return { created: false, record: existing };
}
