import { pino } from 'pino';
import { Runtime, type RuntimeOptions, type StorageAdapter } from '@steadfast/core';
import { PostgresAdapter } from '@steadfast/postgres-adapter';
import { SqliteAdapter } from '@steadfast/sqlite-adapter';
import { tempDir } from './helpers.js';
import { createTestSchema, PG_URL, requirePostgres } from './support/postgres.js';

/** One storage for one test: every runtime and adapter made from it shares the same database. */
export interface TestStorage {
  adapter(): StorageAdapter;
  runtime(options?: Partial<RuntimeOptions>): Runtime;
  cleanup(): Promise<void>;
}

export interface AdapterKind {
  name: 'sqlite' | 'postgres';
  available: boolean;
  create(): Promise<TestStorage>;
}

function track(make: () => StorageAdapter, drop: () => Promise<void>): TestStorage {
  const runtimes: Runtime[] = [];
  const adapters: StorageAdapter[] = [];
  return {
    adapter() {
      const adapter = make();
      adapters.push(adapter);
      return adapter;
    },
    runtime(options = {}) {
      const runtime = new Runtime({
        storage: this.adapter(),
        logger: pino({ level: 'silent' }),
        leaseMs: 3_000,
        heartbeatMs: 1_000,
        pollIntervalMs: 50,
        ...options,
      });
      runtimes.push(runtime);
      return runtime;
    },
    async cleanup() {
      for (const runtime of runtimes) await runtime.shutdown({ timeout: 1_000 }).catch(() => {});
      for (const adapter of adapters) await adapter.close().catch(() => {});
      await drop();
    },
  };
}

/** The adapters every behavioural test runs against; PostgreSQL is skipped loudly when unreachable (not under CI). */
export const ADAPTERS: AdapterKind[] = [
  {
    name: 'sqlite',
    available: true,
    async create() {
      const tmp = tempDir();
      return track(() => new SqliteAdapter({ filename: tmp.file(), synchronous: 'NORMAL' }), async () => tmp.cleanup());
    },
  },
  {
    name: 'postgres',
    available: await requirePostgres(),
    async create() {
      const schema = await createTestSchema('sf_rt');
      // Small pools: test files run in parallel against one server's max_connections.
      return track(() => new PostgresAdapter({ connection: PG_URL, schema: schema.schema, pool: { max: 4 } }), () => schema.drop());
    },
  },
];
