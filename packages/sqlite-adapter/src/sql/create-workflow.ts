import type { CreatedWorkflow, CreateWorkflowResult, NewWorkflow } from '@steadfast/core/adapter';
import { FENCE, type SqliteDatabase } from '../sqlite-database.js';
import type { WorkflowRow } from '@steadfast/core/adapter';
import { getWorkflow, toRecord } from './read-workflows.js';
import { enterKey, keyFor } from './queue-keys.js';

/**
 * Inserts the workflow unless its id exists (idempotent start) or, with a dedupe key, a pending workflow
 * of the same name and key exists (which, with debounce, takes the new arguments and start time).
 */
export function createWorkflow(database: SqliteDatabase, w: NewWorkflow): CreateWorkflowResult {
  return database.write(() => {
    // A child is created under its parent's lease (one writer at a time: nothing can come between).
    if (w.parentLease) {
      // The parent's fence, which also reads its key: without a key of its own a child takes its parent's (a
      // tenant's children count as the tenant's; '' is how a fair queue stores none).
      const parent = database.fencedRow<{ concurrency_key: string | null }>(
        `UPDATE {p}workflows SET updated_at = ? WHERE ${FENCE} RETURNING concurrency_key`,
        w.parentLease,
        w.now,
      );
      if (w.concurrencyKey == null) w = { ...w, concurrencyKey: parent.concurrency_key || null };
    }
    if (w.claimFor && w.dedupeKey == null && !w.parentLease) return createClaimed(database, w, w.claimFor);
    if (w.dedupeKey == null) {
      // The common case in one statement: inserted (and returned), or the id exists and is read back.
      const keyed = keyFor(database, w.queue, w.concurrencyKey);
      const inserted = database
        .sql(
          `INSERT INTO {p}workflows (id, name, kind, version, queue, priority, status, args, parent_id, next_at, deadline_at, dedupe_key, concurrency_key, created_at, updated_at)
           VALUES (?, ?, ?, ?, ?, ?, 'pending', ?, ?, ?, ?, NULL, ?, ?, ?) ON CONFLICT DO NOTHING RETURNING *`,
        )
        .get(w.id, w.name, w.kind, w.version, w.queue, w.priority, w.args, w.parentId, w.nextAt, w.deadlineAt, keyed.key, w.now, w.now) as WorkflowRow | undefined;
      if (!inserted) return { created: false, record: getWorkflow(database, w.id)! };
      if (keyed.fair) enterKey(database, w.queue, keyed.key!);
      database.event(w.id, 'created', null, JSON.stringify({ name: w.name, queue: w.queue, startAt: w.nextAt }), w.now);
      return { created: true, record: toRecord(inserted) };
    }
    const byId = getWorkflow(database, w.id);
    if (byId) return { created: false, record: byId };
    if (w.dedupeKey != null) {
      const pending = database
        .sql("SELECT * FROM {p}workflows WHERE name = ? AND dedupe_key = ? AND status = 'pending'")
        .get(w.name, w.dedupeKey) as WorkflowRow | undefined;
      if (pending && w.debounce) {
        database.sql('UPDATE {p}workflows SET args = ?, next_at = ?, updated_at = ? WHERE id = ?').run(w.args, w.nextAt, w.now, pending.id);
        database.event(pending.id, 'debounced', null, JSON.stringify({ startAt: w.nextAt }), w.now);
        return { created: false, record: getWorkflow(database, pending.id)! };
      }
      if (pending) return { created: false, record: toRecord(pending) };
    }
    const keyed = keyFor(database, w.queue, w.concurrencyKey);
    database
      .sql(
        `INSERT INTO {p}workflows (id, name, kind, version, queue, priority, status, args, parent_id, next_at, deadline_at, dedupe_key, concurrency_key, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, 'pending', ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(w.id, w.name, w.kind, w.version, w.queue, w.priority, w.args, w.parentId, w.nextAt, w.deadlineAt, w.dedupeKey ?? null, keyed.key, w.now, w.now);
    if (keyed.fair) enterKey(database, w.queue, keyed.key!);
    database.event(w.id, 'created', null, JSON.stringify({ name: w.name, queue: w.queue, startAt: w.nextAt }), w.now);
    return { created: true, record: getWorkflow(database, w.id)! };
  });
}

/** A start stored claimed by the worker of the runtime that starts it (see `claimFor`), with both events. */
function createClaimed(database: SqliteDatabase, w: NewWorkflow, claimFor: { owner: string; leaseMs: number }): CreateWorkflowResult {
  const keyed = keyFor(database, w.queue, w.concurrencyKey);
  const inserted = database
    .sql(
      `INSERT INTO {p}workflows (id, name, kind, version, queue, priority, status, args, parent_id, next_at, deadline_at, dedupe_key, concurrency_key,
                                 lease_owner, lease_epoch, attempts, started_at, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, 'running', ?, ?, ?, ?, NULL, ?, ?, 1, 1, ?, ?, ?) ON CONFLICT DO NOTHING RETURNING *`,
    )
    .get(
      w.id, w.name, w.kind, w.version, w.queue, w.priority, w.args, w.parentId, w.now + claimFor.leaseMs, w.deadlineAt, keyed.key,
      claimFor.owner, w.now, w.now, w.now,
    ) as WorkflowRow | undefined;
  if (!inserted) return { created: false, record: getWorkflow(database, w.id)! };
  if (keyed.fair) enterKey(database, w.queue, keyed.key!);
  database.event(w.id, 'created', null, JSON.stringify({ name: w.name, queue: w.queue, startAt: w.nextAt }), w.now);
  database.event(w.id, 'claimed', null, JSON.stringify({ owner: claimFor.owner, epoch: 1 }), w.now);
  return { created: true, record: toRecord(inserted) };
}

/**
 * Bulk enqueue in one transaction: a start without a dedupe key is one prepared insert (and its event) with no
 * savepoint; the others take `createWorkflow`'s path, which deduplicates and debounces.
 */
export function createWorkflows(database: SqliteDatabase, inputs: readonly NewWorkflow[]): CreatedWorkflow[] {
  return database.write(() =>
    inputs.map((w) => {
      if (w.dedupeKey != null) {
        const { created, record } = createWorkflow(database, w);
        return { created, id: record.id, name: record.name };
      }
      const keyed = keyFor(database, w.queue, w.concurrencyKey);
      const inserted = database
        .sql(
          `INSERT INTO {p}workflows (id, name, kind, version, queue, priority, status, args, parent_id, next_at, deadline_at, dedupe_key, concurrency_key, created_at, updated_at)
           VALUES (?, ?, ?, ?, ?, ?, 'pending', ?, ?, ?, ?, NULL, ?, ?, ?) ON CONFLICT DO NOTHING`,
        )
        .run(w.id, w.name, w.kind, w.version, w.queue, w.priority, w.args, w.parentId, w.nextAt, w.deadlineAt, keyed.key, w.now, w.now);
      if (inserted.changes === 0) {
        const row = database.sql('SELECT name FROM {p}workflows WHERE id = ?').get(w.id) as { name: string };
        return { created: false, id: w.id, name: row.name };
      }
      if (keyed.fair) enterKey(database, w.queue, keyed.key!);
      database.event(w.id, 'created', null, JSON.stringify({ name: w.name, queue: w.queue, startAt: w.nextAt }), w.now);
      return { created: true, id: w.id, name: w.name };
    }),
  );
}
