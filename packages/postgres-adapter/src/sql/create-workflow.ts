import type { CreatedWorkflow, CreateWorkflowResult, NewWorkflow } from '@steadfast/core/adapter';
import type { PostgresDatabase } from '../postgres-database.js';
import type { WorkflowRow } from '@steadfast/core/adapter';
import { getWorkflow, toRecord } from './read-workflows.js';

/**
 * Inserts many workflows unless their ids exist, with their `created` events and one notification to idle
 * workers: one statement for all the starts made together (group commit). Returns the rows inserted.
 */
const CREATE_MANY = `
  WITH input AS (
    SELECT * FROM unnest(:ids::text[], :names::text[], :kinds::text[], :versions::text[], :queues::text[], :priorities::int[], :args::text[],
                         :parents::text[], :nextAts::bigint[], :deadlines::bigint[], :dedupes::text[], :nows::bigint[], :concurrencyKeys::text[])
      WITH ORDINALITY AS i(id, name, kind, version, queue, priority, args, parent_id, next_at, deadline_at, dedupe_key, now, concurrency_key, ord)
  ), ins AS (
    INSERT INTO {wf} (id, name, kind, version, queue, priority, status, args, parent_id, next_at, deadline_at, dedupe_key, concurrency_key, created_at, updated_at)
    SELECT id, name, kind, version, queue, priority, 'pending', args, parent_id, next_at, deadline_at, dedupe_key, concurrency_key, now, now FROM input ORDER BY ord
    ON CONFLICT DO NOTHING RETURNING *
  ), ev AS (
    INSERT INTO {events} (workflow_id, type, seq, data, at)
    SELECT ins.id, 'created', NULL, json_build_object('name', ins.name, 'queue', ins.queue, 'startAt', ins.next_at)::text, ins.created_at FROM ins
  )
  SELECT ins.*, (SELECT pg_notify(:channel, min(next_at)::text) FROM ins) AS notified FROM ins`;

async function insertMany(database: PostgresDatabase, inputs: NewWorkflow[]): Promise<Array<WorkflowRow | null>> {
  const rows = await database.rows<WorkflowRow>(CREATE_MANY, {
    ids: inputs.map((w) => w.id),
    names: inputs.map((w) => w.name),
    kinds: inputs.map((w) => w.kind),
    versions: inputs.map((w) => w.version),
    queues: inputs.map((w) => w.queue),
    priorities: inputs.map((w) => w.priority),
    args: inputs.map((w) => w.args),
    parents: inputs.map((w) => w.parentId),
    nextAts: inputs.map((w) => w.nextAt),
    deadlines: inputs.map((w) => w.deadlineAt),
    dedupes: inputs.map((w) => w.dedupeKey ?? null),
    nows: inputs.map((w) => w.now),
    concurrencyKeys: inputs.map((w) => w.concurrencyKey ?? null),
    channel: database.channel,
  });
  const byId = new Map(rows.map((row) => [row.id, row]));
  // Two inputs with one id: the first was inserted, the other is a start of an existing workflow.
  return inputs.map((w) => {
    const row = byId.get(w.id);
    if (row) byId.delete(w.id);
    return row ?? null;
  });
}

/**
 * Inserts the workflow unless its id exists (idempotent start), with its `created` event and a
 * notification to idle workers: one statement, shared with the starts made at the same time. An id that
 * exists, or a pending duplicate by dedupe key, is read back (and debounced) by `createOne`.
 */
export async function createWorkflow(database: PostgresDatabase, w: NewWorkflow): Promise<CreateWorkflowResult> {
  if (w.dedupeKey != null) return createOne(database, w);
  const inserted = await database.batcher<NewWorkflow, WorkflowRow | null>('createWorkflow', (inputs) => insertMany(database, inputs)).submit(w);
  if (inserted) return { created: true, record: toRecord(inserted) };
  return createOne(database, w);
}

/** Rows per statement of a bulk insert: large enough to amortize the round trip, small enough to stay under a second. */
const BULK_ROWS = 1_000;

/**
 * Bulk enqueue: inserts in statements of up to 1,000 rows; ids that exist already are read back in one
 * query per chunk; starts with a dedupe key take the one-by-one path, which deduplicates and debounces.
 */
export async function createWorkflows(database: PostgresDatabase, inputs: readonly NewWorkflow[]): Promise<CreatedWorkflow[]> {
  const results: CreatedWorkflow[] = new Array(inputs.length);
  const plain: number[] = [];
  for (let i = 0; i < inputs.length; i++) {
    const w = inputs[i]!;
    if (w.dedupeKey != null) {
      const { created, record } = await createOne(database, w);
      results[i] = { created, id: record.id, name: record.name };
    } else {
      plain.push(i);
    }
  }
  for (let from = 0; from < plain.length; from += BULK_ROWS) {
    const chunk = plain.slice(from, from + BULK_ROWS);
    const inserted = await insertMany(database, chunk.map((i) => inputs[i]!));
    const missing = chunk.filter((_, k) => inserted[k] === null).map((i) => inputs[i]!.id);
    const existing = new Map(
      missing.length === 0 ? [] : (await database.rows<{ id: string; name: string }>('SELECT id, name FROM {wf} WHERE id = ANY(:ids::text[])', { ids: missing })).map((row) => [row.id, row.name]),
    );
    chunk.forEach((i, k) => {
      const w = inputs[i]!;
      const row = inserted[k];
      results[i] = row ? { created: true, id: w.id, name: w.name } : { created: false, id: w.id, name: existing.get(w.id) ?? w.name };
    });
  }
  return results;
}

/** One start on its own, with deduplication and debounce. */
async function createOne(database: PostgresDatabase, w: NewWorkflow): Promise<CreateWorkflowResult> {
  const [inserted] = await database.rows<WorkflowRow>(
    `WITH ins AS (
       INSERT INTO {wf} (id, name, kind, version, queue, priority, status, args, parent_id, next_at, deadline_at, dedupe_key, concurrency_key, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, 'pending', ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING RETURNING *
     ), ev AS (
       INSERT INTO {events} (workflow_id, type, seq, data, at) SELECT id, 'created', NULL, ?, ? FROM ins
     )
     SELECT ins.*, pg_notify(?, ins.next_at::text) AS notified FROM ins`,
    [
      w.id, w.name, w.kind, w.version, w.queue, w.priority, w.args, w.parentId, w.nextAt, w.deadlineAt, w.dedupeKey ?? null, w.concurrencyKey ?? null, w.now, w.now,
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
    return createOne(database, w);
  }
  throw new Error(`workflow ${w.id} conflicted on insert but cannot be read back`);
}
