// Where the time of a workflow goes: runs S1's workflow (10 no-op steps) in a closed loop and times every
// storage adapter call, so the wall time splits into time inside storage calls (driver + network +
// database) and time outside them (the runtime's own work and waiting on the event loop).
// Usage: node bench/tools/step-breakdown.mjs [postgres|sqlite] [concurrency=1] [workflows=200] [poolMax]

import { performance } from 'node:perf_hooks';
import { pino } from 'pino';
import { Runtime } from '@steadfast/core';
import { backendCpu, backendCpuBetween, trackBackends } from '../lib/backend-cpu.mjs';
import { ALL, tenSteps } from '../lib/definitions.mjs';
import { freshStore } from '../lib/stores.mjs';

const [adapter = 'postgres', concurrencyText = '1', workflowsText = '200', poolText] = process.argv.slice(2);
const concurrency = Number(concurrencyText);
const workflows = Number(workflowsText);
if (adapter === 'postgres') trackBackends();
const store = await freshStore(adapter, 'breakdown');
const storage = store.open(poolText ? { pool: { max: Number(poolText) } } : undefined);
const timing = {};
let busy = 0;
let busySince = 0;
let inStorageMs = 0; // wall time during which at least one storage call was in flight
const CONTRACT = new Set([
  'migrate', 'createWorkflow', 'getWorkflow', 'listWorkflows', 'history', 'unfinishedNames', 'claim', 'nextDueAt',
  'loadExecution', 'renewLeases', 'recordStep', 'recordRetry', 'suspend', 'release', 'complete', 'fail',
  'cancelWorkflow', 'retryWorkflow', 'listSchedules', 'advanceSchedule', 'stats', 'purge',
]);
// The contract's methods only (private helpers such as SQLite's run() would count twice).
for (const method of CONTRACT) {
  if (typeof storage[method] !== 'function') continue;
  const original = storage[method].bind(storage);
  storage[method] = async (...args) => {
    const t = performance.now();
    if (busy++ === 0) busySince = t;
    try {
      return await original(...args);
    } finally {
      const end = performance.now();
      if (--busy === 0) inStorageMs += end - busySince;
      const entry = (timing[method] ??= { calls: 0, ms: 0 });
      entry.calls++;
      entry.ms += end - t;
    }
  };
}
const runtime = new Runtime({ storage, logger: pino({ level: 'silent' }), concurrency });
runtime.register(...ALL);
await runtime.start();
const loop = async (count) => {
  let started = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (started++ < count) await (await runtime.startWorkflow(tenSteps, [])).result();
    }),
  );
};
try {
  await loop(Math.min(workflows, 1_500)); // warm-up: the JIT dominates the first few hundred workflows
  for (const key of Object.keys(timing)) delete timing[key];
  inStorageMs = 0;
  busySince = performance.now();
  const t0 = performance.now();
  const server0 = adapter === 'postgres' ? await backendCpu((sql, params) => store.exec(sql, params)) : undefined;
  const cpu0 = process.cpuUsage();
  await loop(workflows);
  const wall = performance.now() - t0;
  const server = adapter === 'postgres' ? backendCpuBetween(server0, await backendCpu((sql, params) => store.exec(sql, params))) : undefined;
  if (busy > 0) inStorageMs += performance.now() - busySince;
  const cpu = process.cpuUsage(cpu0);
  const steps = workflows * 10;
  console.log(`${adapter}, concurrency ${concurrency}, ${workflows} workflows: ${(steps / (wall / 1000)).toFixed(0)} steps/s`);
  console.log(`per step: wall ${((wall / steps) * 1000).toFixed(0)} µs, this process's CPU ${(((cpu.user + cpu.system) / steps)).toFixed(0)} µs (user ${(cpu.user / steps).toFixed(0)}, system ${(cpu.system / steps).toFixed(0)})`);
  if (server !== undefined) console.log(`PostgreSQL backends' CPU per step ${(server / steps).toFixed(0)} µs (${((100 * server) / (wall * 1000)).toFixed(0)} % of one core over the run)`);
  console.log(`wall time with a storage call in flight: ${((100 * inStorageMs) / wall).toFixed(0)}%`);
  console.log('storage calls per workflow, and mean latency of each:');
  for (const [method, { calls, ms }] of Object.entries(timing).sort((a, b) => b[1].ms - a[1].ms)) {
    console.log(`  ${method.padEnd(16)} ${(calls / workflows).toFixed(2).padStart(6)} calls  ${((ms / calls) * 1000).toFixed(0).padStart(7)} µs each  ${((ms / workflows)).toFixed(2).padStart(7)} ms per workflow`);
  }
} finally {
  await runtime.shutdown();
  await store.cleanup();
}
