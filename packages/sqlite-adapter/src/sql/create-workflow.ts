import type { CreateWorkflowResult, NewWorkflow } from '@steadfast/core';
import type { SqliteDatabase } from '../sqlite-database.js';
import { getWorkflow } from './read-workflows.js';

/** Inserts the workflow unless its id exists (idempotent start), with its `created` event. */
export function createWorkflow(database: SqliteDatabase, w: NewWorkflow): CreateWorkflowResult {
  return database.write(() => {
    const inserted = database
      .sql(
        `INSERT INTO {p}workflows (id, name, kind, version, queue, priority, status, args, parent_id, next_at, deadline_at, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, 'pending', ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`,
      )
      .run(w.id, w.name, w.kind, w.version, w.queue, w.priority, w.args, w.parentId, w.nextAt, w.deadlineAt, w.now, w.now);
    const created = inserted.changes === 1;
    if (created) database.event(w.id, 'created', null, JSON.stringify({ name: w.name, queue: w.queue, startAt: w.nextAt }), w.now);
    return { created, record: getWorkflow(database, w.id)! };
  });
}
