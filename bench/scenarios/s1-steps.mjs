// S1 step throughput: workflows of 10 no-op task steps, 200 at concurrency 1, then 500 at concurrency 32.
// A closed loop: `concurrency` callers each start a workflow on the worker's own runtime and await its
// result, then start the next, so the runtime always has `concurrency` workflows to run and the latency
// (start -> result) is the service time, not time spent queued behind the others. Database work is
// counted per step: PostgreSQL queries (round trips) on the adapter's main pool; SQLite statements and
// transactions.

import { performance } from 'node:perf_hooks';
import { pino } from 'pino';
import { Runtime } from '@steadfast/core';
import { ALL, tenSteps } from '../lib/definitions.mjs';
import { countPostgres, countSqlite, Tally } from '../lib/counters.mjs';
import { median, percentile, summarize } from '../lib/stats.mjs';
import { freshStore } from '../lib/stores.mjs';
import s0 from './s0-ceiling.mjs';

const PHASES = [
  { concurrency: 1, workflows: 200 },
  { concurrency: 32, workflows: 500 },
];
const STEPS_PER_WORKFLOW = 10;
const WARMUP_WORKFLOWS = 20;

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
  const storage = store.open();
  const tally = new Tally();
  if (adapter === 'postgres') countPostgres(tally);
  else countSqlite(tally);
  const runtime = new Runtime({ storage, logger: pino({ level: 'silent' }), concurrency });
  runtime.register(...ALL);
  await runtime.start();
  try {
    await closedLoop(runtime, WARMUP_WORKFLOWS, concurrency);
    tally.reset();
    const { elapsedMs, latencies } = await closedLoop(runtime, workflows, concurrency);
    const steps = workflows * STEPS_PER_WORKFLOW;
    return {
      workflowsPerSec: (workflows * 1000) / elapsedMs,
      stepsPerSec: (steps * 1000) / elapsedMs,
      p50Ms: percentile(latencies, 50),
      p99Ms: percentile(latencies, 99),
      total: tally.total / steps,
      checkpoint: ((tally.byKind.recordStep ?? 0) + (tally.byKind.fence ?? 0)) / steps,
      transactions: tally.transactions / steps,
      perWorkflow: tally.per(workflows),
    };
  } finally {
    await runtime.shutdown();
  }
}

/** S0's inserts/s when this invocation did not run S0 first: a short measurement of its own. */
async function ceiling(adapter, context) {
  if (context.s0) return context.s0;
  process.stderr.write(`bench: S1 ${adapter}: measuring the S0 ceiling first (S0 was not run in this invocation)\n`);
  const { runs } = await s0({ adapter, runs: 3, durationMs: 500 });
  return summarize(runs);
}

export default async function s1({ adapter, runs, context }) {
  const ceilingFigures = await ceiling(adapter, context);
  const s0One = ceilingFigures.insertsPerSec1.median;
  const s0Many = ceilingFigures.insertsPerSec32.median;
  const store = await freshStore(adapter, 's1');
  const results = [];
  let detail;
  try {
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
      };
      if (adapter === 'postgres') {
        Object.assign(figures, {
          roundTripsPerStep1: one.total,
          roundTripsPerStep32: many.total,
          checkpointRoundTripsPerStep32: many.checkpoint,
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
      process.stderr.write(`bench: S1 ${adapter} run ${r + 1}/${runs}: ${Math.round(one.stepsPerSec)} / ${Math.round(many.stepsPerSec)} steps/s\n`);
    }
  } finally {
    await store.cleanup();
  }
  return {
    params: {
      phases: PHASES.map((p) => ({ ...p, stepsPerWorkflow: STEPS_PER_WORKFLOW })),
      warmupWorkflows: WARMUP_WORKFLOWS,
      driver: 'closed loop: each of `concurrency` callers starts a workflow on the worker runtime itself and awaits handle.result()',
      pool: adapter === 'postgres' ? 'adapter default (max 10)' : 'one connection',
      synchronous: adapter === 'sqlite' ? 'FULL (default)' : undefined,
      s0InsertsPerSec1: s0One,
      s0InsertsPerSec32: s0Many,
      counting:
        adapter === 'postgres'
          ? "statements sent by this process (pg Client#query) during the measured phase, including the caller's createWorkflow and result reads; heartbeats (own connection) and the LISTEN connection not counted"
          : 'better-sqlite3 statement executions (run/get/all, including the BEGIN IMMEDIATE and COMMIT of each transaction) and transactions, wrapped process-wide; SQLite has no network round trips',
    },
    runs: results,
    detail,
  };
}
