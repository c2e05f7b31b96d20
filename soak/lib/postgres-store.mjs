// The soak's PostgreSQL side: the framework's schema (`soak`) with the application's effects table, and a
// ledger in a schema of its own (`soak_ledger`) that worker processes write through their own connection,
// straight to the cluster (never through the fault proxy), retrying on their own through restarts.

import pg from 'pg';
import { retrying } from './retry.mjs';

export const SCHEMA = 'soak';
const LEDGER = 'soak_ledger.executions';
const EFFECTS = 'soak_effects';

/** Creates the ledger and the effects table (the framework creates its own tables when workers migrate). */
export async function preparePostgres(url) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${SCHEMA}; CREATE SCHEMA IF NOT EXISTS soak_ledger`);
    // No unique key on (workflow_id, step): a duplicate effect must be storable, so that it can be counted.
    await client.query(`CREATE TABLE IF NOT EXISTS ${SCHEMA}.${EFFECTS} (
      id bigserial PRIMARY KEY, workflow_id text NOT NULL, step int NOT NULL, exec_id uuid NOT NULL, pid int NOT NULL,
      at timestamptz NOT NULL DEFAULT clock_timestamp())`);
    await client.query(`CREATE TABLE IF NOT EXISTS ${LEDGER} (
      exec_id uuid PRIMARY KEY, workflow_id text NOT NULL, step int NOT NULL, attempt int NOT NULL, kind text NOT NULL,
      pid int NOT NULL, started_at bigint NOT NULL, stored_at timestamptz NOT NULL DEFAULT clock_timestamp())`);
  } finally {
    await client.end();
  }
}

/** The ledger port of a worker process (see definitions.mjs useLedger). */
export function postgresLedger(ledgerUrl) {
  const pool = new pg.Pool({ connectionString: ledgerUrl, max: 2, connectionTimeoutMillis: 3_000, query_timeout: 10_000 });
  pool.on('error', () => {}); // a connection dying in a restart is retried below, not a crash
  return {
    async record({ execId, workflowId, step, attempt, kind }) {
      const startedAt = Date.now();
      // ON CONFLICT: a retry after a commit whose answer was lost stores nothing twice.
      await retrying(() =>
        pool.query(
          `INSERT INTO ${LEDGER} (exec_id, workflow_id, step, attempt, kind, pid, started_at) VALUES ($1, $2, $3, $4, $5, $6, $7)
           ON CONFLICT (exec_id) DO NOTHING`,
          [execId, workflowId, step, attempt, kind, process.pid, startedAt],
        ),
      );
    },
    async effect(trx, { workflowId, step, execId }) {
      await trx.withSchema(SCHEMA).table(EFFECTS).insert({ workflow_id: workflowId, step, exec_id: execId, pid: process.pid });
    },
    close: () => pool.end(),
  };
}

/** Read access for the checks and the drain: `query(sql)`, table names by `table(name)`; reconnects after a restart. */
export function postgresReader(url) {
  const pool = new pg.Pool({ connectionString: url, max: 1, connectionTimeoutMillis: 3_000 });
  pool.on('error', () => {});
  return {
    table: (name) => (name === 'executions' ? LEDGER : name === 'effects' ? `${SCHEMA}.${EFFECTS}` : `${SCHEMA}.steadfast_${name}`),
    query: async (sql) => (await pool.query(sql)).rows,
    close: () => pool.end().catch(() => {}),
  };
}
