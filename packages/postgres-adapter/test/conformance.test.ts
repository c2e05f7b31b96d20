import type { Knex } from 'knex';
import { afterAll, describe } from 'vitest';
import type { StorageAdapter } from '@steadfast/core';
import { describeStorageConformance } from '@steadfast/core/conformance';
import { PostgresAdapter } from '../src/index.js';
import { createTestSchema, requirePostgres, type TestSchema } from '../../../test/support/postgres.js';

const PROBE_TABLE = 'conformance_probe';

const open = (schema: TestSchema) => new PostgresAdapter({ connection: schema.url, schema: schema.schema, pool: { max: 4 } });

/**
 * A fresh schema for every test. Making one and migrating it costs ~60 ms and dropping one ~20 ms, so a few
 * are prepared ahead in the background and dropped after the run: the suite's own `migrate()` then finds an
 * empty, up-to-date schema.
 */
class Schemas {
  private readonly ready: Promise<TestSchema>[] = [];
  private readonly made: Promise<TestSchema | undefined>[] = [];
  private readonly ahead = 3;

  take(): Promise<TestSchema> {
    while (this.ready.length <= this.ahead) this.ready.push(this.prepare());
    return this.ready.shift()!;
  }

  private prepare(): Promise<TestSchema> {
    const made = (async () => {
      const schema = await createTestSchema('sf_conf');
      const adapter = open(schema);
      try {
        await adapter.migrate();
      } finally {
        await adapter.close();
      }
      return schema;
    })();
    this.made.push(made.catch(() => undefined));
    return made;
  }

  /** Drops every schema made, used or not. */
  async dropAll(): Promise<void> {
    const schemas = await Promise.all(this.made.splice(0));
    this.ready.splice(0);
    await Promise.all(schemas.map((schema) => schema?.drop()));
  }
}

describe.skipIf(!(await requirePostgres()))('PostgreSQL', () => {
  const schemas = new Schemas();
  /** The schema of each adapter the suite created (peers share it). */
  const schemaOf = new WeakMap<StorageAdapter, TestSchema>();
  /** The schema of the running test, for the probe's `write`, which gets only a transaction. Tests of a file run one at a time. */
  let current: TestSchema | undefined;

  afterAll(() => schemas.dropAll());

  describeStorageConformance('PostgresAdapter (schema per test)', {
    async create() {
      const schema = await schemas.take();
      const adapter = open(schema);
      schemaOf.set(adapter, schema);
      current = schema;
      return adapter;
    },
    async createPeer(adapter) {
      return open(schemaOf.get(adapter)!);
    },
    async destroy(adapter) {
      await adapter.close();
      current = undefined;
    },
    leaseClock: 'database',
    transactionProbe: {
      async setup(adapter) {
        const { knex } = adapter as PostgresAdapter;
        await knex.schema.withSchema(schemaOf.get(adapter)!.schema).createTable(PROBE_TABLE, (table) => {
          table.increments('id');
          table.text('value').notNullable();
        });
      },
      async write(trx, value) {
        // runTransactionStep hands the body a knex transaction.
        await (trx as Knex.Transaction).withSchema(current!.schema).table(PROBE_TABLE).insert({ value });
      },
      async read(adapter) {
        const { knex } = adapter as PostgresAdapter;
        const rows: { value: string }[] = await knex.withSchema(schemaOf.get(adapter)!.schema).table(PROBE_TABLE).select('value').orderBy('id');
        return rows.map((row) => row.value);
      },
    },
  });
});
