// Counting database work: PostgreSQL queries (round trips) by wrapping pg's Client#query, and SQLite
// statement executions and transactions by wrapping better-sqlite3 (process-wide, only where asked).

import Database from 'better-sqlite3';
import pg from 'pg';

/** What a statement is for, from its text (both adapters' SQL). */
export function classify(sql) {
  const s = sql.replace(/\s+/g, ' ');
  if (/lease_epoch = l\.epoch/.test(s)) return 'heartbeat';
  if (/^LISTEN |^SELECT 1$/.test(s)) return 'listener';
  if (/WITH fence AS .*INSERT INTO \S*steps/.test(s) || /WITH input AS .*fence AS .*INSERT INTO \S*steps/.test(s)) return 'recordStep';
  if (/WITH due AS|WITH RECURSIVE prio/.test(s)) return 'claim';
  if (/(INSERT INTO|DELETE FROM) \S*workers\b/.test(s)) return 'workerPresence';
  if (/WITH ins AS|WITH input AS .*ins AS \( INSERT INTO \S*workflows/.test(s)) return 'createWorkflow';
  if (/min\((\w+\.)?next_at\)/i.test(s)) return 'nextDueAt';
  if (/json_agg\(s ORDER BY/.test(s)) return 'loadExecution';
  if (/SET status = 'completed'/.test(s)) return 'complete';
  if (/^SELECT \* FROM \S*workflows\S* WHERE id = /.test(s)) return 'getWorkflow';
  // SQLite: one statement per table touched; grouped by their call site.
  if (/^UPDATE \S*workflows SET updated_at = \? WHERE id = /.test(s)) return 'fence';
  if (/^INSERT INTO \S*steps/.test(s)) return 'insertStep';
  if (/^INSERT INTO \S*events/.test(s)) return 'insertEvent';
  if (/^INSERT INTO \S*workflows/.test(s)) return 'createWorkflow';
  if (/^SELECT id, status\b.* FROM \S*workflows/.test(s)) return 'claimSelect';
  if (/^PRAGMA data_version/i.test(s)) return 'changeWatch';
  if (/^BEGIN/.test(s)) return 'begin';
  if (/^(SAVEPOINT|RELEASE|ROLLBACK TO)/.test(s)) return 'savepoint';
  if (/^COMMIT/.test(s)) return 'commit';
  if (/^SELECT parent_id FROM/.test(s)) return 'parentLookup';
  if (/^UPDATE \S*workflows SET status = 'running'/.test(s)) return 'claimUpdate';
  if (/^SELECT args\b|^SELECT \* FROM \S*steps|type = 'retry_scheduled'/.test(s)) return 'loadExecution';
  return 'other';
}

/** classify() once per statement text: the adapters reuse a few texts, and counting must not cost the figures it counts. */
const KINDS = new Map();
function kindOf(sql) {
  let kind = KINDS.get(sql);
  if (kind === undefined) KINDS.set(sql, (kind = classify(sql)));
  return kind;
}

export class Tally {
  constructor() {
    this.reset();
  }
  reset() {
    this.total = 0;
    this.transactions = 0;
    this.skipped = 0;
    this.byKind = {};
  }
  add(sql) {
    this.total++;
    const kind = kindOf(sql);
    this.byKind[kind] = (this.byKind[kind] ?? 0) + 1;
  }
  /** Counts per unit (per step, per workflow), rounded. */
  per(units) {
    return Object.fromEntries(Object.entries(this.byKind).sort().map(([k, v]) => [k, Number((v / units).toFixed(3))]));
  }
}

/** Kinds that are not the runtime's own statements: heartbeats (a connection of their own) and the LISTEN connection. */
const NOT_COUNTED = new Set(['heartbeat', 'listener']);

let activePg;
let countAll = false;
/**
 * Counts every statement this process sends to PostgreSQL while `tally` is the active one (pg's Client#query,
 * which the adapter's connections, its knex and the listener all go through), but heartbeats and the LISTEN
 * connection's own queries, which `tally.skipped` counts apart; with `all`, those too (an idle worker's load).
 */
export function countPostgres(tally, { all = false } = {}) {
  if (!activePg) {
    const query = pg.Client.prototype.query;
    pg.Client.prototype.query = function counted(config, ...rest) {
      const text = typeof config === 'string' ? config : config?.text;
      if (activePg && typeof text === 'string') {
        if (!countAll && NOT_COUNTED.has(kindOf(text))) activePg.skipped++;
        else activePg.add(text);
      }
      return query.call(this, config, ...rest);
    };
  }
  activePg = tally;
  countAll = all;
}

let active;
/** Counts SQLite statement executions and transactions in this process while `tally` is the active one. */
export function countSqlite(tally) {
  if (!active) {
    const probe = new Database(':memory:');
    const proto = Object.getPrototypeOf(probe.prepare('SELECT 1'));
    for (const method of ['run', 'get', 'all', 'iterate']) {
      const original = proto[method];
      proto[method] = function counted(...args) {
        active?.add(this.source);
        return original.apply(this, args);
      };
    }
    // A transaction is a top-level one (its BEGIN): a transaction function called inside another one is a
    // savepoint, which better-sqlite3 runs as SAVEPOINT ... RELEASE.
    const transaction = Database.prototype.transaction;
    let depth = 0;
    Database.prototype.transaction = function counted(fn) {
      return transaction.call(this, function body(...args) {
        if (active && depth === 0) active.transactions++;
        depth++;
        try {
          return fn.apply(this, args);
        } finally {
          depth--;
        }
      });
    };
    probe.close();
  }
  active = tally;
}
