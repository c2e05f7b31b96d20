// S0 ceiling: one-row INSERT transactions per second through the same driver and database the adapter
// uses, at 1 client and at 32 clients. Everything else is reported against it.
//
// PostgreSQL: pg clients (the driver the adapter runs its statements on), one per caller, `INSERT INTO
// t(a,b) VALUES($1,$2)` as a named prepared statement (as the adapter's are), each its own (autocommit)
// transaction, as each adapter checkpoint is one autocommit statement.
// SQLite: better-sqlite3 on the adapter's own connection (its pragmas: WAL, busy timeout, synchronous),
// each insert in a BEGIN IMMEDIATE transaction as the adapter's writes are; 32 "clients" are 32 async
// callers on that one connection. Measured with synchronous=FULL (the adapter default) and NORMAL.

import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { summarize } from '../lib/stats.mjs';
import { freshStore } from '../lib/stores.mjs';

const DURATION_MS = 1_000;

/** Runs `clients` loops of `insert(i)` for about `durationMs`; returns inserts per second. */
async function rate(clients, durationMs, insert) {
  let count = 0;
  const start = performance.now();
  const end = start + durationMs;
  await Promise.all(
    Array.from({ length: clients }, async (_, c) => {
      for (let i = 0; performance.now() < end; i++) {
        await insert(c * 1_000_000 + i);
        count++;
      }
    }),
  );
  return (count * 1000) / (performance.now() - start);
}

async function postgres(runs, durationMs) {
  const store = await freshStore('postgres', 's0');
  const { schema, connection } = store.spec;
  const clients = Array.from({ length: 32 }, () => new pg.Client({ connectionString: connection }));
  try {
    await store.exec(`CREATE SCHEMA "${schema}"`);
    await store.exec(`CREATE TABLE "${schema}".t (a bigint, b text)`);
    await Promise.all(clients.map((client) => client.connect()));
    const text = `INSERT INTO "${schema}".t(a,b) VALUES($1,$2)`;
    // Caller c inserts on client c (rate() numbers callers' inserts c * 1e6 + i).
    const insert = (i) => clients[Math.floor(i / 1_000_000)].query({ name: 's0-insert', text, values: [i, 'x'] });
    await rate(32, 200, insert); // warm up
    const results = [];
    for (let r = 0; r < runs; r++) {
      results.push({ insertsPerSec1: await rate(1, durationMs, insert), insertsPerSec32: await rate(32, durationMs, insert) });
    }
    return { params: { driver: 'pg, one client per caller, named prepared statement', clients: 32, statement: 'INSERT INTO t(a,b) VALUES($1,$2) (autocommit)', durationMs }, runs: results };
  } finally {
    await Promise.all(clients.map((client) => client.end().catch(() => {})));
    await store.cleanup();
  }
}

async function sqliteRates(store, synchronous, durationMs) {
  const adapter = store.open({ synchronous });
  await adapter.migrate();
  const client = adapter.knex.client;
  const db = await client.acquireConnection();
  client.releaseConnection(db);
  try {
    db.exec('CREATE TABLE IF NOT EXISTS t (a INTEGER, b TEXT)');
    const statement = db.prepare('INSERT INTO t(a,b) VALUES(?,?)');
    const write = db.transaction((a, b) => statement.run(a, b));
    const insert = async (i) => write.immediate(i, 'x');
    await rate(1, 100, insert); // warm up
    return { one: await rate(1, durationMs, insert), many: await rate(32, durationMs, insert) };
  } finally {
    await adapter.close();
  }
}

async function sqlite(runs, durationMs) {
  const store = await freshStore('sqlite', 's0');
  try {
    const results = [];
    for (let r = 0; r < runs; r++) {
      const full = await sqliteRates(store, 'FULL', durationMs);
      const normal = await sqliteRates(store, 'NORMAL', durationMs);
      results.push({
        insertsPerSec1: full.one,
        insertsPerSec32: full.many,
        insertsPerSec1Normal: normal.one,
        insertsPerSec32Normal: normal.many,
      });
    }
    return {
      params: {
        driver: 'better-sqlite3 (the adapter connection)',
        connections: 1,
        statement: 'INSERT INTO t(a,b) VALUES(?,?) in BEGIN IMMEDIATE',
        synchronous: 'FULL (insertsPerSec*), NORMAL (insertsPerSec*Normal)',
        durationMs,
      },
      runs: results,
    };
  } finally {
    await store.cleanup();
  }
}

export default async function s0({ adapter, runs, durationMs = DURATION_MS }) {
  return adapter === 'postgres' ? postgres(runs, durationMs) : sqlite(runs, durationMs);
}

/**
 * S0's figures for a scenario whose targets are multiples of it: those of this invocation's S0 (`context.s0`,
 * passed by run.mjs), else a short S0 of its own (3 runs of 0.5 s), said on stderr.
 */
export async function ceilingFor(scenario, adapter, context) {
  if (context?.s0) return context.s0;
  process.stderr.write(`bench: ${scenario} ${adapter}: measuring the S0 ceiling first (S0 was not run in this invocation)\n`);
  const { runs } = await s0({ adapter, runs: 3, durationMs: 500 });
  return summarize(runs);
}
