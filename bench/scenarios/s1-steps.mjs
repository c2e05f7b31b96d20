// S1 step throughput: workflows of 10 no-op task steps, at concurrency 1 and at 32, after a warm-up.
// A closed loop: `concurrency` callers each start a workflow on the worker's own runtime and await its
// result, then start the next, so the runtime always has `concurrency` workflows to run and the latency
// (start -> result) is the service time, not time spent queued behind the others. Per step, during the
// measured phase: database work (PostgreSQL queries sent at pg's Client#query; SQLite statements and
// transactions) and this process's CPU (process.cpuUsage, as bench/tools/step-breakdown.mjs measures it:
// runtime, callers, driver and, on SQLite, the database engine itself, which runs in the process); on
// PostgreSQL also the server's CPU for this process's connections (bench/lib/backend-cpu.mjs).
//
// Warm-up: measured phases of a few hundred workflows right after start were dominated by the JIT (~190 µs
// of CPU per step against ~90-110 in steady state), so the scenario first runs JIT_WARMUP workflows once
// (discarded), and every phase (a new runtime and connections) a few more before it measures.

import { performance } from 'node:perf_hooks';
import { pino } from 'pino';
import { Runtime } from '@steadfast/core';
import { backendCpu, backendCpuBetween, trackBackends } from '../lib/backend-cpu.mjs';
import { ALL, tenSteps } from '../lib/definitions.mjs';
import { countPostgres, countSqlite, Tally } from '../lib/counters.mjs';
import { percentile } from '../lib/stats.mjs';
import { freshStore } from '../lib/stores.mjs';
import { ceilingFor } from './s0-ceiling.mjs';

const PHASES = [
  { concurrency: 1, workflows: 300 },
  { concurrency: 32, workflows: 3_000 },
];
const JIT_WARMUP = { concurrency: 32, workflows: 1_500 };
const STEPS_PER_WORKFLOW = 10;
const PHASE_WARMUP_WORKFLOWS = 64;

/** Runs `count` workflows with `concurrency` callers in a closed loop; returns elapsed ms and latencies. */
async function closedLoop(runtime, count, concurrency) {
  const latencies = [];
  let started = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (started < count) {
        started++;
        const t = performance.now();
        const handle = await runtime.startWorkflow(tenSteps, []);
        const result = await handle.result();
        if (result !== STEPS_PER_WORKFLOW) throw new Error(`workflow ${handle.id} returned ${result}`);
        latencies.push(performance.now() - t);
      }
    }),
  );
  return { elapsedMs: performance.now() - t0, latencies };
}

async function phase(store, adapter, { concurrency, workflows }) {
  const tally = new Tally();
  if (adapter === 'postgres') countPostgres(tally);
  else countSqlite(tally);
  const server = () => (adapter === 'postgres' ? backendCpu((sql, params) => store.exec(sql, params)) : undefined);
  const storage = store.open();
  const runtime = new Runtime({ storage, logger: pino({ level: 'silent' }), concurrency });
  runtime.register(...ALL);
  await runtime.start();
  try {
    await closedLoop(runtime, PHASE_WARMUP_WORKFLOWS, concurrency);
    const server0 = await server();
    tally.reset();
    const cpu0 = process.cpuUsage();
    const { elapsedMs, latencies } = await closedLoop(runtime, workflows, concurrency);
    const cpu = process.cpuUsage(cpu0);
    const counted = { total: tally.total, checkpoint: (tally.byKind.recordStep ?? 0) + (tally.byKind.fence ?? 0), transactions: tally.transactions, perWorkflow: tally.per(workflows) };
    const serverUs = backendCpuBetween(server0, await server());
    const steps = workflows * STEPS_PER_WORKFLOW;
    return {
      cpuUsPerStep: (cpu.user + cpu.system) / steps,
      serverCpuUsPerStep: serverUs === undefined ? undefined : serverUs / steps,
      serverCores: serverUs === undefined ? undefined : serverUs / (elapsedMs * 1000),
      workflowsPerSec: (workflows * 1000) / elapsedMs,
      stepsPerSec: (steps * 1000) / elapsedMs,
      p50Ms: percentile(latencies, 50),
      p99Ms: percentile(latencies, 99),
      total: counted.total / steps,
      checkpoint: counted.checkpoint / steps,
      transactions: counted.transactions / steps,
      perWorkflow: counted.perWorkflow,
    };
  } finally {
    await runtime.shutdown();
  }
}

export default async function s1({ adapter, runs, context }) {
  const s0 = await ceilingFor('S1', adapter, context);
  const s0One = s0.insertsPerSec1.median;
  const s0Many = s0.insertsPerSec32.median;
  if (adapter === 'postgres') trackBackends();
  const store = await freshStore(adapter, 's1');
  const results = [];
  let detail;
  try {
    const warm = await phase(store, adapter, JIT_WARMUP);
    process.stderr.write(`bench: S1 ${adapter} warm-up (${JIT_WARMUP.workflows} workflows at ${JIT_WARMUP.concurrency}): ${Math.round(warm.stepsPerSec)} steps/s, ${Math.round(warm.cpuUsPerStep)} µs CPU/step\n`);
    for (let r = 0; r < runs; r++) {
      const one = await phase(store, adapter, PHASES[0]);
      const many = await phase(store, adapter, PHASES[1]);
      const figures = {
        workflowsPerSec1: one.workflowsPerSec,
        stepsPerSec1: one.stepsPerSec,
        p50Ms1: one.p50Ms,
        p99Ms1: one.p99Ms,
        workflowsPerSec32: many.workflowsPerSec,
        stepsPerSec32: many.stepsPerSec,
        p50Ms32: many.p50Ms,
        p99Ms32: many.p99Ms,
        fractionOfS0_1: one.stepsPerSec / s0One,
        fractionOfS0_32: many.stepsPerSec / s0Many,
        cpuUsPerStep1: one.cpuUsPerStep,
        cpuUsPerStep32: many.cpuUsPerStep,
      };
      if (adapter === 'postgres') {
        Object.assign(figures, {
          queriesPerStep1: one.total,
          queriesPerStep32: many.total,
          checkpointQueriesPerStep32: many.checkpoint,
          serverCpuUsPerStep1: one.serverCpuUsPerStep,
          serverCpuUsPerStep32: many.serverCpuUsPerStep,
          serverCores32: many.serverCores,
        });
      } else {
        Object.assign(figures, {
          statementsPerStep1: one.total,
          statementsPerStep32: many.total,
          transactionsPerStep1: one.transactions,
          transactionsPerStep32: many.transactions,
        });
      }
      results.push(figures);
      detail = { perWorkflow1: one.perWorkflow, perWorkflow32: many.perWorkflow };
      process.stderr.write(
        `bench: S1 ${adapter} run ${r + 1}/${runs}: ${Math.round(one.stepsPerSec)} / ${Math.round(many.stepsPerSec)} steps/s at 1 / 32, ${Math.round(one.cpuUsPerStep)} / ${Math.round(many.cpuUsPerStep)} µs CPU/step\n`,
      );
    }
  } finally {
    await store.cleanup();
  }
  return {
    params: {
      phases: PHASES.map((p) => ({ ...p, stepsPerWorkflow: STEPS_PER_WORKFLOW })),
      warmup: { ...JIT_WARMUP, once: true, perPhase: PHASE_WARMUP_WORKFLOWS },
      driver: 'closed loop: each of `concurrency` callers starts a workflow on the worker runtime itself and awaits handle.result()',
      pool: adapter === 'postgres' ? 'adapter default (max 10)' : 'one connection',
      synchronous: adapter === 'sqlite' ? 'FULL (default)' : undefined,
      s0: { insertsPerSec1: s0.insertsPerSec1, insertsPerSec32: s0.insertsPerSec32, from: context?.s0 ? 'this invocation' : 'measured by S1 (3 x 0.5 s)' },
      serverCpu: adapter === 'postgres' ? "CPU time of the PostgreSQL backends of this process's adapter connections (/proc/<pid>/stat) over the measured phase; serverCores32 = that over the phase's wall time" : undefined,
      cpu: 'process.cpuUsage() (user + system) of the measured phase / its steps: the worker runtime, the callers, the driver' + (adapter === 'sqlite' ? ' and SQLite itself' : ''),
      counting:
        adapter === 'postgres'
          ? "statements sent by this process (pg Client#query) during the measured phase, including the caller's createWorkflow and result reads; heartbeats (own connection) and the LISTEN connection not counted"
          : 'better-sqlite3 statement executions (run/get/all, including the BEGIN IMMEDIATE and COMMIT of each transaction) and transactions, wrapped process-wide; SQLite has no network round trips',
    },
    runs: results,
    detail,
  };
}
