// S2 job throughput: 10,000 no-op delayed jobs enqueued one call each (no bulk API exists) by a client
// runtime in this process with bounded parallelism, then ONE worker process: jobs/s from the first job's
// start to the last job's completion (the rows' started_at and finished_at, both stamped by the worker).
// The worker's concurrency is chosen first by a probe: 1,000 jobs at each candidate concurrency; then each
// run drains 10,000 jobs at the best one. (Probing at 10,000 would double this scenario's time.)

import { performance } from 'node:perf_hooks';
import { noop } from '../lib/definitions.mjs';
import { startWorker } from '../lib/children.mjs';
import { clientRuntime } from '../lib/client.mjs';
import { freshStore } from '../lib/stores.mjs';

const JOBS = 10_000;
const PROBE_JOBS = 1_000;
const ENQUEUE_PARALLELISM = 32;
const CONCURRENCIES = [16, 64];

async function enqueueAll(client, count, tag) {
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: ENQUEUE_PARALLELISM }, async () => {
      while (next < count) {
        const i = next++;
        await client.enqueue(noop, [], { id: `${tag}-${i}` });
      }
    }),
  );
  return (count * 1000) / (performance.now() - t0);
}

async function waitDone(store, tag, count, timeoutMs) {
  const wf = store.table('workflows');
  const p = store.kind === 'postgres' ? '$1' : '?';
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const [row] = await store.exec(
      `SELECT count(*) AS done, min(started_at) AS first, max(finished_at) AS last FROM ${wf} WHERE status = 'completed' AND id LIKE ${p}`,
      [`${tag}-%`],
    );
    if (Number(row.done) >= count) return { first: Number(row.first), last: Number(row.last) };
    if (Date.now() > deadline) throw new Error(`S2: only ${row.done} of ${count} jobs completed within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Enqueues `count` jobs, then starts a worker at `concurrency` and waits for them all. */
async function drain(store, client, count, concurrency, tag) {
  const enqueuesPerSec = await enqueueAll(client, count, tag);
  const worker = await startWorker({ store: store.spec, runtime: { concurrency } });
  try {
    const { first, last } = await waitDone(store, tag, count, 150_000);
    return { enqueuesPerSec, jobsPerSec: (count * 1000) / Math.max(1, last - first) };
  } finally {
    await worker.stop();
  }
}

export default async function s2({ adapter, runs }) {
  const store = await freshStore(adapter, 's2');
  // Enqueueing is setup here, not what is measured: on SQLite the client writes with synchronous=NORMAL
  // (the worker process keeps the default FULL for its own writes).
  // On PostgreSQL it gets a pool of 32 connections so that the 32 calls in flight each have one.
  const client = clientRuntime(store, adapter === 'sqlite' ? { synchronous: 'NORMAL' } : { pool: { max: 32 } });
  const probe = {};
  const results = [];
  try {
    for (const concurrency of CONCURRENCIES) {
      probe[concurrency] = Math.round((await drain(store, client, PROBE_JOBS, concurrency, `probe-c${concurrency}`)).jobsPerSec);
    }
    const best = CONCURRENCIES.reduce((a, b) => (probe[b] > probe[a] ? b : a));
    process.stderr.write(`bench: S2 ${adapter} probe (${PROBE_JOBS} jobs): ${CONCURRENCIES.map((c) => `c${c} ${probe[c]}`).join(', ')} jobs/s; using c${best}\n`);
    for (let r = 0; r < runs; r++) {
      const { enqueuesPerSec, jobsPerSec } = await drain(store, client, JOBS, best, `run${r}`);
      results.push({ jobsPerSec, enqueuesPerSec });
      process.stderr.write(`bench: S2 ${adapter} run ${r + 1}/${runs}: ${Math.round(jobsPerSec)} jobs/s (enqueue ${Math.round(enqueuesPerSec)}/s)\n`);
    }
    return {
      params: {
        jobs: JOBS,
        concurrency: best,
        probe: { jobs: PROBE_JOBS, jobsPerSecByConcurrency: probe },
        enqueue: `runtime.enqueue one job per call from a client runtime in the parent process, ${ENQUEUE_PARALLELISM} calls in flight${adapter === 'sqlite' ? ' (client connection synchronous=NORMAL)' : ' (client pool max 32)'}`,
        worker: 'one worker process started after the enqueue; default options but concurrency',
        measured: "jobs / (max(finished_at) - min(started_at)) over the run's jobs",
      },
      runs: results,
    };
  } finally {
    await client.shutdown();
    await store.cleanup();
  }
}
