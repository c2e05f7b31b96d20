// Pinned workers as real processes (test/fixtures/version-worker.mjs), on SQLite and on PostgreSQL: a worker
// of release v1 and one of v2 share a database; each claims only the runs of its version. With v1's worker
// SIGKILLed, its runs show as stranded by version in stats(), `steadfast stats`, the management API the
// dashboard reads, and the Prometheus gauge; `steadfast migrate-version` refuses a run that v2's code would
// not replay (naming the divergence) and moves one it would, which v2's worker then finishes.
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import express from 'express';
import { afterEach, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { WorkflowClient, type StorageAdapter } from '@steadfast/core';
import { main } from '@steadfast/cli';
import { steadfastRouter } from '@steadfast/express';
import { PostgresAdapter } from '@steadfast/postgres-adapter';
import { SqliteAdapter } from '@steadfast/sqlite-adapter';
import { spawnWorkerProcess, waitForWorkers, type WorkerProcess } from './support/worker-processes.js';
import { createTestSchema, PG_URL, requirePostgres } from './support/postgres.js';
// @ts-expect-error: a plain JavaScript fixture, without types
import { workflows as v1 } from './fixtures/version-builds/v1.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const WORKER = join(ROOT, 'test', 'fixtures', 'version-worker.mjs');
const BUILD = (release: string) => join(ROOT, 'test', 'fixtures', 'version-builds', `${release}.mjs`);
const order = v1[0] as (kind: string) => Promise<unknown>;

interface Target {
  name: string;
  /** Environment for the worker processes, a storage factory for the test, and the CLI's database arguments. */
  open(): Promise<{ env: Record<string, string>; storage: () => StorageAdapter; cli: string[]; drop(): Promise<void> }>;
}

const targets: Target[] = [
  {
    name: 'SQLite',
    async open() {
      const dir = mkdtempSync(join(tmpdir(), 'steadfast-versions-'));
      const file = join(dir, 'versions.db');
      return { env: { STORAGE: file }, storage: () => new SqliteAdapter({ filename: file }), cli: ['--database', `sqlite:${file}`], drop: async () => rmSync(dir, { recursive: true, force: true }) };
    },
  },
];
if (await requirePostgres()) {
  targets.push({
    name: 'PostgreSQL',
    async open() {
      const schema = await createTestSchema('sf_versions');
      return {
        env: { STORAGE: 'postgres', PG_URL, PG_SCHEMA: schema.schema },
        storage: () => new PostgresAdapter({ connection: PG_URL, schema: schema.schema, pool: { max: 3 } }),
        cli: ['--database', PG_URL, '--schema', schema.schema],
        drop: () => schema.drop(),
      };
    },
  });
}

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => {});
}, 30_000);

async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main(args, { stdout: { write: (s: string) => (stdout += s) }, stderr: { write: (s: string) => (stderr += s) }, env: {} });
  return { code, stdout, stderr };
}

for (const target of targets) {
  describe(`pinned workers on ${target.name}`, () => {
    it('each worker runs only its version; a dead version is stranded and visible; migrate-version moves a verified run, refuses another', async () => {
      const db = await target.open();
      cleanups.push(db.drop);
      const workers: WorkerProcess[] = [];
      const spawn = (release: string) => {
        const worker = spawnWorkerProcess(WORKER, [], ROOT, { ...db.env, VERSION: release, BUILD: BUILD(release), WORKER_ID: `worker-${release}` });
        workers.push(worker);
        cleanups.push(async () => {
          if (worker.child.exitCode === null && worker.child.signalCode === null) worker.child.kill('SIGKILL');
          await worker.exited;
        });
        return worker;
      };
      const until = (what: string, check: () => boolean | Promise<boolean>) => waitForWorkers(workers.filter((w) => w.child.signalCode === null), what, check, 20_000);
      const clientOf = (version: string) => {
        const client = new WorkflowClient({ storage: db.storage(), version, logger: pino({ level: 'silent' }) });
        cleanups.push(() => client.close());
        return client;
      };
      const [workerV1, workerV2] = [spawn('v1'), spawn('v2')];
      await until('both workers to start', () => [workerV1, workerV2].every((w) => w.messages.some((m) => m.type === 'ready')));

      // Runs started by each release are pinned to it, and only its worker claims them.
      const [client1, client2] = [clientOf('v1'), clientOf('v2')];
      await client1.startWorkflow(order, ['plain'], { id: 'v1-plain' });
      await client1.startWorkflow(order, ['special'], { id: 'v1-special' });
      await client2.startWorkflow(order, ['plain'], { id: 'v2-plain' });
      const waiting = async (id: string) => (await (await client1.getWorkflow(id)).status()) === 'sleeping';
      await until('every run to wait for its signal', async () => (await Promise.all(['v1-plain', 'v1-special', 'v2-plain'].map(waiting))).every(Boolean));
      const claimedBy = async (id: string) => (await (await client1.getWorkflow(id)).history()).filter((e) => e.type === 'claimed' || e.type === 'woke').map((e) => (e.data as { owner: string }).owner);
      expect(await claimedBy('v1-plain')).toEqual(['worker-v1']);
      expect(await claimedBy('v1-special')).toEqual(['worker-v1']);
      expect(await claimedBy('v2-plain')).toEqual(['worker-v2']);
      expect((await client1.stats()).stranded).toEqual([]);

      // v1's worker dies: its runs wait for a worker that is not there, and say so everywhere.
      workerV1.child.kill('SIGKILL');
      await workerV1.exited;
      const stranded = [{ queue: 'default', version: 'v1', count: 2 }];
      await until('the v1 runs to show as stranded', async () => (await client1.stats()).stranded.length > 0);
      const stats = await client1.stats();
      expect(stats.stranded).toEqual(stranded);
      expect(stats.workers.map((w) => [w.id, w.versions])).toEqual([['worker-v2', ['v2']]]);
      const cliStats = await cli(['stats', '--json', ...db.cli]);
      expect(cliStats.code, cliStats.stderr).toBe(0);
      expect(JSON.parse(cliStats.stdout).stranded).toEqual(stranded);
      const app = express().use('/steadfast', steadfastRouter(client1, { authorize: () => true, requireStarted: false }));
      const server = app.listen(0, '127.0.0.1');
      cleanups.push(() => new Promise((resolve) => server.close(resolve)));
      await new Promise((resolve) => server.once('listening', resolve));
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/steadfast`;
      expect(((await (await fetch(`${base}/api/stats`)).json()) as { stranded: unknown }).stranded).toEqual(stranded);
      expect(await (await fetch(`${base}/metrics`)).text()).toMatch(/^steadfast_workflows_stranded_by_version\{queue="default",version="v1"\} 2$/m);

      for (const id of ['v1-plain', 'v1-special', 'v2-plain']) await client1.signal(id, 'go');
      expect(await (await client1.getWorkflow('v2-plain')).result()).toEqual({ accepted: 'accepted plain', shipped: 'shipped plain by v2' });

      // v2's code would not replay the special run (its special step is gone, unguarded): refused, named.
      const refused = await cli(['migrate-version', 'v1-special', '--to', 'v2', '--module', BUILD('v2'), ...db.cli]);
      expect(refused.code).toBe(4);
      expect(refused.stderr).toMatch(/v1-special: step 1 was recorded as task order\.special( with arguments \[\])?, but the code now calls signal go/);
      expect((await (await client1.getWorkflow('v1-special')).info()).version).toBe('v1');

      // The plain run replays on v2 (its new step is behind patched()): moved, and v2's worker finishes it.
      const moved = await cli(['migrate-version', 'v1-plain', '--to', 'v2', '--module', BUILD('v2'), '--json', ...db.cli]);
      expect(moved.code, moved.stderr).toBe(0);
      expect(JSON.parse(moved.stdout)).toMatchObject({ to: 'v2', moved: ['v1-plain'] });
      expect(await (await client1.getWorkflow('v1-plain')).result()).toEqual({ accepted: 'accepted plain', shipped: 'shipped plain by v2' });
      expect(await claimedBy('v1-plain')).toEqual(['worker-v1', 'worker-v2']);
      // v2 replayed the accept step (its body ran once, on v1's worker) and ran the rest: audit, then ship.
      const ran = (worker: WorkerProcess, id: string) => worker.messages.filter((m) => m.type === 'ran' && m.workflowId === id).map((m) => m.step);
      expect(ran(workerV1, 'v1-plain')).toEqual(['accept']);
      expect(ran(workerV2, 'v1-plain')).toEqual(['audit', 'ship']);
      expect((await client1.stats()).stranded).toEqual([{ queue: 'default', version: 'v1', count: 1 }]);
    }, 90_000);
  });
}
