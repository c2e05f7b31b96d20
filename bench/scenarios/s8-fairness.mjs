// S8 fairness between concurrency keys: ONE worker process (concurrency 16) serves queue `fair`; key A gets
// 20,000 no-op jobs (enqueueMany, in one call), then key B 100 jobs (enqueueMany) right after. Measured from
// the stored rows: B's wait (started_at - created_at: enqueue to start) p50/p99/max, and A's drain rate
// (jobs / (max(finished_at) - min(started_at)) over A's jobs). Each run does it twice on a fresh queue: with
// `perKey: {}` on the queue (claims round-robin across keys) and without (claims in due order: B waits for A's
// backlog), the unfair baseline; then 10,000 jobs spread over 100 keys and over 5,000 keys on a perKey queue:
// equal drain rates show a claim's cost does not grow with the number of keys. The worker is this file run as a child process (`worker` argument), as
// bench/lib/worker-process.mjs declares no queue options.

import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { Runtime } from '@steadfast/core';
import { ALL, noop } from '../lib/definitions.mjs';
import { clientRuntime } from '../lib/client.mjs';
import { freshStore, openAdapter } from '../lib/stores.mjs';
import { percentile, round } from '../lib/stats.mjs';

const A_JOBS = 20_000;
const B_JOBS = 100;
const CONCURRENCY = 16;
/** The keys drains: 10,000 jobs spread over 100 keys, then over 5,000: a claim's cost must not grow with the keys. */
const KEYED_JOBS = 10_000;
const KEY_COUNTS = [100, 5_000];

if (process.argv[2] === 'worker') {
  const { store, queue, perKey } = JSON.parse(process.argv[3]);
  const runtime = new Runtime({ storage: openAdapter(store), logger: pino({ level: 'silent' }), concurrency: CONCURRENCY, queues: [queue] });
  runtime.register(...ALL);
  if (perKey) runtime.queue(queue, { perKey: {} });
  await runtime.start();
  process.send({ type: 'ready' });
  process.on('message', async () => {
    await runtime.shutdown({ timeout: 0 }).catch(() => {});
    process.exit(0);
  });
  process.on('disconnect', () => process.exit(0));
}

async function startWorker(store, queue, perKey) {
  const child = spawn(process.execPath, [fileURLToPath(import.meta.url), 'worker', JSON.stringify({ store: store.spec, queue, perKey })], {
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const exit = new Promise((resolve) => child.once('exit', resolve));
  await new Promise((resolve, reject) => {
    child.once('message', resolve);
    child.once('exit', (code) => reject(new Error(`S8 worker exited (code ${code}) before it was ready`)));
  });
  return {
    async stop() {
      child.send({ type: 'stop' });
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exit;
      clearTimeout(timer);
    },
  };
}

async function waitDone(store, queue, count, timeoutMs) {
  const p = store.kind === 'postgres' ? '$1' : '?';
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const [row] = await store.exec(`SELECT count(*) AS done FROM ${store.table('workflows')} WHERE queue = ${p} AND status = 'completed'`, [queue]);
    if (Number(row.done) >= count) return;
    if (Date.now() > deadline) throw new Error(`S8: only ${row.done} of ${count} jobs of ${queue} completed within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** One drain of A's backlog with B's jobs enqueued after it, on queue `queue`; the figures of both keys. */
async function drainOnce(store, client, queue, perKey) {
  const worker = await startWorker(store, queue, perKey);
  try {
    await client.enqueueMany(noop, Array.from({ length: A_JOBS }, () => []), { queue, concurrencyKey: 'A' });
    await client.enqueueMany(noop, Array.from({ length: B_JOBS }, () => []), { queue, concurrencyKey: 'B' });
    await waitDone(store, queue, A_JOBS + B_JOBS, 300_000);
  } finally {
    await worker.stop();
  }
  const p = store.kind === 'postgres' ? '$1' : '?';
  const rows = await store.exec(
    `SELECT concurrency_key AS key, created_at, started_at, finished_at FROM ${store.table('workflows')} WHERE queue = ${p}`,
    [queue],
  );
  const b = rows.filter((row) => row.key === 'B').map((row) => Number(row.started_at) - Number(row.created_at));
  const a = rows.filter((row) => row.key === 'A');
  const aFirst = Math.min(...a.map((row) => Number(row.started_at)));
  const aLast = Math.max(...a.map((row) => Number(row.finished_at)));
  return {
    bWaitP50Ms: percentile(b, 50),
    bWaitP99Ms: percentile(b, 99),
    bWaitMaxMs: Math.max(...b),
    aDrainJobsPerSec: round((A_JOBS * 1000) / Math.max(1, aLast - aFirst)),
  };
}

/** KEYED_JOBS jobs spread evenly over `keys` keys on a perKey queue: the drain rate. */
async function drainKeys(store, client, queue, keys) {
  const worker = await startWorker(store, queue, true);
  try {
    const items = Array.from({ length: KEYED_JOBS }, (_, i) => ({ args: [], concurrencyKey: `k${i % keys}` }));
    await client.enqueueMany(noop, items, { queue });
    await waitDone(store, queue, items.length, 300_000);
  } finally {
    await worker.stop();
  }
  const p = store.kind === 'postgres' ? '$1' : '?';
  const [row] = await store.exec(`SELECT min(started_at) AS first, max(finished_at) AS last FROM ${store.table('workflows')} WHERE queue = ${p}`, [queue]);
  return round((KEYED_JOBS * 1000) / Math.max(1, Number(row.last) - Number(row.first)));
}

export default async function s8({ adapter, runs }) {
  const store = await freshStore(adapter, 's8');
  const client = clientRuntime(store, adapter === 'sqlite' ? { synchronous: 'NORMAL' } : {});
  const results = [];
  try {
    await client.getWorkflow('none').catch(() => undefined); // migrates the store before the worker opens it
    for (let r = 0; r < runs; r++) {
      const fair = await drainOnce(store, client, `fair-${r}`, true);
      const unfair = await drainOnce(store, client, `unfair-${r}`, false);
      const byKeys = {};
      for (const keys of KEY_COUNTS) byKeys[keys] = await drainKeys(store, client, `keys${keys}-${r}`, keys);
      const figures = {
        ...Object.fromEntries(KEY_COUNTS.map((keys) => [`keys${keys}.drainJobsPerSec`, byKeys[keys]])),
        ...Object.fromEntries(Object.entries(fair).map(([k, v]) => [`perKey.${k}`, v])),
        ...Object.fromEntries(Object.entries(unfair).map(([k, v]) => [`noPerKey.${k}`, v])),
      };
      results.push(figures);
      process.stderr.write(
        `bench: S8 ${adapter} run ${r + 1}/${runs}: perKey B wait p50 ${fair.bWaitP50Ms} p99 ${fair.bWaitP99Ms} max ${fair.bWaitMaxMs} ms, A ${fair.aDrainJobsPerSec} jobs/s; ` +
          `no perKey B wait p50 ${unfair.bWaitP50Ms} p99 ${unfair.bWaitP99Ms} ms, A ${unfair.aDrainJobsPerSec} jobs/s; ${KEY_COUNTS.map((keys) => `${keys} keys ${byKeys[keys]} jobs/s`).join(', ')}\n`,
      );
    }
    return {
      params: {
        aJobs: A_JOBS,
        bJobs: B_JOBS,
        concurrency: CONCURRENCY,
        enqueue: 'client.enqueueMany: key A in one call, then key B in one call, while the worker runs',
        worker: `one worker process, concurrency ${CONCURRENCY}, queue options { perKey: {} } (perKey.*) or none (noPerKey.*)`,
        keys: `${KEYED_JOBS} jobs over ${KEY_COUNTS.join(' and over ')} keys on a perKey queue (one enqueueMany each), the same worker: drain jobs/s`,
        measured: "B's wait = started_at - created_at of B's rows; A's drain = A's jobs / (max(finished_at) - min(started_at))",
      },
      runs: results,
    };
  } finally {
    await client.shutdown();
    await store.cleanup();
  }
}
