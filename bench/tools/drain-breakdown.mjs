// Where a worker's time goes when it drains a backlog of no-op jobs (S2's work, in this process): enqueues
// `jobs` with enqueueMany, then starts a runtime at `concurrency` and counts the statements it sends by kind
// and its CPU per job. Run under `node --cpu-prof` for a profile.
// Usage: node bench/tools/drain-breakdown.mjs [postgres|sqlite] [jobs=10000] [concurrency=64] [runtime options JSON]

import { performance } from 'node:perf_hooks';
import { pino } from 'pino';
import { Runtime } from '@steadfast/core';
import { ALL, noop } from '../lib/definitions.mjs';
import { backendCpu, backendCpuBetween, trackBackends } from '../lib/backend-cpu.mjs';
import { countPostgres, countSqlite, Tally } from '../lib/counters.mjs';
import { freshStore } from '../lib/stores.mjs';

const [adapter = 'postgres', jobsText = '10000', concurrencyText = '64', optionsText = '{}'] = process.argv.slice(2);
const jobs = Number(jobsText);
if (adapter === 'postgres') trackBackends();
const store = await freshStore(adapter, 'drain');
const client = new Runtime({ storage: store.open(), logger: pino({ level: 'silent' }) });
const readServer = () => (adapter === 'postgres' ? backendCpu((sql, params) => store.exec(sql, params)) : undefined);
await client.listWorkflows({ limit: 1 }); // connect and migrate first
const items = Array.from({ length: jobs }, () => []);
const enqueueServer0 = await readServer();
const enqueueCpu0 = process.cpuUsage();
const t0 = performance.now();
await client.enqueueMany(noop, items);
const enqueueMs = performance.now() - t0;
const enqueueCpu = process.cpuUsage(enqueueCpu0);
const enqueueServer = backendCpuBetween(enqueueServer0, await readServer());
await client.shutdown();

const tally = new Tally();
if (adapter === 'postgres') countPostgres(tally);
else countSqlite(tally);
const storage = store.open();
const timing = {};
for (const method of ['claim', 'nextDueAt', 'complete', 'recordStep', 'loadExecution', 'renewLeases']) {
  const original = storage[method].bind(storage);
  storage[method] = async (...args) => {
    const t = performance.now();
    try {
      return await original(...args);
    } finally {
      const entry = (timing[method] ??= { calls: 0, ms: 0 });
      entry.calls++;
      entry.ms += performance.now() - t;
    }
  };
}
const runtime = new Runtime({ storage, logger: pino({ level: 'silent' }), concurrency: Number(concurrencyText), ...JSON.parse(optionsText) });
runtime.register(...ALL);
tally.reset();
const server0 = await readServer();
const cpu0 = process.cpuUsage();
const t1 = performance.now();
await runtime.start();
const wf = store.table('workflows');
for (;;) {
  const [row] = await store.exec(`SELECT count(*) AS done FROM ${wf} WHERE status = 'completed'`);
  if (Number(row.done) >= jobs) break;
  await new Promise((resolve) => setTimeout(resolve, 20));
}
const drainMs = performance.now() - t1;
const cpu = process.cpuUsage(cpu0);
const server = backendCpuBetween(server0, await readServer());
await runtime.shutdown();
await store.cleanup();
console.log(`${adapter}: enqueueMany ${Math.round((jobs * 1000) / enqueueMs)} jobs/s; drained ${jobs} at c${concurrencyText} in ${Math.round(drainMs)} ms: ${Math.round((jobs * 1000) / drainMs)} jobs/s`);
console.log(`enqueueMany: ${Math.round(enqueueMs)} ms, this process's CPU ${((enqueueCpu.user + enqueueCpu.system) / 1000).toFixed(0)} ms${enqueueServer === undefined ? '' : `, PostgreSQL backends' CPU ${(enqueueServer / 1000).toFixed(0)} ms`}`);
if (server !== undefined) console.log(`drain: PostgreSQL backends' CPU per job ${(server / jobs).toFixed(0)} µs (${((100 * server) / (drainMs * 1000)).toFixed(0)} % of one core)`);
console.log(`CPU per job ${((cpu.user + cpu.system) / jobs).toFixed(0)} µs (user ${(cpu.user / jobs).toFixed(0)}, system ${(cpu.system / jobs).toFixed(0)}); statements per job ${(tally.total / jobs).toFixed(3)} (transactions ${(tally.transactions / jobs).toFixed(3)})`);
console.log('per job by kind:', tally.per(jobs));
for (const [method, { calls, ms }] of Object.entries(timing)) console.log(`  ${method.padEnd(14)} ${String(calls).padStart(6)} calls, ${(ms / calls).toFixed(2)} ms each`);
