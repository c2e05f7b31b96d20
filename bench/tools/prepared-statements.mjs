// Does PostgreSQL spend much of a checkpoint re-planning it? The adapter sends its hot-path statements
// through knex.raw, i.e. as unnamed statements that the server parses and plans on every call. This runs
// the adapter's own RECORD_STEP text (imported from the built adapter) back to back on one connection, as
// unnamed statements and as a named prepared statement, in alternating blocks, and shows its planning time.
// Usage: node bench/tools/prepared-statements.mjs [statements per block=500]

import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { PostgresAdapter } from '@steadfast/postgres-adapter';
import { PG_URL } from '../lib/stores.mjs';

const { RECORD_STEP } = await import(new URL('../../packages/postgres-adapter/dist/sql/record-step.js', import.meta.url));
const perBlock = Number(process.argv[2] ?? 500);
const schema = `bench_prepared_${process.pid}`;
const adapter = new PostgresAdapter({ connection: PG_URL, schema });
const client = new pg.Client({ connectionString: PG_URL });
await client.connect();
try {
  await adapter.migrate();
  const t = (name) => `"${schema}"."steadfast_${name}"`;
  let n = 0;
  const text = RECORD_STEP.replaceAll('{wf}', t('workflows')).replaceAll('{steps}', t('steps')).replaceAll('{events}', t('events')).replace(/\?/g, () => `$${++n}`);
  const now = Date.now();
  await client.query(
    `INSERT INTO ${t('workflows')} (id, name, kind, queue, priority, status, args, next_at, lease_owner, lease_epoch, created_at, updated_at)
     VALUES ('w', 'bench.tenSteps', 'workflow', 'default', 0, 'running', '[]', $1, 'owner', 1, $1, $1)`,
    [now],
  );
  let seq = 0;
  const values = () => {
    const s = seq++;
    return [now, 'w', 'owner', 1, s, 'bench.noop', 'task', 'null', null, 1, null, now, 'step_completed', s, '{"name":"bench.noop"}', now];
  };
  const block = async (named) => {
    const t0 = performance.now();
    for (let i = 0; i < perBlock; i++) await client.query(named ? { name: 'record_step', text, values: values() } : { text, values: values() });
    return ((performance.now() - t0) * 1000) / perBlock;
  };
  const results = { unnamed: [], named: [] };
  for (let round = 0; round < 3; round++) {
    results.unnamed.push(await block(false));
    results.named.push(await block(true));
  }
  const med = (xs) => xs.sort((a, b) => a - b)[1].toFixed(0);
  console.log(`RECORD_STEP, ${perBlock} per block, 3 blocks each, one connection, back to back:`);
  console.log(`  unnamed (as knex.raw sends it): median ${med(results.unnamed)} µs per statement  [${results.unnamed.map((x) => x.toFixed(0)).join(', ')}]`);
  console.log(`  named prepared statement:       median ${med(results.named)} µs per statement  [${results.named.map((x) => x.toFixed(0)).join(', ')}]`);
  await client.query('BEGIN');
  const explained = await client.query({ text: `EXPLAIN (ANALYZE, SUMMARY) ${text}`, values: values() });
  await client.query('ROLLBACK');
  console.log(`  one EXPLAIN ANALYZE: ${explained.rows.map((r) => r['QUERY PLAN']).filter((l) => /Planning Time|Execution Time/.test(l)).join(', ')}`);
} finally {
  await adapter.close();
  await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await client.end();
}
