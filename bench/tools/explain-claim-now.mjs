// EXPLAIN ANALYZE of the adapter's own claim and completion statements on PostgreSQL with a backlog of `due`
// pending jobs: captures the statement texts the adapter sends and explains them with its bindings.
// Usage: node bench/tools/explain-claim-now.mjs [due=5000] [limit=16]
import pg from 'pg';
import { pino } from 'pino';
import { Runtime } from '@steadfast/core';
import { ALL, noop } from '../lib/definitions.mjs';
import { freshStore } from '../lib/stores.mjs';

const [dueText = '5000', limitText = '16'] = process.argv.slice(2);
const store = await freshStore('postgres', 'explain');
const adapter = store.open();
const client = new Runtime({ storage: adapter, logger: pino({ level: 'silent' }) });
await client.enqueueMany(noop, Array.from({ length: Number(dueText) }, () => []));
await store.exec(`ANALYZE "${store.spec.schema}".steadfast_workflows`);
const captured = [];
const query = pg.Client.prototype.query;
pg.Client.prototype.query = function (config, ...rest) {
  if (config && typeof config === 'object' && config.text) captured.push(config);
  return query.call(this, config, ...rest);
};
const [row] = await adapter.claim({ owner: 'w', queues: ['default'], names: ['bench.noop'], limit: Number(limitText), leaseMs: 15000, now: Date.now() });
await adapter.complete({ workflowId: row.id, owner: 'w', epoch: row.epoch }, 'null', Date.now());
pg.Client.prototype.query = query;
const admin = await store.client();
for (const config of captured.filter((c) => /RECURSIVE|SET status = 'completed'/.test(c.text))) {
  await admin.query('BEGIN');
  const plan = await admin.query({ text: `EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) ${config.text}`, values: config.values });
  await admin.query('ROLLBACK');
  console.log(plan.rows.map((r) => r['QUERY PLAN']).join('\n'), '\n');
}
await client.shutdown();
await store.cleanup();
