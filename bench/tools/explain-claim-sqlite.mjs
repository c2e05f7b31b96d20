// Shows how SQLite plans the adapter's claim and nextDueAt statements (the texts of
// packages/sqlite-adapter/src/sql/claim.ts) with N due and M future rows in a throw-away file, and times
// the adapter's own claim() and nextDueAt() calls on that table.
// Usage: node bench/tools/explain-claim-sqlite.mjs [due=10000] [future=0] [analyze]

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import Database from 'better-sqlite3';
import { SqliteAdapter } from '@steadfast/sqlite-adapter';

const due = Number(process.argv[2] ?? 10_000);
const future = Number(process.argv[3] ?? 0);
const dir = mkdtempSync(join(tmpdir(), 'steadfast-explain-'));
const filename = join(dir, 'explain.db');
const adapter = new SqliteAdapter({ filename });
try {
  await adapter.migrate();
  const db = new Database(filename);
  const now = Date.now();
  const insert = db.prepare(
    `INSERT INTO steadfast_workflows (id, name, kind, queue, priority, status, args, next_at, created_at, updated_at)
     VALUES (?, 'bench.noop', 'job', 'default', 0, 'pending', '[]', ?, ?, ?)`,
  );
  db.transaction(() => {
    for (let i = 0; i < due; i++) insert.run(`d${i}`, now - 10_000_000 + i, now, now);
    for (let i = 0; i < future; i++) insert.run(`f${i}`, now + 365 * 86_400_000 + i, now, now);
  })();
  if (process.argv[4] === 'analyze') db.exec('ANALYZE'); // the adapter never runs ANALYZE itself
  const CLAIMABLE = `queue IN (SELECT value FROM json_each(?)) AND next_at <= ?
  AND status IN ('pending', 'sleeping', 'running') AND name IN (SELECT value FROM json_each(?))`;
  const plan = (sql, ...params) => db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params).map((r) => `  ${r.detail}`).join('\n');
  const q = JSON.stringify(['default']);
  const n = JSON.stringify(['bench.noop']);
  console.log(`== ${due} due + ${future} future rows\n-- claim SELECT:`);
  console.log(plan(`SELECT id, status FROM steadfast_workflows WHERE ${CLAIMABLE} ORDER BY priority DESC, next_at LIMIT ?`, q, Date.now(), n, 1));
  console.log('-- nextDueAt:');
  console.log(
    plan(
      `SELECT MIN(next_at) AS at FROM steadfast_workflows WHERE queue IN (SELECT value FROM json_each(?))
         AND status IN ('pending', 'sleeping', 'running') AND name IN (SELECT value FROM json_each(?))`,
      q,
      n,
    ),
  );
  // Variants: `+status` keeps the planner off the status index, so the (queue, next_at) index bounds the scan.
  const VARIANT = CLAIMABLE.replace('AND status IN', 'AND +status IN');
  console.log('-- variant: claim SELECT with +status:');
  console.log(plan(`SELECT id, status FROM steadfast_workflows WHERE ${VARIANT} ORDER BY priority DESC, next_at LIMIT ?`, q, Date.now(), n, 1));
  const nextVariant = `SELECT MIN(next_at) AS at FROM steadfast_workflows WHERE queue IN (SELECT value FROM json_each(?))
         AND +status IN ('pending', 'sleeping', 'running') AND name IN (SELECT value FROM json_each(?))`;
  console.log('-- variant: nextDueAt with +status:');
  console.log(plan(nextVariant, q, n));
  const timeSync = (fn, count = 20) => {
    const samples = [];
    for (let i = 0; i < count; i++) {
      const t = performance.now();
      fn();
      samples.push(performance.now() - t);
    }
    samples.sort((a, b) => a - b);
    return `p50 ${samples[count >> 1].toFixed(3)} ms`;
  };
  const claimVariant = db.prepare(`SELECT id, status FROM steadfast_workflows WHERE ${VARIANT} ORDER BY priority DESC, next_at LIMIT ?`);
  console.log(`variant claim SELECT: ${timeSync(() => claimVariant.all(q, Date.now(), n, 1))}`);
  const nextStatement = db.prepare(nextVariant);
  console.log(`variant nextDueAt:    ${timeSync(() => nextStatement.get(q, n))}`);
  // A due backlog: the ORDER BY (priority DESC, next_at) sorts every due row unless an index has that order.
  db.exec('CREATE INDEX explain_claim_order ON steadfast_workflows (queue, priority DESC, next_at)');
  const ordered = `SELECT id, status FROM steadfast_workflows INDEXED BY explain_claim_order WHERE queue = ? AND next_at <= ?
    AND +status IN ('pending', 'sleeping', 'running') AND name IN (SELECT value FROM json_each(?)) ORDER BY priority DESC, next_at LIMIT ?`;
  console.log('-- variant: +status, one queue compared with =, INDEXED BY an index on (queue, priority DESC, next_at):');
  console.log(plan(ordered, 'default', Date.now(), n, 1));
  const orderedStatement = db.prepare(ordered);
  console.log(`variant claim SELECT: ${timeSync(() => orderedStatement.all('default', Date.now(), n, 1))}`);
  db.exec('DROP INDEX explain_claim_order');
  db.close();
  const time = async (fn, count = 20) => {
    const samples = [];
    for (let i = 0; i < count; i++) {
      const t = performance.now();
      await fn();
      samples.push(performance.now() - t);
    }
    samples.sort((a, b) => a - b);
    return `p50 ${samples[count >> 1].toFixed(2)} ms, max ${samples[count - 1].toFixed(2)} ms`;
  };
  const filter = { queues: ['default'], names: ['bench.noop'] };
  console.log(`adapter.claim(limit 1): ${await time(() => adapter.claim({ ...filter, owner: 'explain', limit: 1, leaseMs: 60_000, now: Date.now() }))}`);
  console.log(`adapter.nextDueAt:      ${await time(() => adapter.nextDueAt({ ...filter, now: Date.now() }))}`);
} finally {
  await adapter.close();
  rmSync(dir, { recursive: true, force: true });
}
