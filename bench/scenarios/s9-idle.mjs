// S9 idle load: what idle workers cost the database. Four worker processes (default runtime options) on
// one empty store, started and left to settle; then, for each run, a window of WINDOW_MS in which every
// statement each worker process sends is counted in that process (PostgreSQL: pg's Client#query, heartbeats,
// worker presence and the LISTEN connection's checks included; SQLite: better-sqlite3 statement executions,
// the change watch's `PRAGMA data_version` reads included) and reported over IPC. pg_stat_statements is not
// on the shared server, so the count is the clients' own. (S8 is the fairness scenario, on another branch.)

import { startWorker } from '../lib/children.mjs';
import { clientRuntime, sleep } from '../lib/client.mjs';
import { freshStore } from '../lib/stores.mjs';

const WORKERS = 4;
const SETTLE_MS = 3_000;
const WINDOW_MS = 7_000;

export default async function s9({ adapter, runs }) {
  const store = await freshStore(adapter, 's9');
  const client = clientRuntime(store);
  const workers = [];
  const results = [];
  let detail;
  try {
    await client.listWorkflows({ limit: 1 }); // migrate before the workers start
    await client.shutdown();
    for (let i = 0; i < WORKERS; i++) workers.push(await startWorker({ store: store.spec, count: true }));
    await sleep(SETTLE_MS);
    await Promise.all(workers.map((worker) => worker.counts())); // what start-up sent is not idle load
    for (let r = 0; r < runs; r++) {
      const t0 = Date.now();
      await sleep(WINDOW_MS);
      const counts = await Promise.all(workers.map((worker) => worker.counts()));
      const seconds = (Date.now() - t0) / 1000;
      const total = counts.reduce((sum, c) => sum + c.total, 0);
      const byKind = {};
      for (const c of counts) for (const [kind, n] of Object.entries(c.byKind)) byKind[kind] = (byKind[kind] ?? 0) + n;
      const perSec = total / seconds;
      results.push(
        adapter === 'postgres'
          ? { queriesPerSec: perSec, queriesPerSecPerWorker: perSec / WORKERS }
          : { statementsPerSec: perSec, statementsPerSecPerWorker: perSec / WORKERS, transactionsPerSec: counts.reduce((sum, c) => sum + c.transactions, 0) / seconds },
      );
      detail = { perSecByKind: Object.fromEntries(Object.entries(byKind).sort().map(([k, n]) => [k, Number((n / seconds).toFixed(2))])) };
      process.stderr.write(`bench: S9 ${adapter} run ${r + 1}/${runs}: ${perSec.toFixed(2)} ${adapter === 'postgres' ? 'queries' : 'statements'}/s from ${WORKERS} idle workers\n`);
    }
  } finally {
    for (const worker of workers) await worker.stop();
    await store.cleanup();
  }
  return {
    params: {
      workers: WORKERS,
      settleMs: SETTLE_MS,
      windowMs: WINDOW_MS,
      runtime: 'default options (idlePollIntervalMs 30000, heartbeats every 5000 ms), empty store',
      counting:
        adapter === 'postgres'
          ? "every query each worker process sends (pg Client#query, all its connections), counted in the process"
          : 'every better-sqlite3 statement execution of each worker process (BEGIN/COMMIT and PRAGMA reads included)',
    },
    runs: results,
    detail,
  };
}
