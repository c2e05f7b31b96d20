// Counting database work: PostgreSQL queries (round trips) through the adapter's knex 'query' events, and
// SQLite statement executions and transactions by wrapping better-sqlite3 (process-wide, only where asked).

import Database from 'better-sqlite3';

/** What a statement is for, from its text (both adapters' SQL). */
export function classify(sql) {
  const s = sql.replace(/\s+/g, ' ');
  if (/WITH fence AS .*INSERT INTO \S*steps/.test(s)) return 'recordStep';
  if (/WITH due AS/.test(s)) return 'claim';
  if (/min\(next_at\)/i.test(s)) return 'nextDueAt';
  if (/WITH ins AS/.test(s)) return 'createWorkflow';
  if (/json_agg\(s ORDER BY/.test(s)) return 'loadExecution';
  if (/status = 'completed'/.test(s)) return 'complete';
  if (/^SELECT \* FROM \S*workflows\S* WHERE id = /.test(s)) return 'getWorkflow';
  // SQLite: one statement per table touched; grouped by their call site.
  if (/^UPDATE \S*workflows SET updated_at = \? WHERE id = /.test(s)) return 'fence';
  if (/^INSERT INTO \S*steps/.test(s)) return 'insertStep';
  if (/^INSERT INTO \S*events/.test(s)) return 'insertEvent';
  if (/^INSERT INTO \S*workflows/.test(s)) return 'createWorkflow';
  if (/^SELECT id, status\b.* FROM \S*workflows/.test(s)) return 'claimSelect';
  if (/^BEGIN/.test(s)) return 'begin';
  if (/^COMMIT/.test(s)) return 'commit';
  if (/^SELECT parent_id FROM/.test(s)) return 'parentLookup';
  if (/^UPDATE \S*workflows SET status = 'running'/.test(s)) return 'claimUpdate';
  if (/^SELECT args\b|^SELECT \* FROM \S*steps|type = 'retry_scheduled'/.test(s)) return 'loadExecution';
  return 'other';
}

export class Tally {
  constructor() {
    this.reset();
  }
  reset() {
    this.total = 0;
    this.transactions = 0;
    this.byKind = {};
  }
  add(sql) {
    this.total++;
    const kind = classify(sql);
    this.byKind[kind] = (this.byKind[kind] ?? 0) + 1;
  }
  /** Counts per unit (per step, per workflow), rounded. */
  per(units) {
    return Object.fromEntries(Object.entries(this.byKind).sort().map(([k, v]) => [k, Number((v / units).toFixed(3))]));
  }
}

/** Counts every query the PostgreSQL adapter sends on its main pool (heartbeats use a pool of their own). */
export function countPostgres(adapter, tally) {
  adapter.knex.on('query', (query) => tally.add(query.sql));
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
    const transaction = Database.prototype.transaction;
    Database.prototype.transaction = function counted(fn) {
      return transaction.call(this, function body(...args) {
        if (active) active.transactions++;
        return fn.apply(this, args);
      });
    };
    probe.close();
  }
  active = tally;
}
