// S7 hosts: S1-style step throughput (workflows of 10 no-op task steps, a closed loop) with 1, 2 and 4
// worker hosts against one database. Each host is a network namespace (test/support/netns-hosts.mjs) with
// one worker process (runtime concurrency 32) that reaches a private PostgreSQL cluster on the bridge
// address, as a worker on another machine reaches its database server over a network. The load comes from
// a client runtime in this process: 64 callers each start a workflow, await handle.result() (the client
// polls: 20 ms doubling to 100 ms), and start the next; the offered load is the same for every host count,
// so the figures show what adding hosts changes. Per workflow, the transactions the server counted
// (pg_stat_database) and the client's own queries (starts and result polls). PostgreSQL only; needs root
// and iproute2.
//
// Runnable on its own: `node bench/scenarios/s7-hosts.mjs [--runs N]` prints the scenario's JSON line.

import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { Runtime } from '@steadfast/core';
import { HostLab, netnsUnavailable } from '../../test/support/netns-hosts.mjs';
import { PrivateCluster } from '../../test/support/private-cluster.mjs';
import { startWorker } from '../lib/children.mjs';
import { sleep } from '../lib/client.mjs';
import { countPostgres, Tally } from '../lib/counters.mjs';
import { ALL, tenSteps } from '../lib/definitions.mjs';
import { percentile, roundAll, summarize } from '../lib/stats.mjs';
import { openAdapter } from '../lib/stores.mjs';

const HOST_COUNTS = [1, 2, 4];
const CALLERS = 64;
const WORKFLOWS = 640;
const WARMUP_WORKFLOWS = 64;
const STEPS_PER_WORKFLOW = 10;
const WORKER_CONCURRENCY = 32;
const SCHEMA = 'bench_s7';

/** `count` workflows through `callers` callers in a closed loop; returns elapsed ms and latencies. */
async function closedLoop(client, count, callers) {
  const latencies = [];
  let started = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: callers }, async () => {
      while (started < count) {
        started++;
        const t = performance.now();
        const handle = await client.startWorkflow(tenSteps, []);
        const result = await handle.result();
        if (result !== STEPS_PER_WORKFLOW) throw new Error(`workflow ${handle.id} returned ${result}`);
        latencies.push(performance.now() - t);
      }
    }),
  );
  return { elapsedMs: performance.now() - t0, latencies };
}

/** Transactions the server has counted in this database (PostgreSQL flushes these stats within ~1 s). */
async function serverTransactions(adapter) {
  const { rows } = await adapter.knex.raw('SELECT xact_commit + xact_rollback AS n FROM pg_stat_database WHERE datname = current_database()');
  return Number(rows[0].n);
}

/**
 * One phase: `hosts` worker processes, one per host, then warm-up and the measured loop. Database work is
 * counted per workflow: all transactions the server saw, and the client's own queries (starts, polls).
 */
async function phase(lab, cluster, client, hosts) {
  const store = { adapter: 'postgres', connection: cluster.urlFor(lab.serverAddress), schema: SCHEMA };
  const workers = [];
  try {
    for (const host of lab.hosts.slice(0, hosts)) {
      workers.push(await startWorker({ store, runtime: { concurrency: WORKER_CONCURRENCY }, command: host.command }));
    }
    await closedLoop(client.runtime, WARMUP_WORKFLOWS, CALLERS);
    await sleep(1_500);
    const before = await serverTransactions(client.adapter);
    client.tally.reset();
    const { elapsedMs, latencies } = await closedLoop(client.runtime, WORKFLOWS, CALLERS);
    const clientQueries = client.tally.total;
    await sleep(1_500);
    const transactions = (await serverTransactions(client.adapter)) - before;
    return {
      serverTransactionsPerWorkflow: transactions / WORKFLOWS,
      clientQueriesPerWorkflow: clientQueries / WORKFLOWS,
      workflowsPerSec: (WORKFLOWS * 1000) / elapsedMs,
      stepsPerSec: (WORKFLOWS * STEPS_PER_WORKFLOW * 1000) / elapsedMs,
      p50Ms: percentile(latencies, 50),
      p99Ms: percentile(latencies, 99),
    };
  } finally {
    for (const worker of workers) await worker.stop(2_000);
  }
}

export default async function s7({ adapter, runs }) {
  const params = {
    hostCounts: HOST_COUNTS,
    callers: CALLERS,
    workflowsPerPhase: WORKFLOWS,
    warmupWorkflows: WARMUP_WORKFLOWS,
    stepsPerWorkflow: STEPS_PER_WORKFLOW,
    workerConcurrency: WORKER_CONCURRENCY,
    hosts: 'network namespaces on one bridge, one worker process each; a private PostgreSQL cluster on the bridge address',
    driver: 'closed loop from a client runtime in the benchmark process (root namespace); handle.result() polls 20 ms doubling to 100 ms',
  };
  if (adapter !== 'postgres') return { params: { ...params, skipped: 'SQLite is one file on one machine: several hosts do not apply' }, runs: [] };
  const missing = netnsUnavailable();
  if (missing) return { params: { ...params, skipped: `S7 needs network namespaces (root and iproute2): ${missing}` }, runs: [] };

  const lab = HostLab.create(Math.max(...HOST_COUNTS));
  let cluster;
  let client;
  const results = [];
  try {
    cluster = await PrivateCluster.start({ listenAddresses: ['127.0.0.1', lab.serverAddress], trustNetworks: [lab.cidr] });
    const adapter = openAdapter({ adapter: 'postgres', connection: cluster.url, schema: SCHEMA }, { pool: { max: 16 } });
    client = { adapter, tally: new Tally(), runtime: new Runtime({ storage: adapter, logger: pino({ level: 'silent' }), pollIntervalMs: 100 }) };
    countPostgres(client.tally);
    client.runtime.register(...ALL);
    await client.runtime.listWorkflows({ limit: 1 }); // migrates before the workers start
    for (let r = 0; r < runs; r++) {
      const figures = {};
      for (const hosts of HOST_COUNTS) {
        const p = await phase(lab, cluster, client, hosts);
        for (const [name, value] of Object.entries(p)) figures[`${name}${hosts}`] = value;
        process.stderr.write(`bench: S7 run ${r + 1}/${runs}, ${hosts} host(s): ${Math.round(p.stepsPerSec)} steps/s, p50 ${Math.round(p.p50Ms)} ms\n`);
      }
      figures.speedup2 = figures.stepsPerSec2 / figures.stepsPerSec1;
      figures.speedup4 = figures.stepsPerSec4 / figures.stepsPerSec1;
      results.push(figures);
    }
  } finally {
    await client?.runtime.shutdown({ timeout: 0 }).catch(() => {});
    await cluster?.destroy();
    lab.destroy();
  }
  return { params, runs: results };
}

// On its own: the same JSON line as bench/lib/scenario-process.mjs prints for a registered scenario.
if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { values } = parseArgs({ options: { runs: { type: 'string', default: '3' } } });
  const result = await s7({ adapter: 'postgres', runs: Number(values.runs) });
  const runs = result.runs.map(roundAll);
  process.stdout.write(`${JSON.stringify({ scenario: 'S7', adapter: 'postgres', params: result.params, figures: summarize(runs), runs })}\n`);
  process.exit(0);
}
