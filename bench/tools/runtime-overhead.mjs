// The runtime's own CPU per job and per step, without a database: drains `jobs` no-op jobs, then runs
// `workflows` workflows of 10 no-op steps, on the in-memory adapter of the test kit (real clock, no
// virtual time), at `concurrency`. What is left of the CPU per step on a real adapter is the driver's.
// Usage: node bench/tools/runtime-overhead.mjs [jobs=20000] [workflows=2000] [concurrency=64]

import { performance } from 'node:perf_hooks';
import { pino } from 'pino';
import { Runtime } from '@steadfast/core';
import { MemoryAdapter } from '@steadfast/core/testing';
import { ALL, noop, tenSteps } from '../lib/definitions.mjs';

const [jobsText = '20000', workflowsText = '2000', concurrencyText = '64'] = process.argv.slice(2);
const concurrency = Number(concurrencyText);
const storage = new MemoryAdapter();
const runtime = new Runtime({ storage, logger: pino({ level: 'silent' }), concurrency });
runtime.register(...ALL);
await runtime.start();

async function measure(label, units, run) {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await run();
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  console.log(`${label}: ${Math.round((units * 1000) / ms)} per second, CPU ${((cpu.user + cpu.system) / units).toFixed(1)} µs each`);
}

const jobs = Number(jobsText);
await measure(`jobs (${jobs}, c${concurrency})`, jobs, async () => {
  const handles = await runtime.enqueueMany(noop, Array.from({ length: jobs }, () => []));
  for (const handle of handles) await handle.result();
});
const workflows = Number(workflowsText);
await measure(`steps (${workflows} workflows of 10, c${concurrency})`, workflows * 10, async () => {
  let started = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (started++ < workflows) await (await runtime.startWorkflow(tenSteps, [])).result();
    }),
  );
});
await runtime.shutdown();
