// The adapter's own claim statement, as PostgreSQL runs it (a named prepared statement, planned once as a
// generic plan: the adapter connects with plan_cache_mode=force_generic_plan), with `due` due jobs and `future`
// pending jobs a year ahead (S5's table): EXPLAIN ANALYZE of the generic plan and of a custom plan (the
// values bound), with and without JIT, with and without the UPDATE's lookup of its rows by primary key
// (`AND w.id = ANY(ARRAY(SELECT id FROM due))`, which the adapter has since the fix: without it a generic plan,
// which cannot know LIMIT's value, hashes a scan of the whole table to join the claimed rows); and the
// adapter's claim() timed.
// Usage: node bench/tools/explain-claim-generic.mjs [due=1] [future=1000000]
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { freshStore } from '../lib/stores.mjs';

const [dueText = '1', futureText = '1000000'] = process.argv.slice(2);
const store = await freshStore('postgres', 'explain');
const adapter = store.open();
await adapter.migrate();
const wf = store.table('workflows');
const now = Date.now();
const insert = (prefix, count, nextAt) =>
  store.exec(
    `INSERT INTO ${wf} (id, name, kind, queue, priority, status, args, next_at, created_at, updated_at)
     SELECT $1 || g, 'bench.noop', 'job', 'default', 0, 'pending', '[]', $2::bigint + g, $3::bigint, $3::bigint FROM generate_series(1, $4::int) g`,
    [prefix, nextAt, now, count],
  );
await insert('f', Number(futureText), now + 365 * 86_400_000);
await insert('d', Number(dueText), now - 1_000);
await store.exec(`ANALYZE ${wf}`);
const captured = [];
const query = pg.Client.prototype.query;
pg.Client.prototype.query = function capture(config, ...rest) {
  if (config && typeof config === 'object' && /RECURSIVE|WITH due AS/.test(config.text ?? '')) captured.push(config);
  return query.call(this, config, ...rest);
};
const filter = { owner: 'explain', queues: ['default'], names: ['bench.noop'], limit: 10, leaseMs: 15_000 };
const timings = [];
for (let i = 0; i < 5; i++) {
  const t = performance.now();
  await adapter.claim({ ...filter, now: Date.now() });
  timings.push((performance.now() - t).toFixed(2));
}
pg.Client.prototype.query = query;
console.log(`adapter.claim({ limit: 10 }) with ${dueText} due + ${futureText} future: ${timings.join(', ')} ms`);
const { text: adapterText, values } = captured[0];
const LOOKUP = ' AND w.id = ANY(ARRAY(SELECT id FROM due))';
if (!adapterText.includes('FROM due WHERE w.id = due.id')) throw new Error('the claim statement has changed: update this tool');
const without = adapterText.replace(LOOKUP, '');
const texts = { 'with lookup': without.replace('FROM due WHERE w.id = due.id', `FROM due WHERE w.id = due.id${LOOKUP}`), 'without lookup': without };
const admin = await store.client();
const show = (rows) => rows.map((r) => r['QUERY PLAN']).join('\n');
console.log(`the adapter's statement is the one ${adapterText.includes(LOOKUP) ? 'with' : 'without'} the lookup`);
const cases = [
  ['force_generic_plan', 'on', 'without lookup'],
  ['force_generic_plan', 'off', 'without lookup'],
  ['force_custom_plan', 'on', 'without lookup'],
  ['force_generic_plan', 'on', 'with lookup'],
];
for (const [mode, jit, which] of cases) {
  const text = texts[which];
  await admin.query('BEGIN');
  await admin.query(`SET LOCAL plan_cache_mode = ${mode}`);
  await admin.query(`SET LOCAL jit = ${jit}`);
  await admin.query(`PREPARE explain_claim AS ${text.replace(/\$(\d+)/g, '$$$1')}`);
  const args = values.map((v) => (v === null ? 'NULL' : `'${(Array.isArray(v) ? `{${v.join(',')}}` : String(v)).replaceAll("'", "''")}'`)).join(', ');
  const plan = await admin.query(`EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) EXECUTE explain_claim(${args})`);
  console.log(`-- ${which} statement, ${mode}, jit ${jit}:\n${show(plan.rows)}\n`);
  await admin.query('ROLLBACK');
  await admin.query('DEALLOCATE explain_claim');
}
await adapter.close();
await store.cleanup();
