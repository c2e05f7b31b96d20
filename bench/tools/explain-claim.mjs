// Shows how PostgreSQL plans the adapter's claim and nextDueAt statements with N due and M future rows in
// a throw-away schema (the same statement texts as packages/postgres-adapter/src/sql/claim.ts), and times
// the adapter's own claim() and nextDueAt() calls on that table.
// Usage: node bench/tools/explain-claim.mjs [due=10000] [future=0]

import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { PostgresAdapter } from '@steadfast/postgres-adapter';
import { PG_URL } from '../lib/stores.mjs';

const due = Number(process.argv[2] ?? 10_000);
const future = Number(process.argv[3] ?? 0);
const schema = `bench_explain_${process.pid}`;
const client = new pg.Client({ connectionString: PG_URL });
await client.connect();
const adapter = new PostgresAdapter({ connection: PG_URL, schema });
try {
  await adapter.migrate();
  const wf = `"${schema}".steadfast_workflows`;
  const now = Date.now();
  const insert = (n, from, nextAt) =>
    client.query(
      `INSERT INTO ${wf} (id, name, kind, queue, priority, status, args, next_at, created_at, updated_at)
       SELECT $4 || g, 'bench.noop', 'job', 'default', 0, 'pending', '[]', $2::bigint + g, $1::bigint, $1::bigint
         FROM generate_series($3::int, $3::int + $5::int - 1) g`,
      [now, nextAt, from, 'j', n],
    );
  if (due > 0) await insert(due, 0, now - 10_000_000);
  if (future > 0) await insert(future, due, now + 365 * 86_400_000);
  await client.query(`ANALYZE ${wf}`);
  const DB_NOW = '(extract(epoch from clock_timestamp()) * 1000)::bigint';
  const claimSelect = `SELECT id, status FROM ${wf}
     WHERE queue = ANY($1::text[]) AND name = ANY($2::text[])
       AND status IN ('pending', 'sleeping', 'running')
       AND next_at <= greatest($3::bigint, ${DB_NOW})
       AND (CASE WHEN status = 'running' THEN next_at <= ${DB_NOW} ELSE next_at <= $3::bigint END)
     ORDER BY priority DESC, next_at LIMIT 1 FOR UPDATE SKIP LOCKED`;
  const plan = async (sql, params) => (await client.query(`EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) ${sql}`, params)).rows.map((r) => r['QUERY PLAN']).join('\n');
  console.log(`== ${due} due + ${future} future rows\n-- claim's due-row SELECT (inside the CLAIM statement):`);
  console.log(await plan(claimSelect, [['default'], ['bench.noop'], Date.now()]));
  console.log('-- nextDueAt:');
  console.log(await plan(`SELECT min(next_at) AS at FROM ${wf} WHERE queue = ANY($1::text[]) AND name = ANY($2::text[]) AND status IN ('pending', 'sleeping', 'running')`, [['default'], ['bench.noop']]));
  // The same statements with the database clock read once per statement (a stable expression the
  // planner can use as an index bound) instead of clock_timestamp() (volatile: no index condition).
  const STABLE_NOW = '(extract(epoch from statement_timestamp()) * 1000)::bigint';
  console.log('-- variant: claim SELECT with statement_timestamp() instead of clock_timestamp():');
  console.log(await plan(claimSelect.replaceAll(DB_NOW, STABLE_NOW), [['default'], ['bench.noop'], Date.now()]));
  console.log('-- variant: nextDueAt as one index probe per queue:');
  console.log(
    await plan(
      `SELECT min(m.next_at) AS at FROM unnest($1::text[]) AS q(queue), LATERAL (
         SELECT next_at FROM ${wf} w WHERE w.queue = q.queue AND w.name = ANY($2::text[]) AND w.status IN ('pending', 'sleeping', 'running')
          ORDER BY w.next_at LIMIT 1) m`,
      [['default'], ['bench.noop']],
    ),
  );
  // With a due backlog the ORDER BY (priority DESC, next_at) still sorts every due row: an index in that
  // order lets the claim stop after LIMIT rows.
  await client.query(`CREATE INDEX explain_claim_order ON ${wf} (queue, priority DESC, next_at)`);
  await client.query(`ANALYZE ${wf}`);
  console.log('-- variant: stable clock + an index on (queue, priority DESC, next_at) + one queue compared with =:');
  const oneQueue = claimSelect.replaceAll(DB_NOW, STABLE_NOW).replace('queue = ANY($1::text[])', 'queue = $1::text');
  console.log(await plan(oneQueue, ['default', ['bench.noop'], Date.now()]));
  await client.query('DROP INDEX "' + schema + '".explain_claim_order');
  const time = async (fn, n = 20) => {
    const samples = [];
    for (let i = 0; i < n; i++) {
      const t = performance.now();
      await fn();
      samples.push(performance.now() - t);
    }
    samples.sort((a, b) => a - b);
    return `p50 ${samples[n >> 1].toFixed(2)} ms, max ${samples[n - 1].toFixed(2)} ms`;
  };
  const filter = { queues: ['default'], names: ['bench.noop'] };
  console.log(`adapter.claim(limit 1): ${await time(() => adapter.claim({ ...filter, owner: 'explain', limit: 1, leaseMs: 60_000, now: Date.now() }))}`);
  console.log(`adapter.nextDueAt:      ${await time(() => adapter.nextDueAt({ ...filter, now: Date.now() }))}`);
} finally {
  await adapter.close();
  await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await client.end();
}
