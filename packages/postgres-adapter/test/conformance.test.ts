import type { Knex } from 'knex';
import { describe } from 'vitest';
import type { StorageAdapter } from '@steadfast/core';
import { describeStorageConformance } from '@steadfast/core/conformance';
import { PostgresAdapter } from '../src/index.js';
import { createTestSchema, requirePostgres, type TestSchema } from '../../../test/support/postgres.js';

const PROBE_TABLE = 'conformance_probe';

/** The schema of each adapter the suite created (peers share it). */
const schemas = new WeakMap<StorageAdapter, TestSchema>();
/** The schema of the running test: the probe's `write` gets only a transaction. Tests of a file run one at a time. */
let current: TestSchema | undefined;

const open = (schema: TestSchema) => new PostgresAdapter({ connection: schema.url, schema: schema.schema, pool: { max: 4 } });

describe.skipIf(!(await requirePostgres()))('PostgreSQL', () => {
  describeStorageConformance('PostgresAdapter (schema per test)', {
    async create() {
      const schema = await createTestSchema('sf_conf');
      const adapter = open(schema);
      schemas.set(adapter, schema);
      current = schema;
      return adapter;
    },
    async createPeer(adapter) {
      return open(schemas.get(adapter)!);
    },
    async destroy(adapter) {
      await adapter.close();
      await schemas.get(adapter)?.drop();
      current = undefined;
    },
    leaseClock: 'database',
    transactionProbe: {
      async setup(adapter) {
        const { knex } = adapter as PostgresAdapter;
        const schema = schemas.get(adapter)!.schema;
        await knex.schema.withSchema(schema).createTable(PROBE_TABLE, (table) => {
          table.increments('id');
          table.text('value').notNullable();
        });
      },
      async write(trx, value) {
        await (trx as Knex.Transaction).withSchema(current!.schema).table(PROBE_TABLE).insert({ value });
      },
      async read(adapter) {
        const { knex } = adapter as PostgresAdapter;
        const rows = await knex.withSchema(schemas.get(adapter)!.schema).table(PROBE_TABLE).select('value').orderBy('id');
        return rows.map((row: { value: string }) => row.value);
      },
    },
  });
});
