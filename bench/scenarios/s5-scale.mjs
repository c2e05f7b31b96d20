// S5 scale.
// (a) Claim latency with 10,000 and then 1,000,000 pending FUTURE jobs in the table (bulk-inserted with SQL:
//     INSERT ... SELECT generate_series on PostgreSQL, a recursive CTE on SQLite; status 'pending', a
//     registered job name, next_at a year ahead). Measured: the raw `adapter.claim(...)` call that takes one
//     due job (and the `nextDueAt` call a worker makes after every claim), and enqueue -> task start of one
//     due job on an idle worker (a started runtime in this process, enqueued through that same runtime so it
//     is woken directly: no poll or notification delay). Reported per size and as the ratio 1M / 10k.
// (b) Worker memory with 100,000 sleeping workflows (status 'sleeping', next_at a year ahead): the RSS of a
//     worker process after runtime.start() and a few seconds idle, minus its RSS before start, against the
//     same on an empty table.

import { performance } from 'node:perf_hooks';
import { pino } from 'pino';
import { Runtime, createSerializer } from '@steadfast/core';
import { ALL, hooks, NAMES, nameOf, probe, sleeper } from '../lib/definitions.mjs';
import { startWorker } from '../lib/children.mjs';
import { clientRuntime, sleep } from '../lib/client.mjs';
import { median } from '../lib/stats.mjs';
import { freshStore } from '../lib/stores.mjs';

const SIZES = [10_000, 1_000_000];
const RAW_SAMPLES = 3;
const E2E_SAMPLES = 3;
const SLEEPING = 100_000;
const IDLE_MS = 3_000;
const YEAR_MS = 365 * 86_400_000;
const ARGS = createSerializer({ maxPayloadBytes: 1 << 20 }).serialize([], 'args');

/** Bulk-inserts rows `from`..`from + count - 1` (ids `${prefix}${n}`) with one SQL statement. */
async function bulkInsert(store, { prefix, from, count, name, kind, status, nextAt }) {
  const wf = store.table('workflows');
  const now = Date.now();
  const t0 = performance.now();
  if (store.kind === 'postgres') {
    await store.exec(
      `INSERT INTO ${wf} (id, name, kind, queue, priority, status, args, next_at, created_at, updated_at)
       SELECT $1 || g, $2, $3, 'default', 0, $4, $5, $6::bigint + g, $7::bigint, $7::bigint
         FROM generate_series($8::int, $8::int + $9::int - 1) AS g`,
      [prefix, name, kind, status, ARGS, nextAt, now, from, count],
    );
    await store.exec(`ANALYZE ${wf}`); // what autovacuum would soon do; keeps the plans deterministic
  } else {
    await store.exec(
      `WITH RECURSIVE g(n) AS (SELECT ? UNION ALL SELECT n + 1 FROM g WHERE n < ?)
       INSERT INTO ${wf} (id, name, kind, queue, priority, status, args, next_at, created_at, updated_at)
       SELECT ? || n, ?, ?, 'default', 0, ?, ?, ? + n, ?, ? FROM g`,
      [from, from + count - 1, prefix, name, kind, status, ARGS, nextAt, now, now],
    );
  }
  return performance.now() - t0;
}

/**
 * Times `adapter.claim` taking one due job (enqueued by a client runtime that is never started), then
 * `adapter.nextDueAt`, and completes the job.
 */
async function rawClaims(adapter, client, tag) {
  const claimMs = [];
  const nextDueMs = [];
  for (let i = 0; i < RAW_SAMPLES; i++) {
    await client.enqueue(probe, [], { id: `${tag}-${i}` });
    let t = performance.now();
    const claimed = await adapter.claim({ owner: 'bench-s5', queues: ['default'], names: NAMES, limit: 10, leaseMs: 15_000, now: Date.now() });
    claimMs.push(performance.now() - t);
    if (claimed.length !== 1) throw new Error(`S5: claim returned ${claimed.length} rows, expected the one due job`);
    t = performance.now();
    await adapter.nextDueAt({ queues: ['default'], names: NAMES, now: Date.now() });
    nextDueMs.push(performance.now() - t);
    await adapter.complete({ workflowId: claimed[0].id, owner: 'bench-s5', epoch: claimed[0].epoch }, 'null', Date.now());
  }
  return { claimMs: median(claimMs), nextDueAtMs: median(nextDueMs) };
}

/**
 * Watches a worker's storage calls, to know when its claim loop has gone idle: no claim or nextDueAt in
 * flight, and either a nextDueAt finished since `since` or none began within 50 ms of it (a worker does not
 * claim after a job that made nothing due): the worker then waits on its timer.
 */
function watchIdle(storage) {
  let inFlight = 0;
  let lastReturn = 0;
  let lastCall = 0;
  for (const method of ['claim', 'nextDueAt']) {
    const original = storage[method].bind(storage);
    storage[method] = async (...args) => {
      inFlight++;
      lastCall = performance.now();
      try {
        return await original(...args);
      } finally {
        inFlight--;
        if (method === 'nextDueAt') lastReturn = performance.now();
      }
    };
  }
  return async (since) => {
    for (;;) {
      const quiet = lastCall < since && performance.now() - since >= 50;
      if (inFlight === 0 && (lastReturn >= since || quiet)) return;
      await sleep(5);
    }
  };
}

/** Enqueue -> start of one due job at a time on an idle in-process worker. */
async function enqueueToStart(runtime, idle, tag) {
  const latencies = [];
  await idle(0);
  for (let i = 0; i < E2E_SAMPLES; i++) {
    const id = `${tag}-${i}`;
    const started = new Promise((resolve) => (hooks.onStart = (startedId, at) => startedId === id && resolve(at)));
    const t0 = Date.now();
    const handle = await runtime.enqueue(probe, [], { id });
    latencies.push((await started) - t0);
    await handle.result();
    await idle(performance.now()); // the claim loop that follows the job's completion has finished
  }
  hooks.onStart = undefined;
  return median(latencies);
}

async function claimScale(adapter, runs) {
  const store = await freshStore(adapter, 's5');
  const admin = store.open();
  const client = clientRuntime(store);
  const bySize = {};
  const insertMs = {};
  try {
    await admin.migrate();
    let rows = 0;
    for (const size of SIZES) {
      insertMs[size] = await bulkInsert(store, { prefix: 'f', from: rows, count: size - rows, name: nameOf(probe), kind: 'job', status: 'pending', nextAt: Date.now() + YEAR_MS });
      rows = size;
      process.stderr.write(`bench: S5 ${adapter}: ${size} future jobs in the table (insert ${Math.round(insertMs[size])} ms)\n`);
      // Raw calls first, while no worker runs (one would take the due job), then a worker for enqueue -> start.
      bySize[size] = [];
      for (let r = 0; r < runs; r++) bySize[size].push(await rawClaims(admin, client, `raw-${size}-${r}`));
      const storage = store.open();
      const idle = watchIdle(storage);
      const runtime = new Runtime({ storage, logger: pino({ level: 'silent' }) });
      runtime.register(...ALL);
      try {
        await runtime.start();
        for (let r = 0; r < runs; r++) bySize[size][r].enqueueToStartMs = await enqueueToStart(runtime, idle, `e2e-${size}-${r}`);
      } finally {
        await runtime.shutdown();
      }
    }
  } finally {
    await client.shutdown();
    await admin.close();
    await store.cleanup();
  }
  const [small, large] = SIZES;
  return {
    insertMs,
    runs: bySize[small].map((s, r) => {
      const l = bySize[large][r];
      return {
        claimMs10k: s.claimMs,
        claimMs1M: l.claimMs,
        claimRatio: l.claimMs / s.claimMs,
        nextDueAtMs10k: s.nextDueAtMs,
        nextDueAtMs1M: l.nextDueAtMs,
        enqueueToStartMs10k: s.enqueueToStartMs,
        enqueueToStartMs1M: l.enqueueToStartMs,
        enqueueToStartRatio: l.enqueueToStartMs / s.enqueueToStartMs,
      };
    }),
  };
}

async function idleWorkers(store, count) {
  const workers = await Promise.all(Array.from({ length: count }, () => startWorker({ store: store.spec })));
  await sleep(IDLE_MS);
  const memory = await Promise.all(workers.map((w) => w.memory()));
  await Promise.all(workers.map((w) => w.stop()));
  return workers.map((w, i) => ({ rssDelta: (memory[i].rss - w.rssBefore) / 2 ** 20, heap: memory[i].heapUsed / 2 ** 20 }));
}

async function memoryScale(adapter, runs) {
  const store = await freshStore(adapter, 's5m');
  const admin = store.open();
  try {
    await admin.migrate();
    // Three workers at a time: memory does not depend on sharing the CPU while they idle.
    const empty = await idleWorkers(store, runs);
    await bulkInsert(store, { prefix: 's', from: 0, count: SLEEPING, name: nameOf(sleeper), kind: 'workflow', status: 'sleeping', nextAt: Date.now() + YEAR_MS });
    const full = await idleWorkers(store, runs);
    return empty.map((e, r) => ({
      rssDeltaMbEmpty: e.rssDelta,
      rssDeltaMb100k: full[r].rssDelta,
      rssGrowthMb: full[r].rssDelta - e.rssDelta,
      heapUsedMbEmpty: e.heap,
      heapUsedMb100k: full[r].heap,
    }));
  } finally {
    await admin.close();
    await store.cleanup();
  }
}

export default async function s5({ adapter, runs }) {
  const claims = await claimScale(adapter, runs);
  const memory = await memoryScale(adapter, runs);
  return {
    params: {
      futureJobs: SIZES,
      rawClaimSamplesPerRun: RAW_SAMPLES,
      enqueueToStartSamplesPerRun: E2E_SAMPLES,
      claim: 'adapter.claim({ limit: 10 }) taking the one due job among the future ones; nextDueAt timed right after',
      enqueueToStart: 'runtime.enqueue on the started runtime itself (in-process wake-up), task start via a hook; each once the worker\'s claim loop is idle (no claim or nextDueAt in flight)',
      bulkInsertMs: Object.fromEntries(Object.entries(claims.insertMs).map(([k, v]) => [k, Math.round(v)])),
      analyze: adapter === 'postgres' ? 'ANALYZE after each bulk insert' : 'none (the adapter never runs ANALYZE)',
      sleepingWorkflows: SLEEPING,
      idleMs: IDLE_MS,
      memory: `RSS after start + ${IDLE_MS} ms idle (after a GC) minus RSS before start, in a worker process; ${runs} workers at once per table state`,
    },
    runs: claims.runs.map((c, r) => ({ ...c, ...memory[r] })),
  };
}
