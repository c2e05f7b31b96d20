// The `prefetch` option: claimed jobs held ready beyond `concurrency`. They are leased while they wait, so
// what matters is what happens to them when their worker goes away: a SIGKILLed worker's held jobs run
// elsewhere once their leases expire (within lease + 1 s), and a worker shutting down gives them back at once.
// Judged on what is stored (statuses, the event log) and on a ledger of which process ran each job.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { defineTask, Runtime, ValidationError, type RuntimeOptions, type StorageAdapter } from '@steadfast/core';
import { PostgresAdapter } from '@steadfast/postgres-adapter';
import { SqliteAdapter } from '@steadfast/sqlite-adapter';
import { block, quick } from './fixtures/prefetch-jobs.mjs';
import { tempDir, waitFor } from './helpers.js';
import { createTestSchema, PG_URL, requirePostgres } from './support/postgres.js';
import { spawnWorkerProcess, waitForWorkers, type WorkerProcess } from './support/worker-processes.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const WORKER = join(ROOT, 'test', 'fixtures', 'prefetch-worker.mjs');
const LEASE_MS = 2_000;

interface Store {
  /** Environment telling the worker fixture where the storage is. */
  env: Record<string, string>;
  adapter(): StorageAdapter;
  dir: string;
  cleanup(): Promise<void>;
}

const STORES: Array<{ name: string; available: boolean; create(): Promise<Store> }> = [
  {
    name: 'sqlite',
    available: true,
    async create() {
      const tmp = tempDir();
      const file = tmp.file();
      return { env: { PF_SQLITE: file }, adapter: () => new SqliteAdapter({ filename: file }), dir: tmp.dir, cleanup: async () => tmp.cleanup() };
    },
  },
  {
    name: 'postgres',
    available: await requirePostgres(),
    async create() {
      const schema = await createTestSchema('sf_prefetch');
      const tmp = tempDir();
      return {
        env: { PF_PG_URL: PG_URL, PF_SCHEMA: schema.schema },
        adapter: () => new PostgresAdapter({ connection: PG_URL, schema: schema.schema, pool: { max: 3 } }),
        dir: tmp.dir,
        cleanup: async () => {
          await schema.drop();
          tmp.cleanup();
        },
      };
    },
  },
];

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => {});
});

function runtimeOn(store: Store, options: Partial<RuntimeOptions> = {}): Runtime {
  const runtime = new Runtime({
    storage: store.adapter(),
    logger: pino({ level: 'silent' }),
    leaseMs: LEASE_MS,
    heartbeatMs: Math.floor(LEASE_MS / 3),
    pollIntervalMs: 50,
    ...options,
  });
  cleanups.push(() => runtime.shutdown({ timeout: 1_000 }));
  return runtime;
}

const ledger = (file: string) => (existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : []);

describe.each(STORES)('prefetch on $name', (kind) => {
  it.skipIf(!kind.available)('jobs held ready by a SIGKILLed worker run on another worker within lease + 1 s, each once', async () => {
    const store = await kind.create();
    cleanups.push(() => store.cleanup());
    const file = join(store.dir, 'ledger.txt');
    const client = runtimeOn(store);
    await client.storage.migrate();

    const worker: WorkerProcess = spawnWorkerProcess(WORKER, [], ROOT, {
      ...store.env,
      PF_LEASE_MS: String(LEASE_MS),
      PF_CONCURRENCY: '1',
      PF_PREFETCH: '4',
      PF_BLOCK: '1',
    });
    cleanups.push(async () => {
      if (worker.child.exitCode === null && worker.child.signalCode === null) worker.child.kill('SIGKILL');
      await worker.exited;
    });
    await waitForWorkers([worker], 'the worker to start', () => worker.messages.some((m) => m.type === 'ready'));

    // The one slot is taken by a job that hangs; the four after it are claimed and held.
    const blocker = await client.enqueue(block, [], { id: 'blocker' });
    await waitForWorkers([worker], 'the blocker to run', async () => (await blocker.status()) === 'running');
    const held = await client.enqueueMany(quick, [0, 1, 2, 3].map((i) => ({ args: [file, `q${i}`] as [string, string], id: `q${i}` })));
    await waitForWorkers([worker], 'four jobs to be held', async () => (await Promise.all(held.map((h) => h.status()))).every((s) => s === 'running'));
    expect(ledger(file)).toEqual([]); // held, not started
    for (const handle of held) {
      const claims = (await handle.history()).filter((e) => e.type === 'claimed');
      expect(claims.map((e) => (e.data as { owner: string }).owner)).toEqual([`prefetch-worker-${worker.pid}`]);
    }

    worker.child.kill('SIGKILL');
    const killedAt = Date.now();
    expect(await worker.exited).toEqual({ code: null, signal: 'SIGKILL' });

    const rescuer = runtimeOn(store, { concurrency: 4 });
    rescuer.register(block, quick);
    await rescuer.start();
    const results = await Promise.all(held.map((h) => h.result()));
    expect(results).toEqual(['q0', 'q1', 'q2', 'q3']);
    for (const handle of held) {
      const info = await handle.info();
      expect(info.finishedAt!.getTime() - killedAt).toBeLessThanOrEqual(LEASE_MS + 1_000);
    }
    // Each ran once, here: the killed worker never started them.
    expect(ledger(file).sort()).toEqual(['q0', 'q1', 'q2', 'q3'].map((label) => `${label}:${process.pid}`));
    expect(await blocker.result()).toBe('unblocked');
  });

  it.skipIf(!kind.available)('a worker shutting down gives its held jobs back at once, while its running job finishes', async () => {
    const store = await kind.create();
    cleanups.push(() => store.cleanup());
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const slow = defineTask('prefetchSlow', async () => {
      await gate;
      return 'slow';
    });
    const ranBy: Record<string, string> = {};
    const job = defineTask('prefetchJob', async (label: string) => label);

    const first = runtimeOn(store, { concurrency: 1, prefetch: 3, workerId: 'first' });
    first.register(slow, job);
    await first.start();
    const slowRun = await first.enqueue(slow, [], { id: 'slow' });
    await waitFor(async () => (await slowRun.status()) === 'running', 10_000, 'the slow job to run');
    const held = await first.enqueueMany(job, ['a', 'b', 'c'].map((id) => ({ args: [id] as [string], id })));
    await waitFor(async () => (await Promise.all(held.map((h) => h.status()))).every((s) => s === 'running'), 10_000, 'three jobs held');

    const stopping = first.shutdown({ timeout: 20_000 });
    const second = runtimeOn(store, { workerId: 'second' });
    second.register(slow, job);
    await second.start();
    // The held jobs are given back before the running one ends: the second worker runs them meanwhile.
    const again = await Promise.all(held.map((h) => second.getWorkflow<string>(h.id)));
    expect(await Promise.all(again.map((h) => h.result()))).toEqual(['a', 'b', 'c']);
    for (const handle of again) {
      const history = await handle.history();
      expect(history.map((e) => e.type)).toEqual(['created', 'claimed', 'released', 'claimed', 'step_completed', 'completed']);
      ranBy[handle.id] = (history.filter((e) => e.type === 'claimed')[1]!.data as { owner: string }).owner;
    }
    expect(ranBy).toEqual({ a: 'second', b: 'second', c: 'second' });
    const slowAgain = await second.getWorkflow<string>('slow');
    expect(await slowAgain.status()).toBe('running');
    release();
    await stopping;
    expect(await slowAgain.result()).toBe('slow');
  });

  it.skipIf(!kind.available)('holds nothing ready for a queue with flow control', async () => {
    const store = await kind.create();
    cleanups.push(() => store.cleanup());
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const slow = defineTask('prefetchGated', async () => {
      await gate;
      return 'slow';
    });
    const job = defineTask('prefetchLimited', async (label: string) => label);
    const runtime = runtimeOn(store, { concurrency: 1, prefetch: 3 });
    runtime.register(slow, job);
    runtime.queue('default', { concurrency: 5 });
    await runtime.start();
    const slowRun = await runtime.enqueue(slow, []);
    await waitFor(async () => (await slowRun.status()) === 'running', 10_000, 'the slow job to run');
    const waiting = await runtime.enqueueMany(job, [['a'], ['b']]);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await Promise.all(waiting.map((h) => h.status()))).toEqual(['pending', 'pending']);
    release();
    expect(await Promise.all(waiting.map((h) => h.result()))).toEqual(['a', 'b']);
  });
});

it('prefetch must be a whole number from 0', () => {
  const tmp = tempDir();
  cleanups.push(async () => tmp.cleanup());
  expect(() => new Runtime({ storage: new SqliteAdapter({ filename: tmp.file() }), prefetch: -1 })).toThrow(ValidationError);
  expect(() => new Runtime({ storage: new SqliteAdapter({ filename: tmp.file() }), prefetch: 1.5 })).toThrow(/invalid prefetch/);
});
