import { LeaseLostError, type CreatedWorkflow, type CreateWorkflowResult, type Lease, type NewWorkflow } from '@steadfast/core/adapter';
import type { PostgresDatabase } from '../postgres-database.js';
import type { WorkflowRow } from '@steadfast/core/adapter';
import { getWorkflow, toRecord } from './read-workflows.js';
import { enterKeys, keyOf } from './queue-keys.js';

/**
 * Inserts many workflows unless their ids exist, with their `created` events, stored claimed for the starts
 * that ask it (`claimFor`: running under a lease on the database clock, with a `claimed` event), and one
 * notification to idle workers for the others: one statement for all the starts made together (group
 * commit). Returns the rows inserted.
 */
const CREATE_MANY = `
  WITH input AS (
    SELECT * FROM json_to_recordset(:inputs::json)
      AS i(id text, name text, kind text, version text, queue text, priority int, args text, parent_id text, next_at bigint,
           deadline_at bigint, dedupe_key text, concurrency_key text, owner text, lease_ms bigint, now bigint, ord int)
  ), ins AS (
    INSERT INTO {wf} (id, name, kind, version, queue, priority, status, args, parent_id, next_at, deadline_at, dedupe_key, concurrency_key,
                      lease_owner, lease_epoch, attempts, started_at, created_at, updated_at)
    SELECT id, name, kind, version, queue, priority, CASE WHEN owner IS NULL THEN 'pending' ELSE 'running' END, args, parent_id,
           CASE WHEN owner IS NULL THEN next_at ELSE {now_db} + lease_ms END, deadline_at, dedupe_key, ${keyOf('concurrency_key', 'input.queue')},
           owner, CASE WHEN owner IS NULL THEN 0 ELSE 1 END, CASE WHEN owner IS NULL THEN 0 ELSE 1 END, CASE WHEN owner IS NULL THEN NULL ELSE now END,
           now, now
      FROM input ORDER BY ord
    ON CONFLICT DO NOTHING RETURNING *
  ), ev AS (
    INSERT INTO {events} (workflow_id, type, seq, data, at)
    SELECT ins.id, 'created', NULL::int,
           json_build_object('name', ins.name, 'queue', ins.queue, 'startAt', CASE WHEN ins.lease_owner IS NULL THEN ins.next_at ELSE ins.created_at END)::text,
           ins.created_at FROM ins
    UNION ALL
    SELECT ins.id, 'claimed', NULL, json_build_object('owner', ins.lease_owner, 'epoch', ins.lease_epoch)::text, ins.created_at
      FROM ins WHERE ins.lease_owner IS NOT NULL
  ), ${enterKeys('ins')}
  SELECT ins.*, (SELECT pg_notify(:channel, min(next_at)::text) FROM ins WHERE lease_owner IS NULL HAVING count(*) > 0) AS notified FROM ins`;

async function insertMany(database: PostgresDatabase, inputs: NewWorkflow[]): Promise<Array<WorkflowRow | null>> {
  const rows = await database.rows<WorkflowRow>(CREATE_MANY, {
    inputs: JSON.stringify(
      inputs.map((w, ord) => ({
        id: w.id, name: w.name, kind: w.kind, version: w.version, queue: w.queue, priority: w.priority, args: w.args, parent_id: w.parentId,
        next_at: w.nextAt, deadline_at: w.deadlineAt, dedupe_key: w.dedupeKey ?? null, concurrency_key: w.concurrencyKey ?? null,
        owner: w.claimFor?.owner ?? null, lease_ms: w.claimFor?.leaseMs ?? null, now: w.now, ord,
      })),
    ),
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
  if (w.parentLease) return createChild(database, w, w.parentLease);
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

/**
 * A child workflow, created under its parent's lease in one statement: the parent row is read FOR SHARE with
 * the fence, so a cancel of the parent either commits first (the fence fails: nothing is written) or waits
 * for this insert and then finds the child (`cancelWorkflow` cascades in statements of its own). Without a
 * key of its own the child takes its parent's concurrency key (a tenant's children count as the tenant's).
 */
const CREATE_CHILD = `
  WITH parent AS (
    SELECT id, nullif(concurrency_key, '') AS concurrency_key FROM {wf} WHERE id = :parentId AND lease_owner = :owner AND lease_epoch = :epoch AND status = 'running' FOR SHARE
  ), ins AS (
    INSERT INTO {wf} (id, name, kind, version, queue, priority, status, args, parent_id, next_at, deadline_at, dedupe_key, concurrency_key, created_at, updated_at)
    SELECT :id, :name, :kind, :version, :queue, :priority::int, 'pending', :args, parent.id, :nextAt::bigint, :deadlineAt::bigint, NULL,
           ${keyOf('coalesce(:concurrencyKey::text, parent.concurrency_key)', ':queue')}, :now::bigint, :now::bigint
      FROM parent
    ON CONFLICT DO NOTHING RETURNING *
  ), ev AS (
    INSERT INTO {events} (workflow_id, type, seq, data, at)
    SELECT id, 'created', NULL, json_build_object('name', name, 'queue', queue, 'startAt', next_at)::text, created_at FROM ins
  ), ${enterKeys('ins')}
  SELECT f.fenced, ins.*, (SELECT pg_notify(:channel, next_at::text) FROM ins) AS notified
    FROM (SELECT count(*)::int AS fenced FROM parent) f LEFT JOIN ins ON true`;

async function createChild(database: PostgresDatabase, w: NewWorkflow, lease: Lease): Promise<CreateWorkflowResult> {
  const [row] = await database.rows<WorkflowRow & { fenced: number }>(CREATE_CHILD, {
    parentId: lease.workflowId, owner: lease.owner, epoch: lease.epoch,
    id: w.id, name: w.name, kind: w.kind, version: w.version, queue: w.queue, priority: w.priority, args: w.args,
    nextAt: w.nextAt, deadlineAt: w.deadlineAt, concurrencyKey: w.concurrencyKey ?? null, now: w.now, channel: database.channel,
  });
  if (row?.fenced !== 1) throw new LeaseLostError(lease.workflowId, lease.epoch);
  if (row.id !== null) return { created: true, record: toRecord(row) };
  // Created already (by this parent before, in an execution that did not get to checkpoint it).
  const existing = await getWorkflow(database, w.id);
  if (!existing) throw new Error(`child workflow ${w.id} conflicted on insert but cannot be read back`);
  return { created: false, record: existing };
}

const CREATE_ONE = `
  WITH ins AS (
    INSERT INTO {wf} (id, name, kind, version, queue, priority, status, args, parent_id, next_at, deadline_at, dedupe_key, concurrency_key, created_at, updated_at)
    VALUES (?, ?, ?, ?, ?, ?, 'pending', ?, ?, ?, ?, ?, ${keyOf('?::text', '?')}, ?, ?) ON CONFLICT DO NOTHING RETURNING *
  ), ev AS (
    INSERT INTO {events} (workflow_id, type, seq, data, at) SELECT id, 'created', NULL, ?, ? FROM ins
  ), ${enterKeys('ins')}
  SELECT ins.*, pg_notify(?, ins.next_at::text) AS notified FROM ins`;

/** One start on its own, with deduplication and debounce. */
async function createOne(database: PostgresDatabase, w: NewWorkflow): Promise<CreateWorkflowResult> {
  const [inserted] = await database.rows<WorkflowRow>(
    CREATE_ONE,
    [
      w.id, w.name, w.kind, w.version, w.queue, w.priority, w.args, w.parentId, w.nextAt, w.deadlineAt, w.dedupeKey ?? null, w.concurrencyKey ?? null, w.queue, w.now, w.now,
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
