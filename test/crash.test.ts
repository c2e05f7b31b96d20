// Real-process crash tests: workers are separate `node` processes on one SQLite file, killed with SIGKILL
// at chosen points. Assertions are on what is stored (workflow rows, event history, ledger files that the
// task bodies append to), never on timings. Fixtures: test/fixtures/crash-worker.mjs, crash-workflows.mjs.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { exitsCleanly, spawnWorkerProcess, waitForWorkers, type Exit, type WorkerProcess } from './support/worker-processes.js';
import { Runtime, type WorkflowStatus } from '@steadfast/core';
import { SqliteAdapter } from '@steadfast/sqlite-adapter';
import { threeSteps } from './fixtures/crash-workflows.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const WORKER = join(ROOT, 'test', 'fixtures', 'crash-worker.mjs');

// Everything a test creates, cleaned up after it whatever happened.
const children: WorkerProcess[] = [];
const clients: Runtime[] = [];
const dirs: string[] = [];

afterEach(async () => {
  for (const w of children.splice(0)) {
    if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill('SIGKILL');
    await w.exited;
  }
  for (const client of clients.splice(0)) await client.shutdown().catch(() => {});
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'steadfast-crash-'));
  dirs.push(dir);
  return dir;
}

function spawnWorker(mode: 'start' | 'worker', env: Record<string, string>): WorkerProcess {
  const worker = spawnWorkerProcess(WORKER, [mode], ROOT, env);
  children.push(worker);
  return worker;
}

/** A never-started runtime: reads the same database file as the workers, executes nothing. */
function client(db: string): Runtime {
  const runtime = new Runtime({ storage: new SqliteAdapter({ filename: db }), pollIntervalMs: 100 });
  clients.push(runtime);
  return runtime;
}

async function statusOf(runtime: Runtime, id: string): Promise<WorkflowStatus | undefined> {
  try {
    return await (await runtime.getWorkflow(id)).status();
  } catch {
    return undefined; // not created yet
  }
}

function lines(file: string): string[] {
  return existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter((line) => line !== '') : [];
}

/** Polls `check` until it returns true; fails with `what` (and the workers' stderr) after `timeoutMs`. */
const until = (what: string, check: () => boolean | Promise<boolean>, timeoutMs = 15_000) => waitForWorkers(children, what, check, timeoutMs);

async function killHard(worker: WorkerProcess): Promise<void> {
  worker.child.kill('SIGKILL');
  expect(await worker.exited).toEqual({ code: null, signal: 'SIGKILL' });
}


function resultOf(worker: WorkerProcess): Record<string, any> | undefined {
  return worker.messages.find((m) => m.type === 'result');
}

describe('crash recovery with real processes on one SQLite file', () => {
  it('a. a worker killed while the workflow sleeps (suspended): another process finishes it, no step runs twice', async () => {
    const dir = tempDir();
    const db = join(dir, 'steadfast.db');
    const ledger = join(dir, 'ledger.txt');
    const env = {
      CRASH_DB: db,
      CRASH_WORKFLOW: 'crashDemo',
      CRASH_WF_ID: 'crash-1',
      CRASH_ARGS: JSON.stringify([ledger, 2500]), // sleep 2.5 s: far above inMemoryWaitMs, so it suspends
      CRASH_IN_MEMORY_WAIT_MS: '200',
      CRASH_LEASE_MS: '1000',
      CRASH_HEARTBEAT_MS: '300',
    };
    const observer = client(db);

    const first = spawnWorker('start', env);
    await until('steps a and b, then status sleeping', async () => lines(ledger).join() === 'a,b' && (await statusOf(observer, 'crash-1')) === 'sleeping');
    await killHard(first);

    // What the crash left behind: two checkpointed steps, a suspended workflow with no lease.
    expect(lines(ledger)).toEqual(['a', 'b']);
    const suspended = await (await observer.getWorkflow('crash-1')).info();
    expect(suspended.status).toBe('sleeping');
    expect(resultOf(first)).toBeUndefined();

    // Same registrations, same startWorkflow call with the same id: re-attaches instead of starting anew.
    const second = spawnWorker('start', env);
    await exitsCleanly(second);
    expect(resultOf(second)).toMatchObject({ ok: true, value: 'done' });

    expect(lines(ledger)).toEqual(['a', 'b', 'c']);
    const handle = await observer.getWorkflow('crash-1');
    expect(await handle.result()).toBe('done');
    const info = await handle.info();
    expect(info).toMatchObject({ status: 'completed', output: 'done', recoveryAttempts: 0, attempts: 2 });
    expect(await observer.listWorkflows({ name: 'crashDemo' })).toHaveLength(1);
    const history = await handle.history();
    expect(history.map((e) => (e.step === undefined ? e.type : `${e.type}:${e.step}`))).toEqual([
      'created',
      'claimed',
      'step_completed:0',
      'step_completed:1',
      'step_completed:2', // the sleep's wake time
      'sleeping',
      'woke', // claimed by the second process as a due wake-up, not a recovery
      'step_completed:3',
      'completed',
    ]);
    expect(history[1]!.data).toMatchObject({ owner: `crash-worker-${first.pid}` });
    expect(history[6]!.data).toMatchObject({ owner: `crash-worker-${second.pid}` });
  });

  it('b. a worker killed mid-step: the lease expires, another process recovers it; completed steps do not run again', async () => {
    const dir = tempDir();
    const db = join(dir, 'steadfast.db');
    const ledger = join(dir, 'ledger.txt');
    const env = {
      CRASH_DB: db,
      CRASH_WORKFLOW: 'blockDemo',
      CRASH_WF_ID: 'block-1',
      CRASH_ARGS: JSON.stringify([ledger]),
      CRASH_LEASE_MS: '1500',
      CRASH_HEARTBEAT_MS: '500',
    };
    const observer = client(db);

    const first = spawnWorker('start', { ...env, CRASH_BLOCK: '1' });
    await until('the blocking step to start', async () => lines(ledger).includes(`started-x3:${first.pid}`) && (await statusOf(observer, 'block-1')) === 'running');
    await killHard(first);
    expect(lines(ledger)).toEqual(['x1', 'x2', `started-x3:${first.pid}`]);
    expect(await statusOf(observer, 'block-1')).toBe('running'); // a dead worker's lease, still in the row

    const second = spawnWorker('start', env);
    await exitsCleanly(second);
    expect(resultOf(second)).toMatchObject({ ok: true, value: 'x1,x2,x3,x4' });

    // x1 and x2 were checkpointed before the crash: replayed, not re-run. The interrupted step runs again.
    expect(lines(ledger)).toEqual(['x1', 'x2', `started-x3:${first.pid}`, `started-x3:${second.pid}`, 'x4']);
    const handle = await observer.getWorkflow('block-1');
    const info = await handle.info();
    expect(info).toMatchObject({ status: 'completed', output: 'x1,x2,x3,x4', recoveryAttempts: 1, attempts: 2 });
    const history = await handle.history();
    expect(history.map((e) => (e.step === undefined ? e.type : `${e.type}:${e.step}`))).toEqual([
      'created',
      'claimed',
      'step_completed:0',
      'step_completed:1',
      'recovered',
      'step_completed:2',
      'step_completed:3',
      'completed',
    ]);
    expect(history.find((e) => e.type === 'recovered')!.data).toMatchObject({ owner: `crash-worker-${second.pid}` });
  });

  it('c. two worker processes on one file run every step of 40 workflows exactly once, and share the work', async () => {
    const dir = tempDir();
    const db = join(dir, 'steadfast.db');
    // A lease long enough that a loaded machine (parallel test files on 2 cores) cannot starve a heartbeat
    // past it: this test is about sharing work with no crash, where no step may run twice.
    const env = { CRASH_DB: db, CRASH_CONCURRENCY: '4', CRASH_LEASE_MS: '10000', CRASH_HEARTBEAT_MS: '2000', CRASH_POLL_MS: '50' };

    // Both start at once on a fresh file: both migrate concurrently.
    const workers = [spawnWorker('worker', env), spawnWorker('worker', env)];
    await until('both workers ready', () => workers.every((w) => w.messages.some((m) => m.type === 'ready')));

    const api = client(db);
    const ids = Array.from({ length: 40 }, (_, i) => `many-${String(i).padStart(2, '0')}`);
    // All due at once (one insert), more than one worker's slots: both must take some. Started one by one, a
    // worker with free slots could finish each before the next was stored, and run them all.
    const handles = await api.startMany(threeSteps, ids.map((id) => ({ args: [dir, id], id })));
    const results = await Promise.all(handles.map((h) => h.result()));
    expect(results).toEqual(ids.map((id) => `${id}:ok`));

    for (const w of workers) w.child.kill('SIGTERM'); // graceful: nothing is in flight any more
    for (const w of workers) await exitsCleanly(w);

    const ledgers = readdirSync(dir).filter((f) => f.startsWith('ledger-'));
    const perWorker = new Map(ledgers.map((f) => [f, lines(join(dir, f))]));
    const counts = new Map<string, number>();
    for (const entries of perWorker.values()) for (const entry of entries) counts.set(entry, (counts.get(entry) ?? 0) + 1);
    const expected = ids.flatMap((id) => ['s1', 's2', 's3'].map((s) => `${id}:${s}`));
    expect([...counts.keys()].sort()).toEqual(expected.sort());
    expect([...counts.entries()].filter(([, n]) => n !== 1)).toEqual([]); // no step ran twice

    // Spread: both processes executed steps.
    expect(ledgers.sort()).toEqual(workers.map((w) => `ledger-${w.pid}.txt`).sort());
    for (const entries of perWorker.values()) expect(entries.length).toBeGreaterThan(0);

    const completed = await api.listWorkflows({ name: 'threeSteps', status: 'completed', limit: 100 });
    expect(completed).toHaveLength(40);
    expect(completed.every((w) => w.recoveryAttempts === 0)).toBe(true);
  });

  it('d. a workflow that keeps killing its worker is failed after maxRecoveryAttempts, and the restart loop stops', async () => {
    const dir = tempDir();
    const db = join(dir, 'steadfast.db');
    const ledger = join(dir, 'ledger.txt');
    const env = {
      CRASH_DB: db,
      CRASH_WORKFLOW: 'killerDemo', // maxRecoveryAttempts: 1
      CRASH_WF_ID: 'killer-1',
      CRASH_ARGS: JSON.stringify([ledger]),
      CRASH_LEASE_MS: '1000',
      CRASH_HEARTBEAT_MS: '300',
    };

    // A supervisor that restarts the worker whenever it dies, at most 5 times.
    const runs: Array<{ pid: number; exit: Exit; worker: WorkerProcess }> = [];
    for (let i = 0; i < 5; i++) {
      const worker = spawnWorker('start', env);
      const exit = await worker.exited;
      runs.push({ pid: worker.pid, exit, worker });
      if (exit.code === 0) break;
    }

    // Run 1 is killed by the step, run 2 (recovery 1, allowed) is killed again, run 3 (recovery 2) fails it.
    expect(runs.map((r) => r.exit)).toEqual([
      { code: null, signal: 'SIGKILL' },
      { code: null, signal: 'SIGKILL' },
      { code: 0, signal: null },
    ]);
    const last = runs[runs.length - 1]!.worker;
    expect(resultOf(last)).toMatchObject({ ok: false, error: { message: expect.stringMatching(/maxRecoveryAttempts/) } });
    expect(resultOf(last)!.error.message).toMatch(/recovered 2 times/);

    expect(lines(ledger)).toEqual(['before', `boom:${runs[0]!.pid}`, `boom:${runs[1]!.pid}`]);
    const observer = client(db);
    const handle = await observer.getWorkflow('killer-1');
    const info = await handle.info();
    expect(info).toMatchObject({ status: 'failed', recoveryAttempts: 2, attempts: 3 });
    expect(info.error?.message).toMatch(/maxRecoveryAttempts/);
    await expect(handle.result()).rejects.toThrow(/recovered 2 times/);
    const history = await handle.history();
    expect(history.map((e) => (e.step === undefined ? e.type : `${e.type}:${e.step}`))).toEqual([
      'created',
      'claimed',
      'step_completed:0',
      'recovered',
      'recovered',
      'failed',
    ]);
  });
});
