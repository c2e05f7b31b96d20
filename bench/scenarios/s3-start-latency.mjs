// S3 start latency: an idle worker process (started runtime, default options); a client
// runtime in THIS (another) process enqueues 200 jobs one at a time, 5-15 ms apart (each enqueue awaited,
// none waiting for the previous job to run). Latency = the task's Date.now() at start (reported by the
// worker over IPC) - the enqueuer's Date.now() just before enqueue. Same machine, same clock.

import { probe } from '../lib/definitions.mjs';
import { startWorker } from '../lib/children.mjs';
import { clientRuntime, sleep, StartLog } from '../lib/client.mjs';
import { percentile } from '../lib/stats.mjs';
import { freshStore } from '../lib/stores.mjs';

const JOBS = 200;
const GAP_MS = [5, 15];

export default async function s3({ adapter, runs }) {
  const store = await freshStore(adapter, 's3');
  const client = clientRuntime(store);
  const log = new StartLog();
  let worker;
  const results = [];
  try {
    await client.listWorkflows({ limit: 1 }); // connect and migrate before the worker starts
    worker = await startWorker({ store: store.spec, report: true, onStart: log.record });
    await sleep(1_500); // let it settle into idling
    for (let r = 0; r < runs; r++) {
      const enqueuedAt = [];
      const ids = [];
      for (let i = 0; i < JOBS; i++) {
        await sleep(GAP_MS[0] + Math.random() * (GAP_MS[1] - GAP_MS[0]));
        const id = `s3-r${r}-${i}`;
        ids.push(id);
        enqueuedAt.push(Date.now());
        await client.enqueue(probe, [], { id });
      }
      const starts = await log.firstStarts(ids, 30_000, `the ${JOBS} S3 jobs of run ${r + 1} to start`);
      const latencies = starts.map((start, i) => start.at - enqueuedAt[i]);
      results.push({ p50Ms: percentile(latencies, 50), p99Ms: percentile(latencies, 99), maxMs: Math.max(...latencies) });
      process.stderr.write(`bench: S3 ${adapter} run ${r + 1}/${runs}: p50 ${results.at(-1).p50Ms} ms, p99 ${results.at(-1).p99Ms} ms\n`);
      await sleep(1_200); // idle again (past a poll) before the next run
    }
  } finally {
    await worker?.stop();
    await client.shutdown();
    await store.cleanup();
  }
  return {
    params: {
      jobs: JOBS,
      gapMs: GAP_MS,
      worker: 'one worker process, default options (concurrency 10)',
      client: 'a client runtime (never started) in the benchmark process: a different process from the worker',
      wakeUp: adapter === 'postgres' ? 'LISTEN/NOTIFY' : 'the change watch: inotify on the WAL, then PRAGMA data_version (polled every 50 ms as the fallback)',
    },
    runs: results,
  };
}
