// The soak's SQLite side: the framework's database file (on the small tmpfs that the disk filler fills) with
// the application's effects table, and a ledger in a database file of its own on another file system, so
// that recording an execution never depends on the space the framework is short of.

import Database from 'better-sqlite3';
import { retrying } from './retry.mjs';

const EFFECTS = 'soak_effects';

function open(filename) {
  const db = new Database(filename);
  db.pragma('journal_mode = WAL');
  db.pragma('busy_timeout = 10000');
  return db;
}

/** Creates the effects table in the framework's file and the ledger file (the framework migrates its own). */
export function prepareSqlite(filename, ledgerFile) {
  const db = open(filename);
  // No unique key on (workflow_id, step): a duplicate effect must be storable, so that it can be counted.
  db.exec(`CREATE TABLE IF NOT EXISTS ${EFFECTS} (id INTEGER PRIMARY KEY, workflow_id TEXT NOT NULL, step INTEGER NOT NULL,
    exec_id TEXT NOT NULL, pid INTEGER NOT NULL)`);
  db.close();
  const ledger = open(ledgerFile);
  ledger.exec(`CREATE TABLE IF NOT EXISTS executions (exec_id TEXT PRIMARY KEY, workflow_id TEXT NOT NULL, step INTEGER NOT NULL,
    attempt INTEGER NOT NULL, kind TEXT NOT NULL, pid INTEGER NOT NULL, started_at INTEGER NOT NULL)`);
  ledger.close();
}

/** The ledger port of a worker process (see definitions.mjs useLedger). */
export function sqliteLedger(ledgerFile) {
  const db = open(ledgerFile);
  db.pragma('synchronous = NORMAL');
  const insert = db.prepare(
    'INSERT OR IGNORE INTO executions (exec_id, workflow_id, step, attempt, kind, pid, started_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
  );
  return {
    async record({ execId, workflowId, step, attempt, kind }) {
      const startedAt = Date.now();
      await retrying(async () => insert.run(execId, workflowId, step, attempt, kind, process.pid, startedAt));
    },
    async effect(trx, { workflowId, step, execId }) {
      await trx(EFFECTS).insert({ workflow_id: workflowId, step, exec_id: execId, pid: process.pid });
    },
    async close() {
      db.close();
    },
  };
}

/** Read access for the checks, with the ledger attached; also the integrity check. */
export function sqliteReader(filename, ledgerFile) {
  const db = open(filename);
  db.prepare('ATTACH DATABASE ? AS ledger').run(ledgerFile);
  return {
    table: (name) => (name === 'executions' ? 'ledger.executions' : name === 'effects' ? EFFECTS : `steadfast_${name}`),
    async query(sql) {
      return db.prepare(sql).all();
    },
    integrity: () => db.pragma('integrity_check', { simple: true }),
    close: async () => db.close(),
  };
}
