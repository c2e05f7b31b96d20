// Transactional steps across real crashes: a worker SIGKILLed inside the transaction (before the commit)
// leaves nothing, and the step is applied once by the next worker; one SIGKILLed right after the commit is
// not applied again. Checked on what is stored, on both adapters.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PostgresAdapter } from '@steadfast/postgres-adapter';
import { SqliteAdapter } from '@steadfast/sqlite-adapter';
import { ADAPTERS } from './adapters.js';
import { tempDir } from './helpers.js';
import { createTestSchema, PG_URL } from './support/postgres.js';

const WORKER = join(import.meta.dirname, 'fixtures/transaction-worker.mjs');

function runWorker(env: Record<string, string>): Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [WORKER], { cwd: join(import.meta.dirname, '..'), env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.on('error', reject);
    child.on('exit', (code, signal) => resolve({ code, signal, stdout }));
  });
}

describe.each(ADAPTERS.filter((a) => a.available))('transactional steps across SIGKILL on $name', (kind) => {
  let storageEnv: string;
  let cleanup: () => Promise<void>;
  const table = `tx_ledger_${process.pid}`;

  beforeEach(async () => {
    if (kind.name === 'sqlite') {
      const tmp = tempDir();
      storageEnv = `sqlite:${tmp.file()}`;
      cleanup = async () => tmp.cleanup();
    } else {
      const schema = await createTestSchema('sf_tx');
      storageEnv = `postgres:${PG_URL}#${schema.schema}`;
      cleanup = () => schema.drop();
    }
  });
  afterEach(async () => {
    // The application table lives in the database's default schema on PostgreSQL: drop it by hand.
    const adapter = await open();
    await adapter.knex.schema.dropTableIfExists(table);
    await adapter.close();
    await cleanup();
  });

  /** An adapter on the database the workers use (the same as the fixture builds from TX_STORAGE). */
  async function open(): Promise<SqliteAdapter | PostgresAdapter> {
    const split = storageEnv.indexOf(':');
    const [k, rest] = [storageEnv.slice(0, split), storageEnv.slice(split + 1)];
    const adapter =
      k === 'sqlite'
        ? new SqliteAdapter({ filename: rest })
        : new PostgresAdapter({ connection: rest.slice(0, rest.lastIndexOf('#')), schema: rest.slice(rest.lastIndexOf('#') + 1) });
    await adapter.migrate();
    return adapter;
  }

  async function inspect(): Promise<{ rows: unknown[]; status: string }> {
    const adapter = await open();
    try {
      return {
        rows: await adapter.knex(table).select('account', 'cents'),
        status: (await adapter.getWorkflow('transfer-1'))?.status ?? 'missing',
      };
    } finally {
      await adapter.close();
    }
  }

  beforeEach(async () => {
    const adapter = await open();
    await adapter.knex.schema.dropTableIfExists(table);
    await adapter.knex.schema.createTable(table, (t) => {
      t.string('account');
      t.integer('cents');
      t.integer('pid');
    });
    await adapter.close();
  });

  it('killed inside the transaction: nothing is committed, and the next worker applies the step once', async () => {
    const crashed = await runWorker({ TX_STORAGE: storageEnv, TX_TABLE: table, TX_KILL: 'before-commit' });
    expect(crashed.signal).toBe('SIGKILL');
    expect(await inspect()).toEqual({ rows: [], status: 'running' });

    const next = await runWorker({ TX_STORAGE: storageEnv, TX_TABLE: table, TX_KILL: 'none' });
    expect(next.code).toBe(0);
    expect(JSON.parse(next.stdout.trim().split('\n').pop()!)).toEqual({ result: ['credited', 'ok'] });
    expect(await inspect()).toEqual({ rows: [{ account: 'acc-1', cents: 250 }], status: 'completed' });
  });

  it('killed right after the commit: the next worker does not apply the step again', async () => {
    const crashed = await runWorker({ TX_STORAGE: storageEnv, TX_TABLE: table, TX_KILL: 'after-commit' });
    expect(crashed.signal).toBe('SIGKILL');
    expect(await inspect()).toEqual({ rows: [{ account: 'acc-1', cents: 250 }], status: 'running' });

    const next = await runWorker({ TX_STORAGE: storageEnv, TX_TABLE: table, TX_KILL: 'none' });
    expect(next.code).toBe(0);
    expect(await inspect()).toEqual({ rows: [{ account: 'acc-1', cents: 250 }], status: 'completed' });
  });
});
