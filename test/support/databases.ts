import { PostgresAdapter } from '@steadfast/postgres-adapter';
import { SqliteAdapter } from '@steadfast/sqlite-adapter';
import type { StorageAdapter } from '@steadfast/core';
import { tempDir } from '../helpers.js';
import { createTestSchema, PG_URL, requirePostgres } from './postgres.js';

/** One database for one test, reachable from this process and from worker processes. */
export interface Database {
  adapter(): StorageAdapter;
  /** The environment that points a fixture worker process (test/fixtures/stream-worker.mjs) at it. */
  env: Record<string, string>;
  /** Every row of every Steadfast table as JSON text: what someone with a copy of the database reads. */
  dump(): Promise<string>;
  drop(): Promise<void>;
}

const TABLES = ['workflows', 'steps', 'events', 'signals', 'schedules', 'workflow_events', 'stream_chunks'];

/** SQLite (a file) and PostgreSQL (a schema of its own; skipped loudly when unreachable, not under CI). */
export const DATABASES: Array<{ name: 'sqlite' | 'postgres'; available: boolean; create(): Promise<Database> }> = [
  {
    name: 'sqlite',
    available: true,
    async create() {
      const tmp = tempDir();
      const file = tmp.file();
      const adapter = () => new SqliteAdapter({ filename: file, synchronous: 'NORMAL' });
      return {
        adapter,
        env: { STREAM_STORAGE: `sqlite:${file}` },
        dump: () => dump(adapter(), (knex, table) => knex(`steadfast_${table}`).select()),
        drop: async () => tmp.cleanup(),
      };
    },
  },
  {
    name: 'postgres',
    available: await requirePostgres(),
    async create() {
      const schema = await createTestSchema('sf_db');
      const adapter = () => new PostgresAdapter({ connection: PG_URL, schema: schema.schema, pool: { max: 3 } });
      return {
        adapter,
        env: { STREAM_STORAGE: 'postgres', STREAM_PG_URL: PG_URL, STREAM_PG_SCHEMA: schema.schema },
        dump: () => dump(adapter(), (knex, table) => knex.withSchema(schema.schema).from(`steadfast_${table}`).select()),
        drop: () => schema.drop(),
      };
    },
  },
];

async function dump(adapter: StorageAdapter, rows: (knex: any, table: string) => Promise<unknown[]>): Promise<string> {
  try {
    await adapter.migrate();
    const knex = (adapter as unknown as { knex: unknown }).knex;
    const tables = await Promise.all(TABLES.map(async (table) => [table, await rows(knex, table)] as const));
    return JSON.stringify(Object.fromEntries(tables));
  } finally {
    await adapter.close();
  }
}
