// S4 timer accuracy: 200 jobs enqueued with runAt 2 s ahead, their runAt spread evenly over 2 s
// (runAt = t0 + 2000 + i * 10 ms), by a client runtime in this process; one idle worker process runs them.
// Lateness = the task's Date.now() at start - runAt. Negative lateness would be a job started early.

import { probe } from '../lib/definitions.mjs';
import { startWorker } from '../lib/children.mjs';
import { clientRuntime, sleep, StartLog } from '../lib/client.mjs';
import { percentile } from '../lib/stats.mjs';
import { freshStore } from '../lib/stores.mjs';

const JOBS = 200;
const AHEAD_MS = 2_000;
const SPREAD_MS = 2_000;

export default async function s4({ adapter, runs }) {
  const store = await freshStore(adapter, 's4');
  const client = clientRuntime(store);
  const log = new StartLog();
  let worker;
  const results = [];
  try {
    await client.listWorkflows({ limit: 1 });
    worker = await startWorker({ store: store.spec, report: true, onStart: log.record });
    await sleep(1_000);
    for (let r = 0; r < runs; r++) {
      const base = Date.now() + AHEAD_MS;
      const ids = [];
      const runAts = [];
      for (let i = 0; i < JOBS; i++) {
        const id = `s4-r${r}-${i}`;
        const runAt = base + Math.round((i * SPREAD_MS) / JOBS);
        ids.push(id);
        runAts.push(runAt);
        await client.enqueue(probe, [], { id, runAt });
      }
      const enqueueMs = Date.now() - (base - AHEAD_MS);
      const starts = await log.firstStarts(ids, AHEAD_MS + SPREAD_MS + 30_000, `the ${JOBS} S4 jobs of run ${r + 1} to start`);
      const lateness = starts.map((start, i) => start.at - runAts[i]);
      results.push({
        p50Ms: percentile(lateness, 50),
        p99Ms: percentile(lateness, 99),
        maxMs: Math.max(...lateness),
        minMs: Math.min(...lateness),
        enqueueAllMs: enqueueMs,
      });
      process.stderr.write(`bench: S4 ${adapter} run ${r + 1}/${runs}: p50 ${results.at(-1).p50Ms} ms, p99 ${results.at(-1).p99Ms} ms, max ${results.at(-1).maxMs} ms\n`);
    }
  } finally {
    await worker?.stop();
    await client.shutdown();
    await store.cleanup();
  }
  return {
    params: {
      jobs: JOBS,
      aheadMs: AHEAD_MS,
      spreadMs: SPREAD_MS,
      worker: 'one worker process, default options (concurrency 10)',
      client: 'a client runtime in the benchmark process enqueues all 200 one after another (enqueueAllMs), then waits',
    },
    runs: results,
  };
}
