import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { StorageAdapter } from '@steadfast/core';
import { describeStorageConformance } from '@steadfast/core/conformance';
import { SqliteAdapter } from '../src/index.js';

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
});

describeStorageConformance('SqliteAdapter (:memory:)', {
  async create() {
    return new SqliteAdapter({ filename: ':memory:' });
  },
  async destroy(adapter: StorageAdapter) {
    await adapter.close();
  },
  leaseClock: 'now',
});
