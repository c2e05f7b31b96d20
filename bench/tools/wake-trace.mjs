// Traces the worker's claim loop during S1's closed loop at concurrency 1 (PostgreSQL by default): every
// wake-up it plans, and how long each workflow took. A planned wake-up a whole poll interval away while a
// workflow was waiting to be claimed shows the claim loop parking due work.
// Usage: node bench/tools/wake-trace.mjs [postgres|sqlite] [workflows=100]
// (Reads the runtime's private `worker` field: a diagnostic, tied to the current internals.)

import { performance } from 'node:perf_hooks';
import { pino } from 'pino';
import { Runtime } from '@steadfast/core';
import { ALL, tenSteps } from '../lib/definitions.mjs';
import { percentile } from '../lib/stats.mjs';
import { freshStore } from '../lib/stores.mjs';

const [adapter = 'postgres', workflowsText = '100'] = process.argv.slice(2);
const store = await freshStore(adapter, 'trace');
const storage = store.open();
const runtime = new Runtime({ storage, logger: pino({ level: 'silent' }), concurrency: 1 });
runtime.register(...ALL);
await runtime.start();
const worker = runtime.worker;
const t0 = performance.now();
const events = [];
const at = () => (performance.now() - t0).toFixed(1);
const planWake = worker.planWake.bind(worker);
worker.planWake = (when, force) => {
  const inMs = when - Date.now();
  events.push(`${at()} planWake in ${Math.round(inMs)} ms (claiming=${worker.claiming}, claimAgain=${worker.claimAgain})`);
  return planWake(when, force);
};
for (const method of ['claim', 'nextDueAt', 'createWorkflow']) {
  const original = storage[method].bind(storage);
  storage[method] = async (...args) => {
    events.push(`${at()} ${method} sent`);
    const result = await original(...args);
    const shown = method === 'claim' ? `${result.length} claimed` : method === 'nextDueAt' ? `next ${result === null ? null : result - Date.now()} ms from now` : 'done';
    events.push(`${at()} ${method} returned: ${shown}`);
    return result;
  };
}
const wake = worker.wake.bind(worker);
worker.wake = (when) => {
  if (worker.claiming && when === undefined) events.push(`${at()} wake() while claiming: claimAgain set`);
  return wake(when);
};
try {
  const latencies = [];
  for (let i = 0; i < Number(workflowsText); i++) {
    const t = performance.now();
    events.push(`${at()} start workflow ${i}`);
    await (await runtime.startWorkflow(tenSteps, [])).result();
    latencies.push(performance.now() - t);
  }
  const slow = latencies.filter((ms) => ms > 500).length;
  console.log(`${adapter}: ${latencies.length} workflows at concurrency 1: p50 ${percentile(latencies, 50).toFixed(1)} ms, p99 ${percentile(latencies, 99).toFixed(1)} ms, ${slow} took > 500 ms`);
  const first = latencies.findIndex((ms) => ms > 500);
  if (first >= 0) {
    const from = events.findIndex((e) => e.endsWith(`start workflow ${first}`));
    const to = events.findIndex((e) => e.endsWith(`start workflow ${first + 1}`));
    console.log(`the claim loop while workflow ${first} waited ${latencies[first].toFixed(0)} ms:`);
    console.log(events.slice(from, to + 1).map((e) => `  ${e}`).join('\n'));
  }
} finally {
  await runtime.shutdown();
  await store.cleanup();
}
