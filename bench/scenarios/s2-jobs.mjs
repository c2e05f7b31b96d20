// S2 job throughput: 10,000 no-op jobs drained by ONE worker process, with default runtime options and with
// the best documented options (BEST below), plus the two ways of enqueueing them.
//
// Each run and variant puts its jobs on a queue of its own: 2,000 enqueued one `enqueue` call each (32 calls
// in flight, from a client runtime in this process: `enqueuesPerSec`), the other 8,000 in one `enqueueMany`
// call (`enqueueManyPerSec`); both clients have the adapter's default options (SQLite synchronous=FULL).
// Then a worker process serving that queue starts and drains them: jobs/s = jobs / (max(finished_at) -
// min(started_at)) of the queue's rows, both stamped by the worker.

import { performance } from 'node:perf_hooks';
import { noop } from '../lib/definitions.mjs';
import { startWorker } from '../lib/children.mjs';
import { clientRuntime } from '../lib/client.mjs';
import { freshStore } from '../lib/stores.mjs';
import { ceilingFor } from './s0-ceiling.mjs';

const JOBS = 10_000;
const SINGLE_JOBS = 2_000;
const ENQUEUE_PARALLELISM = 32;
/**
 * The fastest drain measured with documented runtime options (bench/README.md): many slots, so that claims
 * and completions go in large batches, and as many prefetched jobs, so a finished job is followed without a
 * claim in between.
 */
const BEST = { concurrency: 256, prefetch: 256 };
const VARIANTS = [
  { name: 'default', runtime: {} },
  { name: 'best', runtime: BEST },
];

async function enqueueSingles(client, count, queue) {
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: ENQUEUE_PARALLELISM }, async () => {
      while (next < count) {
        next++;
        await client.enqueue(noop, [], { queue });
      }
    }),
  );
  return (count * 1000) / (performance.now() - t0);
}

async function enqueueBulk(client, count, queue) {
  const items = Array.from({ length: count }, () => []);
  const t0 = performance.now();
  await client.enqueueMany(noop, items, { queue });
  return (count * 1000) / (performance.now() - t0);
}

async function waitDone(store, queue, count, timeoutMs) {
  const wf = store.table('workflows');
  const p = store.kind === 'postgres' ? '$1' : '?';
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const [row] = await store.exec(
      `SELECT count(*) AS done, min(started_at) AS first, max(finished_at) AS last FROM ${wf} WHERE status = 'completed' AND queue = ${p}`,
      [queue],
    );
    if (Number(row.done) >= count) return { first: Number(row.first), last: Number(row.last) };
    if (Date.now() > deadline) throw new Error(`S2: only ${row.done} of ${count} jobs on ${queue} completed within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Enqueues the run's jobs on `queue`, then starts a worker with `runtime` options on it and waits for them all. */
async function drain(store, client, queue, runtime) {
  const enqueuesPerSec = await enqueueSingles(client, SINGLE_JOBS, queue);
  const enqueueManyPerSec = await enqueueBulk(client, JOBS - SINGLE_JOBS, queue);
  const worker = await startWorker({ store: store.spec, runtime: { ...runtime, queues: [queue] } });
  try {
    const { first, last } = await waitDone(store, queue, JOBS, 150_000);
    return { enqueuesPerSec, enqueueManyPerSec, jobsPerSec: (JOBS * 1000) / Math.max(1, last - first) };
  } finally {
    await worker.stop();
  }
}

export default async function s2({ adapter, runs, context }) {
  const s0 = await ceilingFor('S2', adapter, context);
  const store = await freshStore(adapter, 's2');
  const client = clientRuntime(store);
  const results = [];
  try {
    await client.listWorkflows({ limit: 1 }); // connect and migrate before anything is timed
    for (let r = 0; r < runs; r++) {
      const figures = {};
      for (const variant of VARIANTS) {
        const d = await drain(store, client, `s2-r${r}-${variant.name}`, variant.runtime);
        const suffix = variant.name === 'default' ? '' : 'Best';
        figures[`jobsPerSec${suffix}`] = d.jobsPerSec;
        // Both variants enqueue the same way: each run reports the two enqueue rates of its default variant.
        if (variant.name === 'default') Object.assign(figures, { enqueuesPerSec: d.enqueuesPerSec, enqueueManyPerSec: d.enqueueManyPerSec });
      }
      figures.fractionOfS0_32 = figures.jobsPerSec / s0.insertsPerSec32.median;
      figures.fractionOfS0_32Best = figures.jobsPerSecBest / s0.insertsPerSec32.median;
      results.push(figures);
      process.stderr.write(
        `bench: S2 ${adapter} run ${r + 1}/${runs}: ${Math.round(figures.jobsPerSec)} jobs/s default, ${Math.round(figures.jobsPerSecBest)} best; enqueue ${Math.round(figures.enqueuesPerSec)}/s one call each, ${Math.round(figures.enqueueManyPerSec)}/s enqueueMany\n`,
      );
    }
    return {
      params: {
        jobs: JOBS,
        variants: { default: 'Runtime defaults (concurrency 10, prefetch 0)', best: BEST },
        enqueue: `${SINGLE_JOBS} jobs one runtime.enqueue call each (${ENQUEUE_PARALLELISM} in flight), then ${JOBS - SINGLE_JOBS} in one enqueueMany call, from a client runtime in the parent process (adapter defaults)`,
        worker: 'one worker process started after the enqueue, serving only the run queue',
        measured: "jobs / (max(finished_at) - min(started_at)) over the queue's jobs",
        s0: { insertsPerSec32: s0.insertsPerSec32, from: context?.s0 ? 'this invocation' : 'measured by S2 (3 x 0.5 s)' },
      },
      runs: results,
    };
  } finally {
    await client.shutdown();
    await store.cleanup();
  }
}
