// A fresh database per scenario: a SQLite file in os.tmpdir() or a PostgreSQL schema, removed afterwards.

import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { PostgresAdapter } from '@steadfast/postgres-adapter';
import { SqliteAdapter } from '@steadfast/sqlite-adapter';

export const PG_URL = process.env.STEADFAST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
export const ADAPTERS = ['sqlite', 'postgres'];

/**
 * What a worker process needs to open the same store: plain JSON, passed on its command line.
 * `{ adapter: 'sqlite', filename }` or `{ adapter: 'postgres', connection, schema }`.
 */
export function openAdapter(spec, extra = {}) {
  if (spec.adapter === 'postgres') return new PostgresAdapter({ connection: spec.connection, schema: spec.schema, ...extra });
  return new SqliteAdapter({ filename: spec.filename, ...extra });
}

/** Creates an empty store for one scenario; `cleanup()` removes it (drops the schema, deletes the file). */
export async function freshStore(adapter, label) {
  const tag = `${label.toLowerCase()}_${randomBytes(4).toString('hex')}`;
  if (adapter === 'postgres') {
    const schema = `bench_${tag}`;
    return new PostgresStore({ adapter, connection: PG_URL, schema });
  }
  if (adapter === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), `steadfast-bench-${tag}-`));
    return new SqliteStore({ adapter, filename: join(dir, 'bench.db') }, dir);
  }
  throw new Error(`unknown adapter ${JSON.stringify(adapter)} (expected sqlite or postgres)`);
}

class PostgresStore {
  constructor(spec) {
    this.spec = spec;
    this.kind = 'postgres';
    this.table = (name) => `"${spec.schema}"."steadfast_${name}"`;
  }

  open(extra) {
    return openAdapter(this.spec, extra);
  }

  /** Runs admin SQL (bulk inserts, checks) on a connection of its own. */
  async exec(sql, params = []) {
    const client = await this.client();
    return (await client.query(sql, params)).rows;
  }

  async client() {
    if (!this.admin) {
      this.admin = new pg.Client({ connectionString: this.spec.connection });
      this.admin.on('error', () => {});
      await this.admin.connect();
    }
    return this.admin;
  }

  async cleanup() {
    const client = await this.client().catch(() => undefined);
    if (client) {
      await client.query(`DROP SCHEMA IF EXISTS "${this.spec.schema}" CASCADE`).catch((error) => {
        process.stderr.write(`bench: could not drop schema ${this.spec.schema}: ${error.message}\n`);
      });
      await client.end().catch(() => {});
    }
    this.admin = undefined;
  }
}

class SqliteStore {
  constructor(spec, dir) {
    this.spec = spec;
    this.dir = dir;
    this.kind = 'sqlite';
    this.table = (name) => `steadfast_${name}`;
  }

  open(extra) {
    return openAdapter(this.spec, extra);
  }

  /** A raw better-sqlite3 connection of its own (WAL, busy timeout) for bulk inserts and checks. */
  db() {
    if (!this.raw) {
      this.raw = new Database(this.spec.filename);
      this.raw.pragma('journal_mode = WAL');
      this.raw.pragma('busy_timeout = 10000');
    }
    return this.raw;
  }

  async exec(sql, params = []) {
    const statement = this.db().prepare(sql);
    return statement.reader ? statement.all(...params) : (statement.run(...params), []);
  }

  async cleanup() {
    this.raw?.close();
    this.raw = undefined;
    rmSync(this.dir, { recursive: true, force: true });
  }
}
