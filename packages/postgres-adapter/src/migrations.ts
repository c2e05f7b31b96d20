import type { PostgresDatabase } from './postgres-database.js';
import { table } from './sql/tables.js';

/** Schema versions, applied in order, each once. Never edit a shipped one: add the next. */
const MIGRATIONS: string[] = [
  `CREATE TABLE {wf} (
     id text PRIMARY KEY,
     name text NOT NULL,
     kind text NOT NULL,
     version text,
     queue text NOT NULL,
     priority integer NOT NULL DEFAULT 0,
     status text NOT NULL,
     args text NOT NULL,
     output text,
     error text,
     parent_id text,
     next_at bigint,
     lease_owner text,
     lease_epoch bigint NOT NULL DEFAULT 0,
     attempts integer NOT NULL DEFAULT 0,
     recovery_attempts integer NOT NULL DEFAULT 0,
     created_at bigint NOT NULL,
     updated_at bigint NOT NULL,
     started_at bigint,
     finished_at bigint
   );
   CREATE INDEX {prefix}workflows_claim ON {wf} (queue, next_at);
   CREATE INDEX {prefix}workflows_status ON {wf} (status, created_at);
   CREATE TABLE {steps} (
     workflow_id text NOT NULL,
     seq integer NOT NULL,
     name text NOT NULL,
     kind text NOT NULL,
     output text,
     error text,
     attempts integer NOT NULL,
     created_at bigint NOT NULL,
     PRIMARY KEY (workflow_id, seq)
   );
   CREATE TABLE {events} (
     id bigserial PRIMARY KEY,
     workflow_id text NOT NULL,
     type text NOT NULL,
     seq integer,
     data text,
     at bigint NOT NULL
   );
   CREATE INDEX {prefix}events_workflow ON {events} (workflow_id, id);`,
  // 2: workflow deadlines, argument fingerprints, child lookup, signals.
  `ALTER TABLE {wf} ADD COLUMN deadline_at bigint;
   ALTER TABLE {steps} ADD COLUMN fingerprint text;
   CREATE INDEX {prefix}workflows_parent ON {wf} (parent_id);
   CREATE TABLE {signals} (
     id bigserial PRIMARY KEY,
     workflow_id text NOT NULL,
     name text NOT NULL,
     payload text NOT NULL,
     created_at bigint NOT NULL,
     delivered_seq integer,
     delivered_at bigint
   );
   CREATE INDEX {prefix}signals_pending ON {signals} (workflow_id, name, id) WHERE delivered_seq IS NULL;`,
  // 3: deduplication keys, cron schedules, queue start log for rate limits.
  `ALTER TABLE {wf} ADD COLUMN dedupe_key text;
   CREATE UNIQUE INDEX {prefix}workflows_dedupe ON {wf} (name, dedupe_key) WHERE status = 'pending' AND dedupe_key IS NOT NULL;
   CREATE TABLE {schedules} (
     name text PRIMARY KEY,
     workflow_name text NOT NULL,
     cron text NOT NULL,
     timezone text NOT NULL,
     catch_up text NOT NULL,
     args text NOT NULL,
     last_tick_at bigint NOT NULL,
     created_at bigint NOT NULL,
     updated_at bigint NOT NULL
   );
   CREATE TABLE {queue_starts} (queue text NOT NULL, at bigint NOT NULL);
   CREATE INDEX {prefix}queue_starts_window ON {queue_starts} (queue, at);`,
  // 4: what dashboards read: finished workflows by finish time (activity, and purge), with the columns
  // activity needs; and workflows in list order, so a page after a cursor is a range, not a sort of the table.
  `CREATE INDEX {prefix}workflows_finished ON {wf} (finished_at, status, created_at) WHERE finished_at IS NOT NULL;
   CREATE INDEX {prefix}workflows_created ON {wf} (created_at DESC, id);`,
  // 5: claims in claim order (priority, then due time) over unfinished rows only, so a claim stops after
  // `limit` rows however large the backlog or the number of finished rows.
  `CREATE INDEX {prefix}workflows_due ON {wf} (queue, priority DESC, next_at) WHERE next_at IS NOT NULL;`,
  // 6: idempotent signals: a sender's key is stored once per workflow, so a repeated send is not a second signal.
  `ALTER TABLE {signals} ADD COLUMN key text;
   CREATE UNIQUE INDEX {prefix}signals_key ON {signals} (workflow_id, key) WHERE key IS NOT NULL;`,
  // 7: live workers and the versions and queues they serve (heartbeats; expired rows are deleted by the
  // next heartbeat), so runs of a version no live worker serves show as stranded.
  `CREATE TABLE {table:workers} (
     id text PRIMARY KEY,
     versions text[],
     queues text[] NOT NULL,
     seen_at bigint NOT NULL,
     expires_at bigint NOT NULL
   );`,
  // 8: tenants. workflows.concurrency_key (bulk operations select by it), and what running workflows
  // publish: events (the latest value per key) and streams (chunks by position; a null `data` ends the
  // stream), each with the step that wrote it.
  `ALTER TABLE {wf} ADD COLUMN IF NOT EXISTS concurrency_key text;
   CREATE INDEX IF NOT EXISTS {prefix}workflows_concurrency_key ON {wf} (concurrency_key, created_at) WHERE concurrency_key IS NOT NULL;
   CREATE TABLE {table:workflow_events} (
     workflow_id text NOT NULL,
     key text NOT NULL,
     value text NOT NULL,
     seq integer NOT NULL,
     updated_at bigint NOT NULL,
     PRIMARY KEY (workflow_id, key)
   );
   CREATE TABLE {table:stream_chunks} (
     workflow_id text NOT NULL,
     key text NOT NULL,
     position integer NOT NULL,
     data text,
     seq integer NOT NULL,
     created_at bigint NOT NULL,
     PRIMARY KEY (workflow_id, key, position)
   );`,
  // 9: fairness between concurrency keys (queues with perKey). queue_keys is each queue's ring of keys with
  // unfinished rows, served in `turn` order; `seq` is bumped by every insert for the key, so a claim deletes
  // an entry it found empty only if no row came meanwhile. fair_queues marks the queues a perKey worker
  // claims: only their keys enter rings, and a row created there without a key is stored with the key ''
  // (one key of its own); a worker marking a queue enters the keys of its unfinished rows. The two
  // indexes hold keyed rows only, so rows without a key cost nothing more to write.
  `CREATE TABLE {table:queue_keys} (
     queue text NOT NULL,
     key text NOT NULL,
     turn bigint NOT NULL,
     seq bigint NOT NULL DEFAULT 0,
     PRIMARY KEY (queue, key)
   );
   CREATE INDEX {prefix}queue_keys_turn ON {table:queue_keys} (queue, turn, key);
   CREATE TABLE {table:fair_queues} (queue text PRIMARY KEY);
   CREATE INDEX {prefix}workflows_key_due ON {wf} (queue, concurrency_key, priority DESC, next_at)
     WHERE concurrency_key IS NOT NULL AND status IN ('pending', 'sleeping', 'running');
   CREATE INDEX {prefix}workflows_key_running ON {wf} (queue, concurrency_key) WHERE concurrency_key IS NOT NULL AND status = 'running';`,
];

/**
 * Creates the schema and brings the tables up to date. A transaction-scoped advisory lock (keyed by schema
 * and prefix) makes ten processes starting at once on an empty database apply each migration exactly once.
 */
export async function migrate(database: PostgresDatabase, now: number): Promise<void> {
  const { schema, prefix, tables } = database;
  await database.knexTransaction(async (trx) => {
    await trx.raw('SELECT pg_advisory_xact_lock(hashtext(?))', [`steadfast:migrate:${schema}.${prefix}`]);
    // CREATE SCHEMA IF NOT EXISTS needs CREATE on the database even when the schema exists, which a role
    // that does not own the database lacks: create it only when it is missing.
    const { rows: found } = await trx.raw('SELECT 1 FROM pg_namespace WHERE nspname = ?', [schema]);
    if (found.length === 0) await trx.raw(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
    await trx.raw(`CREATE TABLE IF NOT EXISTS ${tables.migrations} (version integer PRIMARY KEY, applied_at bigint NOT NULL)`);
    const { rows } = await trx.raw(`SELECT coalesce(max(version), 0) AS version FROM ${tables.migrations}`);
    for (let version = Number(rows[0].version) + 1; version <= MIGRATIONS.length; version++) {
      const sql = MIGRATIONS[version - 1]!
        .replaceAll('{wf}', tables.wf)
        .replaceAll('{steps}', tables.steps)
        .replaceAll('{events}', tables.events)
        .replaceAll('{signals}', tables.signals)
        .replaceAll('{schedules}', tables.schedules)
        .replaceAll('{queue_starts}', tables.queueStarts)
        .replaceAll('{prefix}', prefix)
        .replace(/\{table:([a-z_]+)\}/g, (_, name: string) => table(database, name));
      await trx.raw(sql);
      await trx.raw(`INSERT INTO ${tables.migrations} (version, applied_at) VALUES (?, ?)`, [version, now]);
    }
  });
}
