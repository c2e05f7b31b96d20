import type { SqliteDatabase } from './sqlite-database.js';

/**
 * Schema versions, applied in order, each once. Never edit a shipped one: add the next. A version is SQL, or a
 * function for one that must look at the schema first.
 */
const MIGRATIONS: Array<string | ((database: SqliteDatabase) => void)> = [
  `CREATE TABLE {p}workflows (
     id TEXT PRIMARY KEY,
     name TEXT NOT NULL,
     kind TEXT NOT NULL,
     version TEXT,
     queue TEXT NOT NULL,
     priority INTEGER NOT NULL DEFAULT 0,
     status TEXT NOT NULL,
     args TEXT NOT NULL,
     output TEXT,
     error TEXT,
     parent_id TEXT,
     next_at INTEGER,
     lease_owner TEXT,
     lease_epoch INTEGER NOT NULL DEFAULT 0,
     attempts INTEGER NOT NULL DEFAULT 0,
     recovery_attempts INTEGER NOT NULL DEFAULT 0,
     created_at INTEGER NOT NULL,
     updated_at INTEGER NOT NULL,
     started_at INTEGER,
     finished_at INTEGER
   );
   CREATE INDEX {p}workflows_claim ON {p}workflows (queue, next_at);
   CREATE INDEX {p}workflows_status ON {p}workflows (status, created_at);
   CREATE TABLE {p}steps (
     workflow_id TEXT NOT NULL,
     seq INTEGER NOT NULL,
     name TEXT NOT NULL,
     kind TEXT NOT NULL,
     output TEXT,
     error TEXT,
     attempts INTEGER NOT NULL,
     created_at INTEGER NOT NULL,
     PRIMARY KEY (workflow_id, seq)
   ) WITHOUT ROWID;
   CREATE TABLE {p}events (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     workflow_id TEXT NOT NULL,
     type TEXT NOT NULL,
     seq INTEGER,
     data TEXT,
     at INTEGER NOT NULL
   );
   CREATE INDEX {p}events_workflow ON {p}events (workflow_id, id);`,
  // 2: workflow deadlines, argument fingerprints, child lookup, signals.
  `ALTER TABLE {p}workflows ADD COLUMN deadline_at INTEGER;
   ALTER TABLE {p}steps ADD COLUMN fingerprint TEXT;
   CREATE INDEX {p}workflows_parent ON {p}workflows (parent_id);
   CREATE TABLE {p}signals (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     workflow_id TEXT NOT NULL,
     name TEXT NOT NULL,
     payload TEXT NOT NULL,
     created_at INTEGER NOT NULL,
     delivered_seq INTEGER,
     delivered_at INTEGER
   );
   CREATE INDEX {p}signals_pending ON {p}signals (workflow_id, name, id);`,
  // 3: deduplication keys, cron schedules, queue start log for rate limits.
  `ALTER TABLE {p}workflows ADD COLUMN dedupe_key TEXT;
   CREATE UNIQUE INDEX {p}workflows_dedupe ON {p}workflows (name, dedupe_key) WHERE status = 'pending' AND dedupe_key IS NOT NULL;
   CREATE TABLE {p}schedules (
     name TEXT PRIMARY KEY,
     workflow_name TEXT NOT NULL,
     cron TEXT NOT NULL,
     timezone TEXT NOT NULL,
     catch_up TEXT NOT NULL,
     args TEXT NOT NULL,
     last_tick_at INTEGER NOT NULL,
     created_at INTEGER NOT NULL,
     updated_at INTEGER NOT NULL
   );
   CREATE TABLE {p}queue_starts (queue TEXT NOT NULL, at INTEGER NOT NULL);
   CREATE INDEX {p}queue_starts_window ON {p}queue_starts (queue, at);`,
  // 4: what dashboards read: finished workflows by finish time (activity, and purge), covering the columns
  // activity needs; and workflows in list order, so a page after a cursor is a range, not a sort of the table.
  `CREATE INDEX {p}workflows_finished ON {p}workflows (finished_at, status, created_at) WHERE finished_at IS NOT NULL;
   CREATE INDEX {p}workflows_created ON {p}workflows (created_at DESC, id);`,
  // 5: claims in claim order (priority, then due time) over unfinished rows only, so a claim reads about
  // `limit` rows however large the backlog or the number of finished rows.
  `CREATE INDEX {p}workflows_due ON {p}workflows (queue, priority DESC, next_at) WHERE next_at IS NOT NULL;`,
  // 6: idempotent signals: a sender's key is stored once per workflow, so a repeated send is not a second signal.
  `ALTER TABLE {p}signals ADD COLUMN key TEXT;
   CREATE UNIQUE INDEX {p}signals_key ON {p}signals (workflow_id, key) WHERE key IS NOT NULL;`,
  // 7: live workers and the versions and queues they serve (heartbeats; expired rows are deleted by the
  // next heartbeat), so runs of a version no live worker serves show as stranded.
  `CREATE TABLE {p}workers (
     id TEXT PRIMARY KEY,
     versions TEXT,
     queues TEXT NOT NULL,
     seen_at INTEGER NOT NULL,
     expires_at INTEGER NOT NULL
   );`,
  // 8: tenants. workflows.concurrency_key (bulk operations select by it; added only if it is not there, as
  // SQLite has no ADD COLUMN IF NOT EXISTS), and what running workflows publish:
  // events (the latest value per key) and streams (chunks by position; a null `data` ends the stream), each
  // with the step that wrote it.
  (database) => {
    const columns = database.db.prepare(`PRAGMA table_info(${database.prefix}workflows)`).all() as { name: string }[];
    const add = columns.some((column) => column.name === 'concurrency_key') ? '' : 'ALTER TABLE {p}workflows ADD COLUMN concurrency_key TEXT;';
    database.db.exec(
      `${add}
       CREATE INDEX IF NOT EXISTS {p}workflows_concurrency_key ON {p}workflows (concurrency_key, created_at) WHERE concurrency_key IS NOT NULL;
       CREATE TABLE {p}workflow_events (
         workflow_id TEXT NOT NULL,
         key TEXT NOT NULL,
         value TEXT NOT NULL,
         seq INTEGER NOT NULL,
         updated_at INTEGER NOT NULL,
         PRIMARY KEY (workflow_id, key)
       ) WITHOUT ROWID;
       CREATE TABLE {p}stream_chunks (
         workflow_id TEXT NOT NULL,
         key TEXT NOT NULL,
         position INTEGER NOT NULL,
         data TEXT,
         seq INTEGER NOT NULL,
         created_at INTEGER NOT NULL,
         PRIMARY KEY (workflow_id, key, position)
       ) WITHOUT ROWID;`.replaceAll('{p}', database.prefix),
    );
  },
  // 9: fairness between concurrency keys (queues with perKey). queue_keys is each queue's ring of keys with
  // unfinished rows, served in `turn` order (`seq` as on PostgreSQL: bumped by every insert for the key).
  // fair_queues marks the queues a perKey worker claims: only their keys enter rings, and a row created there
  // without a key is stored with the key '' (one key of its own); a worker marking a queue enters the keys of
  // its unfinished rows. The two indexes hold keyed rows only, so rows without a key cost nothing
  // more to write.
  `CREATE TABLE {p}queue_keys (
     queue TEXT NOT NULL,
     key TEXT NOT NULL,
     turn INTEGER NOT NULL,
     seq INTEGER NOT NULL DEFAULT 0,
     PRIMARY KEY (queue, key)
   ) WITHOUT ROWID;
   CREATE INDEX {p}queue_keys_turn ON {p}queue_keys (queue, turn, key);
   CREATE TABLE {p}fair_queues (queue TEXT PRIMARY KEY) WITHOUT ROWID;
   CREATE INDEX {p}workflows_key_due ON {p}workflows (queue, concurrency_key, priority DESC, next_at)
     WHERE concurrency_key IS NOT NULL AND status IN ('pending', 'sleeping', 'running');
   CREATE INDEX {p}workflows_key_running ON {p}workflows (queue, concurrency_key) WHERE concurrency_key IS NOT NULL AND status = 'running';`,
];

/**
 * Brings the schema up to date inside one IMMEDIATE transaction: a second process migrating at the same
 * moment waits on the write lock, then finds the work done.
 */
export function migrate(database: SqliteDatabase, now: number): void {
  const { db, prefix } = database;
  database.write(() => {
    db.exec(`CREATE TABLE IF NOT EXISTS ${prefix}migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)`);
    const row = db.prepare(`SELECT MAX(version) AS version FROM ${prefix}migrations`).get() as { version: number | null };
    for (let version = (row.version ?? 0) + 1; version <= MIGRATIONS.length; version++) {
      const migration = MIGRATIONS[version - 1]!;
      if (typeof migration === 'string') db.exec(migration.replaceAll('{p}', prefix));
      else migration(database);
      db.prepare(`INSERT INTO ${prefix}migrations (version, applied_at) VALUES (?, ?)`).run(version, now);
    }
  });
}
