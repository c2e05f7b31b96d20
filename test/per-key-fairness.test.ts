// perKey queues across real processes: two worker processes (2 slots each) on one database serve a queue with
// perKey { concurrency: 3 }; a ledger of job starts and ends (written by the jobs, inside the leases) shows no
// key ever ran more than 3 at once across both processes while the big key did reach 3 (so both ran it at
// once), and that keys enqueued after a backlog started before the backlog drained. And an upgrade from schema 8: rows stored
// before migration 9 are claimed fairly once a perKey worker claims their queue.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import BetterSqlite from 'better-sqlite3';
import pg from 'pg';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { Runtime } from '@steadfast/core';
import { keyedJob } from './fixtures/fair-jobs.mjs';
import { tempDir } from './helpers.js';
import { DATABASES, type Database } from './support/databases.js';
import { PG_URL } from './support/postgres.js';
import { spawnWorkerProcess, waitForWorkers, type WorkerProcess } from './support/worker-processes.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const WORKER = join(ROOT, 'test', 'fixtures', 'fair-worker.mjs');
/** Above one worker's concurrency (2): the cap is only reached with both processes running the key at once. */
const CAP = 3;

/** Runs SQL on the database directly, `{p}` standing for the schema-qualified table prefix. */
async function execRaw(db: Database, sql: string): Promise<void> {
  if (db.env.STREAM_STORAGE === 'postgres') {
    const client = new pg.Client({ connectionString: PG_URL });
    await client.connect();
    try {
      await client.query(sql.replaceAll('{p}', `"${db.env.STREAM_PG_SCHEMA}".steadfast_`));
    } finally {
      await client.end();
    }
  } else {
    const sqlite = new BetterSqlite(db.env.STREAM_STORAGE!.replace(/^sqlite:/, ''));
    sqlite.exec(sql.replaceAll('{p}', 'steadfast_'));
    sqlite.close();
  }
}

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => {});
});

function clientOn(store: Database): Runtime {
  const runtime = new Runtime({ storage: store.adapter(), logger: pino({ level: 'silent' }) });
  runtime.register(keyedJob);
  cleanups.push(() => runtime.shutdown({ timeout: 1_000 }));
  return runtime;
}

interface Interval {
  key: string;
  pid: number;
  start: number;
  end: number;
}

/** The ledger's runs, paired start to end per process and key (a process runs a key's jobs in any order, so pair by count). */
function intervals(file: string): Interval[] {
  const lines = existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : [];
  const open = new Map<string, number[]>();
  const runs: Interval[] = [];
  for (const line of lines) {
    const [what, key, pid, at] = line.split(' ') as [string, string, string, string];
    const slot = `${key}:${pid}`;
    if (what === 'start') open.set(slot, [...(open.get(slot) ?? []), Number(at)]);
    else runs.push({ key, pid: Number(pid), start: open.get(slot)!.shift()!, end: Number(at) });
  }
  return runs;
}

/** The most runs of one key at once: a sweep over starts and ends, an end before a start at the same millisecond. */
function mostAtOnce(runs: Interval[], key: string): number {
  const points = runs.filter((r) => r.key === key).flatMap((r) => [[r.start, 1], [r.end, -1]] as const);
  points.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let now = 0;
  let most = 0;
  for (const [, delta] of points) most = Math.max(most, (now += delta));
  return most;
}

describe.each(DATABASES)('perKey queues on $name', (kind) => {
  it.skipIf(!kind.available)(
    'two worker processes never run more than perKey.concurrency of one key at once, and a key enqueued after a backlog is not starved',
    async () => {
      const store = await kind.create();
      cleanups.push(() => store.drop());
      const tmp = tempDir();
      cleanups.push(async () => tmp.cleanup());
      const ledger = join(tmp.dir, 'ledger.txt');
      const client = clientOn(store);
      await client.listWorkflows({ limit: 1 }); // migrates before the workers start
      const workers: WorkerProcess[] = [];
      for (let i = 0; i < 2; i++) {
        const worker = spawnWorkerProcess(WORKER, [], ROOT, { ...store.env, FAIR_CAP: String(CAP), FAIR_CONCURRENCY: '2' });
        workers.push(worker);
        cleanups.push(async () => {
          if (worker.child.exitCode === null && worker.child.signalCode === null) worker.child.kill('SIGKILL');
          await worker.exited;
        });
      }
      await waitForWorkers(workers, 'both workers ready', () => workers.every((w) => w.messages.some((m) => m.type === 'ready')));
      const jobs = (key: string, n: number) => Array.from({ length: n }, () => [ledger, key, 80] as [string, string, number]);
      // A alone first: both workers claim only A's rows, and between them have room for 4 at once.
      await client.enqueueMany(keyedJob, jobs('A', 24), { queue: 'tenants', concurrencyKey: 'A' });
      await waitForWorkers(workers, '6 of A completed', async () => (await client.listWorkflows({ status: 'completed', limit: 100 })).length >= 6, 30_000, 20);
      await client.enqueueMany(keyedJob, jobs('B', 4), { queue: 'tenants', concurrencyKey: 'B' });
      await client.enqueueMany(keyedJob, jobs('none', 4), { queue: 'tenants' });
      await waitForWorkers(workers, 'all 32 jobs completed', async () => (await client.listWorkflows({ status: 'completed', limit: 100 })).length === 32, 60_000, 100);

      const runs = intervals(ledger);
      expect(runs).toHaveLength(32);
      // The cap holds across processes, and was reached: with one worker's 2 slots it cannot be, and without a
      // shared count the two would run 4 of A at once.
      expect(mostAtOnce(runs, 'A')).toBe(CAP);
      expect(mostAtOnce(runs, 'B')).toBeLessThanOrEqual(CAP);
      expect(mostAtOnce(runs, 'none')).toBeLessThanOrEqual(CAP);
      // B and the rows without a key, enqueued behind 18 or so of A's rows, all started while A still had rows to start.
      const aStarts = runs.filter((r) => r.key === 'A').map((r) => r.start).sort((x, y) => x - y);
      const lateStarts = runs.filter((r) => r.key !== 'A').map((r) => r.start);
      expect(Math.max(...lateStarts)).toBeLessThan(aStarts[aStarts.length - 4]!);
      // The rows without a key read back without one.
      const reader = store.adapter();
      cleanups.push(() => reader.close());
      const stored = await reader.listWorkflows({ queue: 'tenants', limit: 100 });
      expect(stored.filter((w) => w.concurrencyKey === null)).toHaveLength(4);
    },
    90_000,
  );

  it.skipIf(!kind.available)('an upgrade from schema 8: rows stored before migration 9 are claimed round-robin by the first perKey claim', async () => {
    const store = await kind.create();
    cleanups.push(() => store.drop());
    const first = store.adapter();
    await first.migrate();
    const now = Date.now();
    const row = (id: string, at: number, concurrencyKey?: string) => ({
      id, name: 'order', kind: 'workflow' as const, version: null, queue: 'q', priority: 0, args: '[]', parentId: null,
      nextAt: at, deadlineAt: null, now: at, ...(concurrencyKey === undefined ? {} : { concurrencyKey }),
    });
    await first.createWorkflows([row('A-0', now - 50, 'A'), row('A-1', now - 40, 'A'), row('none-0', now - 30), row('B-0', now - 20, 'B'), row('A-2', now - 10, 'A')]);
    await first.close();
    // Back to schema 8: what migration 9 adds, gone.
    await execRaw(store, `
      DROP INDEX {p}workflows_key_due; DROP INDEX {p}workflows_key_running; DROP TABLE {p}queue_keys; DROP TABLE {p}fair_queues;
      DELETE FROM {p}migrations WHERE version = 9;`);
    const adapter = store.adapter();
    cleanups.push(() => adapter.close());
    await adapter.migrate();
    const request = { owner: 'w', queues: ['q'], names: ['order'], leaseMs: 60_000, now, queueLimits: { q: { perKey: {} } } };
    expect((await adapter.claim({ ...request, limit: 3 })).map((c) => c.id)).toEqual(['A-0', 'none-0', 'B-0']);
    expect((await adapter.claim({ ...request, limit: 3 })).map((c) => c.id)).toEqual(['A-1', 'A-2']);
    expect((await adapter.getWorkflow('none-0'))?.concurrencyKey).toBeNull();
  });
});
