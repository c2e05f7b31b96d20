// Real worker processes on real PostgreSQL: several `node` processes (test/fixtures/pg-worker.mjs) share one
// schema; some are SIGKILLed, SIGSTOPped past their lease, or see the server restart under them. Assertions
// are on what is stored: workflow rows, steps, the event log, and an application `ledger` table that every
// task body writes to through the adapter's knex before its checkpoint (so it shows every execution of a
// body, including ones whose checkpoint was lost or refused).
//
// Tests 1, 2, 3, 5 and 6 use their own schema on the shared server (createTestSchema, dropped after); test 4
// restarts PostgreSQL, so it runs on a PrivateCluster of its own (destroyed after).
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { exitsCleanly, spawnWorkerProcess, waitForWorkers, type WorkerProcess as ChildWorker } from './support/worker-processes.js';
import { defineTask, defineWorkflow, LeaseLostError, Runtime } from '@steadfast/core';
import { PostgresAdapter } from '@steadfast/postgres-adapter';
import { fenceDemo, multiStep } from './fixtures/pg-workflows.mjs';
import { Db } from './support/pg-db.js';
import { createTestSchema, PrivateCluster, requirePostgres, requirePrivateCluster, type TestSchema } from './support/postgres.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const WORKER = join(ROOT, 'test', 'fixtures', 'pg-worker.mjs');
const TAG = '[postgres-workers]';

interface WorkerProcess extends ChildWorker {
  workerId: string;
}

// ---------------------------------------------------------------------------------------------
// Resources, cleaned up after every test whatever happened
// ---------------------------------------------------------------------------------------------

const children: WorkerProcess[] = [];
const clients: Runtime[] = [];
const pools: pg.Pool[] = [];
const schemas: TestSchema[] = [];
const clusters: PrivateCluster[] = [];

afterEach(async () => {
  for (const w of children.splice(0)) {
    if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill('SIGKILL'); // works on a stopped process too
    await w.exited;
  }
  for (const client of clients.splice(0)) await client.shutdown({ timeout: 0 }).catch(() => {});
  for (const pool of pools.splice(0)) await pool.end().catch(() => {});
  for (const schema of schemas.splice(0)) await schema.drop();
  for (const cluster of clusters.splice(0)) await cluster.destroy();
}, 60_000);

function spawnWorker(mode: 'worker' | 'migrate' | 'start', env: Record<string, string>): WorkerProcess {
  const child = spawnWorkerProcess(WORKER, [mode], ROOT, env);
  const worker: WorkerProcess = { ...child, workerId: `pg-worker-${child.pid}` };
  children.push(worker);
  return worker;
}

const alive = (w: WorkerProcess): boolean => w.child.exitCode === null && w.child.signalCode === null;
const said = (w: WorkerProcess, type: string): boolean => w.messages.some((m) => m.type === type);
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `check` until true; fails with `what` (and the workers' stderr) after `timeoutMs` or if a worker dies. */
const until = (what: string, check: () => boolean | Promise<boolean>, timeoutMs = 15_000, intervalMs = 25) =>
  waitForWorkers(children, what, check, timeoutMs, intervalMs);


async function stopGracefully(workers: WorkerProcess[]): Promise<void> {
  for (const w of workers) w.child.kill('SIGTERM');
  for (const w of workers) await exitsCleanly(w);
}

/** A never-started runtime: starts and inspects workflows in the schema, executes none. */
function clientRuntime(url: string, schema: string): { runtime: Runtime; adapter: PostgresAdapter } {
  const adapter = new PostgresAdapter({ connection: url, schema, pool: { max: 4 } });
  const runtime = new Runtime({ storage: adapter, pollIntervalMs: 100 });
  clients.push(runtime);
  return { runtime, adapter };
}

async function sharedSchema(prefix: string): Promise<{ schema: string; url: string; db: Db }> {
  const s = await createTestSchema(prefix);
  schemas.push(s);
  const db = new Db(s.url, s.schema, pools);
  await db.createLedger();
  return { schema: s.schema, url: s.url, db };
}

function workerEnv(url: string, schema: string, extra: Record<string, string> = {}): Record<string, string> {
  return { PG_URL: url, PG_SCHEMA: schema, PG_LEASE_MS: '2000', PG_HEARTBEAT_MS: '500', PG_POLL_MS: '200', PG_CONCURRENCY: '10', ...extra };
}

const ids = (prefix: string, n: number): string[] => Array.from({ length: n }, (_, i) => `${prefix}-${String(i).padStart(3, '0')}`);

/** Starts workflows from a client, a few at a time. */
async function startAll(runtime: Runtime, list: string[], steps: (i: number) => number): Promise<void> {
  for (let i = 0; i < list.length; i += 25) {
    await Promise.all(list.slice(i, i + 25).map((id, j) => runtime.startWorkflow(multiStep, [steps(i + j)], { id })));
  }
}

// ---------------------------------------------------------------------------------------------
// Shared server
// ---------------------------------------------------------------------------------------------

describe.skipIf(!(await requirePostgres()))('worker processes on the shared PostgreSQL server', () => {
  it('1. three processes share one schema: 150 workflows x 3 steps, every step exactly once, all three do work', async () => {
    const { schema, url, db } = await sharedSchema('sf_pgw1');
    const env = workerEnv(url, schema, { PG_CONCURRENCY: '5', PG_STEP_MIN_MS: '2', PG_STEP_MAX_MS: '10' });
    const workers = [spawnWorker('worker', env), spawnWorker('worker', env), spawnWorker('worker', env)];
    await until('three workers ready', () => workers.every((w) => said(w, 'ready')));

    const { runtime } = clientRuntime(url, schema);
    const list = ids('w1', 150);
    const t0 = Date.now();
    await startAll(runtime, list, () => 3);
    await until('150 workflows completed', async () => (await db.statusCounts()).completed === 150, 30_000, 50);
    console.log(`${TAG} test 1: 150 workflows x 3 steps on 3 workers in ${Date.now() - t0} ms`);
    expect(await db.statusCounts()).toEqual({ completed: 150 });

    // Every (workflow, step) ran exactly once, and is checkpointed exactly once.
    const pairs = await db.q<{ workflow_id: string; step: number; n: number }>(
      `SELECT workflow_id, step, count(*)::int AS n FROM ${db.t('ledger')} GROUP BY 1, 2 ORDER BY 1, 2`,
    );
    expect(pairs.map((p) => `${p.workflow_id}:${p.step}`)).toEqual(list.flatMap((id) => [0, 1, 2].map((s) => `${id}:${s}`)));
    expect(pairs.filter((p) => p.n !== 1)).toEqual([]);
    expect(await db.count('steps')).toBe(450);
    const completedEvents = await db.q<{ workflow_id: string; n: number }>(
      `SELECT workflow_id, count(*)::int AS n FROM ${db.t('events')} WHERE type = 'completed' GROUP BY 1`,
    );
    expect(completedEvents).toHaveLength(150);
    expect(completedEvents.every((e) => e.n === 1)).toBe(true);
    expect(await db.count('events', "type IN ('recovered', 'failed')")).toBe(0);

    // Spread: each process executed steps (and only these three did).
    const perPid = await db.q<{ pid: number; n: number }>(`SELECT pid, count(*)::int AS n FROM ${db.t('ledger')} GROUP BY pid ORDER BY pid`);
    console.log(`${TAG} test 1: steps per worker ${perPid.map((p) => `${p.pid}=${p.n}`).join(', ')}`);
    expect(perPid.map((p) => p.pid).sort()).toEqual(workers.map((w) => w.pid).sort());
    for (const p of perPid) expect(p.n).toBeGreaterThan(0);

    await stopGracefully(workers);
  }, 60_000);

  it('2. SIGKILL one of three workers mid-run: its workflows are recovered after the lease, only in-flight steps run twice', async () => {
    const LEASE_MS = 2000;
    const POLL_MS = 200;
    const CONCURRENCY = 10;
    const N = 90;
    const { schema, url, db } = await sharedSchema('sf_pgw2');
    const env = workerEnv(url, schema, {
      PG_LEASE_MS: String(LEASE_MS),
      PG_HEARTBEAT_MS: '500',
      PG_POLL_MS: String(POLL_MS),
      PG_CONCURRENCY: String(CONCURRENCY),
      PG_STEP_MIN_MS: '50',
      PG_STEP_MAX_MS: '100',
    });
    const workers = [spawnWorker('worker', env), spawnWorker('worker', env), spawnWorker('worker', env)];
    await until('three workers ready', () => workers.every((w) => said(w, 'ready')));
    const [survivorA, victim, survivorB] = workers as [WorkerProcess, WorkerProcess, WorkerProcess];

    const { runtime } = clientRuntime(url, schema);
    const list = ids('w2', N);
    await startAll(runtime, list, () => 3);
    await until('a third of the ledger', async () => (await db.count('ledger')) >= N, 30_000, 10);
    const victimSteps = await db.count('ledger', 'pid = $1', [victim.pid]);
    expect(victimSteps).toBeGreaterThan(0); // the victim was working

    const killedAt = Date.now();
    victim.child.kill('SIGKILL');
    expect(await victim.exited).toEqual({ code: null, signal: 'SIGKILL' });
    // Workflows the victim held: running under its lease. (Read after a moment, so a statement it had sent just
    // before dying has landed; its leases cannot expire that soon: leaseMs - heartbeatMs is 1.5 s.)
    await pause(200);
    const held = (
      await db.q<{ id: string }>(`SELECT id FROM ${db.t('workflows')} WHERE status = 'running' AND lease_owner = $1 ORDER BY id`, [victim.workerId])
    ).map((r) => r.id);
    expect(held.length).toBeGreaterThan(0);
    expect(held.length).toBeLessThanOrEqual(CONCURRENCY);

    await until(`all ${N} workflows completed`, async () => (await db.statusCounts()).completed === N, 30_000, 20);
    expect(await db.statusCounts()).toEqual({ completed: N });

    // Recovery time: from the kill until the last of the victim's workflows completed (finished_at is the
    // completing worker's clock, on this machine).
    const [times] = await db.q<{ last: string; first_recovery: string }>(
      `SELECT (SELECT max(finished_at) FROM ${db.t('workflows')} WHERE id = ANY($1)) AS last,
              (SELECT min(at) FROM ${db.t('events')} WHERE type = 'recovered') AS first_recovery`,
      [held],
    );
    const recoveryMs = Number(times!.last) - killedAt;
    const firstClaimMs = Number(times!.first_recovery) - killedAt;
    console.log(
      `${TAG} test 2: SIGKILL recovery ${recoveryMs} ms (kill -> last of ${held.length} held workflows completed; ` +
        `first recovery claim after ${firstClaimMs} ms; leaseMs ${LEASE_MS}, pollIntervalMs ${POLL_MS})`,
    );
    expect(firstClaimMs).toBeGreaterThan(0);
    expect(recoveryMs).toBeLessThan(LEASE_MS + POLL_MS + 3_000);

    // The recovered workflows are exactly the ones the victim held, each recovered once by a survivor.
    const recovered = await db.q<{ workflow_id: string; data: string }>(
      `SELECT workflow_id, data FROM ${db.t('events')} WHERE type = 'recovered' ORDER BY workflow_id`,
    );
    expect(recovered.map((r) => r.workflow_id)).toEqual(held);
    for (const r of recovered) expect([survivorA.workerId, survivorB.workerId]).toContain(JSON.parse(r.data).owner);
    for (const id of held) {
      const history = await (await runtime.getWorkflow(id)).history();
      expect(history.map((e) => e.type)).toContain('recovered');
      expect(history.filter((e) => e.type === 'completed')).toHaveLength(1);
    }

    // Every step ran; the only ones that ran twice were in flight on the victim when it died.
    expect(await db.count('steps')).toBe(N * 3);
    const [{ n: distinct }] = (await db.q(`SELECT count(DISTINCT (workflow_id, step))::int AS n FROM ${db.t('ledger')}`)) as [{ n: number }];
    expect(distinct).toBe(N * 3);
    const dups = await db.q<{ workflow_id: string; step: number; n: number; pids: number[] }>(
      `SELECT workflow_id, step, count(*)::int AS n, array_agg(pid ORDER BY id) AS pids FROM ${db.t('ledger')} GROUP BY 1, 2 HAVING count(*) > 1`,
    );
    console.log(`${TAG} test 2: ${held.length} workflows held by the killed worker, ${dups.length} steps ran twice`);
    expect(dups.length).toBeLessThanOrEqual(CONCURRENCY);
    for (const d of dups) {
      expect(d.n).toBe(2);
      expect(d.pids[0]).toBe(victim.pid); // first run on the victim, cut short by the kill
      expect([survivorA.pid, survivorB.pid]).toContain(d.pids[1]);
      expect(held).toContain(d.workflow_id);
    }

    await stopGracefully([survivorA, survivorB]);
  }, 60_000);

  it('3. fencing: a worker paused past its lease has its checkpoint and completion refused after a takeover', async () => {
    const { schema, url, db } = await sharedSchema('sf_pgw3');
    const env = workerEnv(url, schema, { PG_LEASE_MS: '1500', PG_HEARTBEAT_MS: '500', PG_POLL_MS: '200', PG_STEP_MIN_MS: '5' });
    const stale = spawnWorker('worker', { ...env, PG_TAG: 'old', PG_SLOW_MS: '4000' });
    await until('first worker ready', () => said(stale, 'ready'));

    const { runtime, adapter } = clientRuntime(url, schema);
    const handle = await runtime.startWorkflow(fenceDemo, [], { id: 'fence-1' });
    const slowRows = () => db.q<{ pid: number; note: string }>(`SELECT pid, note FROM ${db.t('ledger')} WHERE workflow_id = 'fence-1' AND step = 1 ORDER BY id`);
    await until('the slow step to start on the first worker', async () => (await slowRows()).some((r) => r.pid === stale.pid && r.note === 'start'));
    process.kill(stale.pid, 'SIGSTOP'); // frozen: no heartbeat, no progress; its lease (1.5 s) runs out

    const fresh = spawnWorker('worker', { ...env, PG_TAG: 'new', PG_SLOW_MS: '100' });
    await until('the second worker to take over and complete', async () => (await handle.status()) === 'completed', 15_000, 50);
    expect(alive(stale)).toBe(true);
    process.kill(stale.pid, 'SIGCONT');

    // The stale worker wakes up, learns it lost the lease, gives the execution up; its careless step body still
    // runs to the end (writes 'end'), but nothing it writes for the workflow is accepted.
    await until(
      'the stale worker to abandon the execution',
      () => stale.messages.some((m) => m.workflowId === 'fence-1' && /execution abandoned/.test(m.msg ?? '')),
      10_000,
    );
    await until('the stale step body to finish', async () => (await slowRows()).some((r) => r.pid === stale.pid && r.note === 'end'), 10_000);
    await pause(500); // time for a stale checkpoint or completion to land, were it not refused

    expect(await handle.result()).toBe('new');
    expect(await handle.info()).toMatchObject({ status: 'completed', output: 'new', attempts: 2, recoveryAttempts: 1 });
    const steps = await db.q<{ seq: number; output: string }>(`SELECT seq, output FROM ${db.t('steps')} WHERE workflow_id = 'fence-1' ORDER BY seq`);
    expect(steps.map((s) => s.seq)).toEqual([0, 1]);
    expect(JSON.parse(steps[1]!.output)).toBe('new');
    const history = await handle.history();
    expect(history.map((e) => (e.step === undefined ? e.type : `${e.type}:${e.step}`))).toEqual([
      'created',
      'claimed',
      'step_completed:0',
      'recovered',
      'step_completed:1',
      'completed',
    ]);
    expect(history[1]!.data).toMatchObject({ owner: stale.workerId });
    expect(history[3]!.data).toMatchObject({ owner: fresh.workerId });
    expect((await slowRows()).map((r) => `${r.note}:${r.pid === stale.pid ? 'stale' : r.pid === fresh.pid ? 'fresh' : r.pid}`).sort()).toEqual(
      ['end:fresh', 'end:stale', 'start:fresh', 'start:stale'],
    );
    const abandoned = stale.messages.find((m) => m.workflowId === 'fence-1' && /execution abandoned/.test(m.msg ?? ''))!;
    console.log(`${TAG} test 3: stale worker logged: ${abandoned.msg}${abandoned.err ? ` (${abandoned.err.type}: ${abandoned.err.message})` : ''}`);

    // The storage itself refuses every write under the stale lease (whichever way the worker found out).
    const staleLease = { workflowId: 'fence-1', owner: stale.workerId, epoch: Number((history[1]!.data as { epoch: number }).epoch) };
    const now = Date.now();
    type NewStep = Parameters<PostgresAdapter['recordStep']>[1];
    const staleStep = (seq: number, name: string, output: string) => ({ seq, name, kind: 'task', output, error: null, attempts: 1, fingerprint: null }) as NewStep;
    await expect(adapter.recordStep(staleLease, staleStep(1, 'pg.slowStep', '"old"'), now)).rejects.toBeInstanceOf(LeaseLostError);
    await expect(adapter.recordStep(staleLease, staleStep(2, 'pg.ledgerStep', '2'), now)).rejects.toBeInstanceOf(LeaseLostError);
    await expect(adapter.complete(staleLease, '"old"', now)).rejects.toBeInstanceOf(LeaseLostError);
    await expect(adapter.fail(staleLease, '{"name":"Error","message":"stale"}', null, now)).rejects.toBeInstanceOf(LeaseLostError);
    await expect(adapter.release(staleLease, now)).rejects.toBeInstanceOf(LeaseLostError);
    await expect(adapter.suspend(staleLease, now + 1000, now)).rejects.toBeInstanceOf(LeaseLostError);
    expect(await adapter.renewLeases([staleLease], 1500, now)).toEqual(['fence-1']);
    expect(await db.count('steps', "workflow_id = 'fence-1'")).toBe(2);
    expect(await db.count('events', "workflow_id = 'fence-1' AND type = 'completed'")).toBe(1);
    expect(await handle.info()).toMatchObject({ status: 'completed', output: 'new' });

    expect(alive(stale)).toBe(true); // it gave the workflow up, not its life
    await stopGracefully([stale, fresh]);
  }, 60_000);

  it('5. ten processes migrating an empty schema at once: all succeed, each migration is applied once', async () => {
    const { schema, url, db } = await sharedSchema('sf_pgw5');
    await db.q(`DROP TABLE ${db.t('ledger')}`); // an empty schema
    const env = workerEnv(url, schema);
    const wave = (n: number) => Array.from({ length: n }, (_, i) => spawnWorker(i % 2 === 0 ? 'start' : 'migrate', env));

    for (const [round, procs] of [[1, wave(10)], [2, wave(4)]] as const) {
      await until(`round ${round}: all processes loaded`, () => procs.every((w) => said(w, 'armed')), 20_000);
      for (const w of procs) w.child.kill('SIGUSR2'); // released together
      for (const w of procs) await exitsCleanly(w);
      for (const w of procs) expect(said(w, 'done')).toBe(true);
      const times = procs.map((w) => w.messages.find((m) => m.type === 'done')!.ms as number).sort((a, b) => a - b);
      console.log(`${TAG} test 5: round ${round}, ${procs.length} processes, migrate/start took ${times.join(', ')} ms`);

      const versions = await db.q<{ version: number; n: number }>(`SELECT version, count(*)::int AS n FROM ${db.t('migrations')} GROUP BY version ORDER BY version`);
      expect(versions.length).toBeGreaterThan(0);
      expect(versions.map((v) => v.version)).toEqual(versions.map((_, i) => i + 1));
      expect(versions.every((v) => v.n === 1)).toBe(true);
      const tables = await db.q<{ table_name: string }>(
        `SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY table_name`,
        [schema],
      );
      // The tables of every migration, each once (later migrations may add more: only the first ones are named).
      const names = tables.map((t) => t.table_name);
      expect(names).toEqual(expect.arrayContaining(['steadfast_events', 'steadfast_migrations', 'steadfast_steps', 'steadfast_workflows']));
      expect(names.every((n) => n.startsWith('steadfast_'))).toBe(true);
      expect(new Set(names).size).toBe(names.length);
      if (round === 1) console.log(`${TAG} test 5: ${versions.length} migration(s), tables ${names.join(', ')}`);
      const indexes = await db.q<{ indexname: string }>(`SELECT indexname FROM pg_indexes WHERE schemaname = $1 ORDER BY indexname`, [schema]);
      expect(new Set(indexes.map((i) => i.indexname)).size).toBe(indexes.length);
    }

    // And the schema works.
    const { runtime } = clientRuntime(url, schema);
    await runtime.startWorkflow(multiStep, [1], { id: 'after-migrate' });
    expect(await db.count('workflows')).toBe(1);
  }, 60_000);

  it('6. a LISTEN connection that is terminated is re-established: idle workers still wake at once', async () => {
    const { schema, url, db } = await sharedSchema('sf_pgw6');
    const channel = `${schema}.steadfast_due`;
    const echo = defineTask('pgListen.echo', async (value: string) => value);
    const echoFlow = defineWorkflow('pgListen.flow', async (value: string) => echo(value));

    // A started runtime that only a notification can wake quickly: the poll interval is a minute. The
    // listener's periodic check is slow too, so the reconnect below is driven by the connection's own failure.
    const workerAdapter = new PostgresAdapter({ connection: url, schema, listenCheckIntervalMs: 30_000, pool: { max: 4 } });
    const worker = new Runtime({ storage: workerAdapter, pollIntervalMs: 60_000, leaseMs: 5_000 });
    clients.push(worker);
    worker.register(echoFlow, echo);
    await worker.start();
    const { runtime: client } = clientRuntime(url, schema);

    const listeners = async () =>
      (
        await db.q<{ pid: number }>(
          `SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND query ILIKE 'LISTEN%' AND position($1 in query) > 0`,
          [channel],
        )
      ).map((r) => r.pid);
    const runOne = async (id: string): Promise<number> => {
      const t0 = Date.now();
      const handle = await client.startWorkflow(echoFlow, [id], { id });
      expect(await handle.result()).toBe(id);
      return Date.now() - t0;
    };

    await until('the worker to LISTEN', async () => (await listeners()).length === 1, 5_000);
    const first = await runOne('baseline');

    // (a) terminate the listener; once it is back, a new workflow wakes the idle worker through it.
    const [before] = await listeners();
    await db.q('SELECT pg_terminate_backend($1)', [before]);
    await until('a new LISTEN connection', async () => {
      const now = await listeners();
      return now.length === 1 && now[0] !== before;
    }, 5_000);
    const afterReconnect = await runOne('after-reconnect');

    // (b) terminate it again and start a workflow at once: its notification is lost, but the reconnect
    // announces itself and the worker looks for due work.
    const [second] = await listeners();
    await db.q('SELECT pg_terminate_backend($1)', [second]);
    const duringReconnect = await runOne('during-reconnect');
    await until('a third LISTEN connection', async () => {
      const now = await listeners();
      return now.length === 1 && now[0] !== second && now[0] !== before;
    }, 5_000);

    console.log(`${TAG} test 6: completion times: baseline ${first} ms, after reconnect ${afterReconnect} ms, started during reconnect ${duringReconnect} ms`);
    for (const ms of [first, afterReconnect, duringReconnect]) expect(ms).toBeLessThan(3_000); // not the 60 s poll
  }, 60_000);
});

// ---------------------------------------------------------------------------------------------
// Private cluster
// ---------------------------------------------------------------------------------------------

describe.skipIf(!(await requirePrivateCluster()))('worker processes while PostgreSQL restarts (private cluster)', () => {
  it('4. an immediate restart during 500 workflows: all complete once, no failures, the workers stay up', async () => {
    const LEASE_MS = 2000;
    const N = 500;
    const cluster = await PrivateCluster.start();
    clusters.push(cluster);
    const schema = 'sf_restart';
    const db = new Db(cluster.url, schema, pools);
    await db.createLedger();
    const env = workerEnv(cluster.url, schema, {
      PG_LEASE_MS: String(LEASE_MS),
      PG_HEARTBEAT_MS: '500',
      PG_POLL_MS: '200',
      PG_CONCURRENCY: '10',
      PG_STEP_MIN_MS: '2',
      PG_STEP_MAX_MS: '8',
    });
    const workers = [spawnWorker('worker', env), spawnWorker('worker', env)];
    await until('two workers ready', () => workers.every((w) => said(w, 'ready')));

    const { runtime } = clientRuntime(cluster.url, schema);
    const list = ids('w4', N);
    const t0 = Date.now();
    await startAll(runtime, list, (i) => 2 + (i % 2));
    const completed = async (): Promise<number | undefined> => {
      try {
        return (await db.statusCounts()).completed ?? 0;
      } catch {
        return undefined; // the server is down
      }
    };
    await until('100 workflows completed', async () => ((await completed()) ?? 0) >= 100, 30_000, 10);

    const stopAt = Date.now();
    await cluster.stop('immediate');
    const down = Date.now();
    await pause(1500); // about 2 s of downtime in all: longer than what is left of many leases
    await cluster.start();
    const upAt = Date.now();

    await until(`all ${N} workflows completed`, async () => (await completed()) === N, 60_000, 50);
    const doneAt = Date.now();
    const [{ n: completedBeforeStop }] = (await db.q(
      `SELECT count(*)::int AS n FROM ${db.t('workflows')} WHERE finished_at < $1`,
      [stopAt],
    )) as [{ n: number }];
    console.log(
      `${TAG} test 4: ${N} workflows in ${doneAt - t0} ms; restart began after ${completedBeforeStop} had completed; ` +
        `stop took ${down - stopAt} ms, down ${upAt - stopAt} ms in all; all done ${doneAt - upAt} ms after the server was back`,
    );
    expect(completedBeforeStop).toBeLessThan(N - 100); // the restart really happened mid-run

    // Every workflow completed exactly once, none failed, nothing else is left.
    expect(await db.statusCounts()).toEqual({ completed: N });
    const events = await db.q<{ type: string; n: number; workflows: number }>(
      `SELECT type, count(*)::int AS n, count(DISTINCT workflow_id)::int AS workflows FROM ${db.t('events')} GROUP BY type`,
    );
    const byType = Object.fromEntries(events.map((e) => [e.type, e]));
    expect(byType.completed).toMatchObject({ n: N, workflows: N });
    expect(byType.failed).toBeUndefined();

    // Checkpoints: one per step (the primary key guarantees it) and every step of every workflow is there.
    const expectedSteps = list.reduce((sum, _, i) => sum + 2 + (i % 2), 0);
    const [stepCounts] = (await db.q(`SELECT count(*)::int AS n, count(DISTINCT (workflow_id, seq))::int AS d FROM ${db.t('steps')}`)) as [{ n: number; d: number }];
    expect(stepCounts).toEqual({ n: expectedSteps, d: expectedSteps });

    // Step bodies (the ledger): every step ran, at most twice, and a second run only around the restart.
    const pairs = await db.q<{ workflow_id: string; step: number; n: number; first: string; last: string }>(
      `SELECT workflow_id, step, count(*)::int AS n,
              (extract(epoch FROM min(at)) * 1000)::bigint AS first, (extract(epoch FROM max(at)) * 1000)::bigint AS last
         FROM ${db.t('ledger')} GROUP BY 1, 2`,
    );
    expect(pairs).toHaveLength(expectedSteps);
    const twice = pairs.filter((p) => p.n > 1);
    console.log(`${TAG} test 4: ${twice.length} step bodies ran twice; ${byType.recovered?.n ?? 0} recoveries`);
    expect(pairs.filter((p) => p.n > 2)).toEqual([]);
    for (const p of twice) {
      expect(Number(p.first)).toBeGreaterThanOrEqual(stopAt - 2_000);
      expect(Number(p.last)).toBeLessThanOrEqual(upAt + LEASE_MS + 10_000);
    }

    // The workers rode it out.
    for (const w of workers) expect(alive(w)).toBe(true);
    await stopGracefully(workers);
  }, 90_000);
});
