// Several machines on one: three "hosts" (network namespaces on a bridge, test/support/netns.ts), each
// running a worker process (test/fixtures/pg-worker.mjs) against one private PostgreSQL cluster that
// listens on the bridge address. (a) The hosts share the work. (b) A host is partitioned (its link taken
// down) for longer than the lease: its workflows resume on the other hosts within lease + 1 s; when the link
// comes back its late writes are refused by fencing, and it logs that it lost its leases and carries on.
// Assertions are on what is stored: workflow rows, checkpoints, the event log and the ledger of task bodies.
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Runtime } from '@steadfast/core';
import { PostgresAdapter } from '@steadfast/postgres-adapter';
import { multiStep } from './fixtures/pg-workflows.mjs';
import { HostLab, requireNetns, spawnOnHost, type Host } from './support/netns.js';
import { Db } from './support/pg-db.js';
import { PrivateCluster, requirePrivateCluster } from './support/postgres.js';
import { exitsCleanly, waitForWorkers, type WorkerProcess } from './support/worker-processes.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const WORKER = join(ROOT, 'test', 'fixtures', 'pg-worker.mjs');
const TAG = '[netns]';

const canRun = requireNetns() && (await requirePrivateCluster());

let lab: HostLab;
let cluster: PrivateCluster;
const workers: WorkerProcess[] = [];
const clients: Runtime[] = [];
const pools: pg.Pool[] = [];

afterEach(async () => {
  for (const w of workers.splice(0)) {
    if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill('SIGKILL');
    await w.exited;
  }
  for (const client of clients.splice(0)) await client.shutdown({ timeout: 0 }).catch(() => {});
  for (const pool of pools.splice(0)) await pool.end().catch(() => {});
  for (const host of lab?.hosts ?? []) host.up(); // a test that failed mid-partition leaves no host cut off
}, 30_000);

const until = (what: string, check: () => boolean | Promise<boolean>, timeoutMs = 20_000, intervalMs = 25) =>
  waitForWorkers(workers, what, check, timeoutMs, intervalMs);
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function spawnOn(host: Host, schema: string, extra: Record<string, string>): WorkerProcess {
  const env = { PG_URL: cluster.urlFor(lab.serverAddress), PG_SCHEMA: schema, PG_POLL_MS: '200', PG_LOG_LEVEL: 'warn', ...extra };
  const worker = spawnOnHost(host, WORKER, ['worker'], ROOT, env);
  workers.push(worker);
  return worker;
}

const ready = (w: WorkerProcess) => w.messages.some((m) => m.type === 'ready');
const workerId = (w: WorkerProcess) => `pg-worker-${w.pid}`;

async function setUp(schema: string): Promise<{ db: Db; client: Runtime }> {
  const db = new Db(cluster.url, schema, pools);
  await db.createLedger();
  // The test process is in the root namespace: it reaches the cluster on 127.0.0.1.
  const client = new Runtime({ storage: new PostgresAdapter({ connection: cluster.url, schema, pool: { max: 4 } }), pollIntervalMs: 100 });
  clients.push(client);
  return { db, client };
}

async function start(client: Runtime, ids: string[], steps: number, gapMs = 0): Promise<void> {
  for (const id of ids) {
    await client.startWorkflow(multiStep, [steps], { id });
    if (gapMs) await pause(gapMs);
  }
}

const ids = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}-${String(i).padStart(3, '0')}`);

/** Checkpoint events per position: more than one for a (workflow, seq) would be a duplicate checkpoint. */
async function duplicateCheckpoints(db: Db): Promise<number> {
  const rows = await db.q<{ n: number }>(
    `SELECT count(*)::int AS n FROM (SELECT 1 FROM ${db.t('events')} WHERE type IN ('step_completed', 'step_failed') GROUP BY workflow_id, seq HAVING count(*) > 1) d`,
  );
  return rows[0]!.n;
}

describe.skipIf(!canRun)('hosts as network namespaces (private cluster on the bridge)', () => {
  beforeAll(async () => {
    lab = HostLab.create(3);
    cluster = await PrivateCluster.start({ listenAddresses: ['127.0.0.1', lab.serverAddress], trustNetworks: [lab.cidr] });
  }, 120_000);
  afterAll(async () => {
    await cluster?.destroy();
    lab?.destroy();
  }, 60_000);

  it('(a) three hosts share the work: each completes some workflows, all complete, each step runs once', async () => {
    const { db, client } = await setUp('sf_netns_a');
    // A lease a loaded machine cannot starve: this case has no fault, so no step may run twice.
    const env = { PG_LEASE_MS: '10000', PG_HEARTBEAT_MS: '2000', PG_CONCURRENCY: '5', PG_STEP_MIN_MS: '5', PG_STEP_MAX_MS: '20' };
    const hostWorkers = lab.hosts.map((host) => spawnOn(host, 'sf_netns_a', env));
    await until('a worker ready on each host', () => hostWorkers.every(ready), 30_000);

    const list = ids('a', 90);
    const t0 = Date.now();
    await start(client, list, 3);
    await until('90 workflows completed', async () => (await db.statusCounts()).completed === 90, 60_000, 100);
    console.log(`${TAG} (a) 90 workflows x 3 steps on 3 hosts in ${Date.now() - t0} ms`);
    expect(await db.statusCounts()).toEqual({ completed: 90 });

    const pairs = await db.q<{ workflow_id: string; step: number; n: number }>(`SELECT workflow_id, step, count(*)::int AS n FROM ${db.t('ledger')} GROUP BY 1, 2`);
    expect(pairs).toHaveLength(270);
    expect(pairs.filter((p) => p.n !== 1)).toEqual([]);
    expect(await db.count('steps')).toBe(270);
    expect(await duplicateCheckpoints(db)).toBe(0);

    // Who completed each workflow: the owner of its last claim.
    const owners = await db.q<{ owner: string; n: number }>(
      `SELECT owner, count(*)::int AS n FROM (
         SELECT DISTINCT ON (workflow_id) workflow_id, data::json->>'owner' AS owner FROM ${db.t('events')}
          WHERE type IN ('claimed', 'recovered', 'woke') ORDER BY workflow_id, id DESC) last GROUP BY owner`,
    );
    const byHost = lab.hosts.map((host, i) => `${host.name}=${owners.find((o) => o.owner === workerId(hostWorkers[i]!))?.n ?? 0}`);
    console.log(`${TAG} (a) workflows completed per host: ${byHost.join(', ')}`);
    expect(owners.map((o) => o.owner).sort()).toEqual(hostWorkers.map(workerId).sort());
    for (const o of owners) expect(o.n).toBeGreaterThan(0);

    for (const w of hostWorkers) w.child.kill('SIGTERM');
    for (const w of hostWorkers) await exitsCleanly(w);
  }, 120_000);

  it('(b) a host partitioned past its lease: its workflows resume elsewhere within lease + 1 s, its late writes are refused', async () => {
    const LEASE_MS = 2_000;
    const STEPS = 20;
    const { db, client } = await setUp('sf_netns_b');
    const env = { PG_LEASE_MS: String(LEASE_MS), PG_HEARTBEAT_MS: '500', PG_CONCURRENCY: '10', PG_STEP_MIN_MS: '150', PG_STEP_MAX_MS: '250' };
    const [victimHost, ...otherHosts] = lab.hosts as [Host, ...Host[]];

    // The partitioned host gets its share for sure: it runs alone while the first workflows are claimed.
    const victim = spawnOn(victimHost, 'sf_netns_b', env);
    await until('the first host ready', () => ready(victim), 30_000);
    const first = ids('b', 4);
    await start(client, first, STEPS);
    await until('the first host to hold 4 workflows', async () => (await db.count('workflows', "status = 'running' AND lease_owner = $1", [workerId(victim)])) === 4);
    const others = otherHosts.map((host) => spawnOn(host, 'sf_netns_b', env));
    await until('the other hosts ready', () => others.every(ready), 30_000);
    await start(client, ids('b2', 8), STEPS, 20);
    await until('a few steps done everywhere', async () => (await db.count('ledger', 'pid = ANY($1)', [others.map((w) => w.pid)])) >= 8);

    const downAt = Date.now();
    victimHost.down();
    await pause(200); // nothing the victim sends arrives now; let a write that left just before land
    const held = (await db.q<{ id: string }>(`SELECT id FROM ${db.t('workflows')} WHERE status = 'running' AND lease_owner = $1 ORDER BY id`, [workerId(victim)])).map((r) => r.id);
    expect(held.length).toBeGreaterThan(0);

    // Resumed: a step of each held workflow starts on another host (ledger rows carry the database clock).
    const resumedAt = async () =>
      db.q<{ workflow_id: string; at: string }>(
        `SELECT workflow_id, (extract(epoch FROM min(at)) * 1000)::bigint AS at FROM ${db.t('ledger')}
          WHERE workflow_id = ANY($1) AND pid <> $2 AND at > to_timestamp($3 / 1000.0) GROUP BY workflow_id`,
        [held, victim.pid, downAt],
      );
    await until('every held workflow resumed on another host', async () => (await resumedAt()).length === held.length, LEASE_MS + 15_000, 50);
    const resumeMs = (await resumedAt()).map((r) => Number(r.at) - downAt);
    console.log(`${TAG} (b) ${held.length} workflows held by the partitioned host resumed elsewhere after ${Math.min(...resumeMs)}-${Math.max(...resumeMs)} ms (lease ${LEASE_MS} ms)`);
    expect(Math.max(...resumeMs)).toBeLessThanOrEqual(LEASE_MS + 1_000);

    // Longer than the lease in all, then the link comes back.
    await pause(Math.max(0, downAt + LEASE_MS + 3_000 - Date.now()));
    const upAt = Date.now();
    victimHost.up();
    await until('all 12 workflows completed', async () => (await db.statusCounts()).completed === 12, 60_000, 100);

    // The partitioned worker noticed, said so, and stayed up.
    await until('the partitioned worker to log that it lost its leases', () =>
      victim.messages.some((m) => m.time >= upAt && /lease was lost/.test(m.msg ?? '')),
    );
    const lost = victim.messages.filter((m) => m.time >= upAt && /lease was lost/.test(m.msg ?? ''));
    console.log(`${TAG} (b) after the link came back the partitioned worker logged ${lost.length} lost lease(s): ${[...new Set(lost.map((m) => m.err?.code ?? m.msg))].join(', ')}`);
    expect(victim.child.exitCode).toBeNull();

    // Fencing: no checkpoint twice; the only steps that ran twice were in flight on the partitioned host.
    expect(await duplicateCheckpoints(db)).toBe(0);
    expect(await db.count('steps')).toBe(12 * STEPS);
    const twice = await db.q<{ workflow_id: string; n: number; pids: number[] }>(
      `SELECT workflow_id, count(*)::int AS n, array_agg(pid) AS pids FROM ${db.t('ledger')} GROUP BY workflow_id, step HAVING count(*) > 1`,
    );
    for (const t of twice) {
      expect(held).toContain(t.workflow_id);
      expect(t.n).toBe(2);
      expect(t.pids).toContain(victim.pid);
    }

    // And it carries on: it takes part in new work once the link is back. Its connections come back at the
    // pace of TCP retransmission, so new workflows keep coming (a few every 300 ms) until it runs one.
    const after: string[] = [];
    await until(
      'the partitioned worker to run a step of a workflow started after the link came back',
      async () => {
        const batch = ids(`b3-${after.length}`, 3);
        await start(client, batch, 2);
        after.push(...batch);
        return (await db.count('ledger', 'pid = $1 AND workflow_id = ANY($2)', [victim.pid, after])) > 0;
      },
      30_000,
      300,
    );
    const carriedOnMs = Date.now() - upAt;
    await until('every workflow completed', async () => (await db.statusCounts()).completed === 12 + after.length, 60_000, 100);
    console.log(`${TAG} (b) the partitioned worker ran new work within ${carriedOnMs} ms of the link coming back`);

    for (const w of [victim, ...others]) w.child.kill('SIGTERM');
    for (const w of [victim, ...others]) await exitsCleanly(w);
  }, 180_000);
});
