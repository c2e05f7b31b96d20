// S6 recovery: worker process A runs 50 workflows, each inside a long step; worker process B is already
// running (started, idle) when A is SIGKILLed. Measured: from the kill to the moment the last (and the
// first) of the 50 steps started again on B. leaseMs 2000 (heartbeat every leaseMs / 3), default poll.

import { longWorkflow } from '../lib/definitions.mjs';
import { startWorker } from '../lib/children.mjs';
import { clientRuntime, sleep, StartLog } from '../lib/client.mjs';
import { freshStore } from '../lib/stores.mjs';

const WORKFLOWS = 50;
const LEASE_MS = 2_000;
const POLL_MS = 1_000;
const STEP_MS = 120_000;

export default async function s6({ adapter, runs }) {
  const store = await freshStore(adapter, 's6');
  const client = clientRuntime(store);
  const log = new StartLog();
  const options = { store: store.spec, runtime: { concurrency: 64, leaseMs: LEASE_MS }, report: true, onStart: log.record };
  const results = [];
  try {
    await client.listWorkflows({ limit: 1 });
    for (let r = 0; r < runs; r++) {
      const a = await startWorker(options);
      let b;
      try {
        const ids = Array.from({ length: WORKFLOWS }, (_, i) => `s6-r${r}-${i}`);
        for (const id of ids) await client.startWorkflow(longWorkflow, [STEP_MS], { id });
        await log.until((s) => ids.every((id) => s.get(id)?.some((x) => x.pid === a.pid)), 10_000, 'worker A to start all 50 steps');
        b = await startWorker(options);
        await sleep(300); // B has claimed nothing and idles until the earliest lease expiry it knows of
        const killedAt = Date.now();
        await a.kill();
        await log.until((s) => ids.every((id) => s.get(id)?.some((x) => x.pid === b.pid)), LEASE_MS + 30_000, 'worker B to resume all 50 steps');
        const resumed = ids.map((id) => log.starts.get(id).find((x) => x.pid === b.pid).at - killedAt);
        results.push({ allResumedMs: Math.max(...resumed), firstResumedMs: Math.min(...resumed) });
        process.stderr.write(`bench: S6 ${adapter} run ${r + 1}/${runs}: all 50 resumed ${results.at(-1).allResumedMs} ms after the kill\n`);
        await b.kill();
        for (const id of ids) await client.cancel(id);
      } finally {
        await a.kill();
        await b?.kill();
      }
    }
  } finally {
    await client.shutdown();
    await store.cleanup();
  }
  return {
    params: {
      workflows: WORKFLOWS,
      leaseMs: LEASE_MS,
      heartbeatMs: Math.floor(LEASE_MS / 3),
      pollIntervalMs: POLL_MS,
      leasePlusPollMs: LEASE_MS + POLL_MS,
      targetMs: LEASE_MS + 1_000,
      workers: 'two worker processes, concurrency 64; B started after A holds all 50, 300 ms before the SIGKILL',
    },
    runs: results,
  };
}
