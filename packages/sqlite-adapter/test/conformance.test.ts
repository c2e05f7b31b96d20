import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Knex } from 'knex';
import type { StorageAdapter } from '@steadfast/core';
import { describeStorageConformance, type TransactionProbe } from '@steadfast/core/conformance';
import { SqliteAdapter } from '../src/index.js';

/**
 * A table of the test's own in the adapter's database. The body of a transactional step gets the adapter's
 * knex instance: with its one connection held by the step, every query it makes runs in the step's transaction.
 */
const transactionProbe: TransactionProbe = {
  async setup(adapter) {
    await (adapter as SqliteAdapter).knex.schema.createTable('conformance_probe', (table) => {
      table.increments('id');
      table.text('value').notNullable();
    });
  },
  async write(trx, value) {
    await (trx as Knex)('conformance_probe').insert({ value });
  },
  async read(adapter) {
    const rows: { value: string }[] = await (adapter as SqliteAdapter).knex('conformance_probe').select('value').orderBy('id');
    return rows.map((row) => row.value);
  },
};

describeStorageConformance('SqliteAdapter (file)', {
  async create() {
    return new SqliteAdapter({ filename: join(mkdtempSync(join(tmpdir(), 'steadfast-conformance-')), 'steadfast.db') });
  },
  async createPeer(adapter) {
    return new SqliteAdapter({ filename: (adapter as SqliteAdapter).filename });
  },
  async destroy(adapter: StorageAdapter) {
    await adapter.close();
    rmSync(dirname((adapter as SqliteAdapter).filename), { recursive: true, force: true });
  },
  leaseClock: 'now',
  transactionProbe,
});

describeStorageConformance('SqliteAdapter (:memory:)', {
  async create() {
    return new SqliteAdapter({ filename: ':memory:' });
  },
  async destroy(adapter: StorageAdapter) {
    await adapter.close();
  },
  leaseClock: 'now',
  transactionProbe,
});
