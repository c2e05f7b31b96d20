/**
 * The version commands on both backends: `verify` (exit codes, --json) against changed builds, `replay`,
 * `fork`, `migrate-version`, and stranded runs in `stats`. Histories are recorded by a real runtime
 * running the `v1` build; the changed builds' task bodies throw, so a replay that ran one would show.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { Runtime, type StorageAdapter } from '@steadfast/core';
import { PostgresAdapter } from '@steadfast/postgres-adapter';
import { SqliteAdapter } from '@steadfast/sqlite-adapter';
import { createTestSchema, PG_URL, requirePostgres } from '../../../test/support/postgres.js';
import type { Backend, TestDatabase } from './support/cli-suite.js';
import { runCli } from './support/run-cli.js';
// @ts-expect-error: a plain JavaScript fixture, without types
import { ran } from './fixtures/orders-code.mjs';
// @ts-expect-error: a plain JavaScript fixture, without types
import { workflows as v1 } from './fixtures/orders-v1.mjs';

const FIXTURES = join(import.meta.dirname, 'fixtures');
const build = (name: string) => join(FIXTURES, `orders-${name}.mjs`);

const sqlite: Backend = {
  name: 'SQLite',
  async create(): Promise<TestDatabase> {
    const dir = mkdtempSync(join(tmpdir(), 'steadfast-cli-versions-'));
    const file = join(dir, 'steadfast.db');
    return { args: ['--database', `sqlite:${file}`], storage: () => new SqliteAdapter({ filename: file }), drop: async () => rmSync(dir, { recursive: true, force: true }) };
  },
};
const postgres: Backend = {
  name: 'PostgreSQL',
  async create(): Promise<TestDatabase> {
    const schema = await createTestSchema('sf_cli_versions');
    return {
      args: ['--database', PG_URL, '--schema', schema.schema],
      storage: () => new PostgresAdapter({ connection: PG_URL, schema: schema.schema, pool: { max: 3 } }),
      drop: () => schema.drop(),
    };
  },
};
const backends = (await requirePostgres()) ? [sqlite, postgres] : [sqlite];

/** Runs two orders on the v1 build (pinned to `version`, if given) until they sleep after their charge, then stops. */
async function record(storage: StorageAdapter, version?: string): Promise<void> {
  const runtime = new Runtime({ storage, logger: pino({ level: 'silent' }), pollIntervalMs: 20, ...(version ? { version } : {}) });
  runtime.register(...v1);
  try {
    await runtime.start();
    const handles = [await runtime.startWorkflow(v1[0], ['o-1'], { id: 'o-1' }), await runtime.startWorkflow(v1[0], ['o-2'], { id: 'o-2' })];
    const deadline = Date.now() + 10_000;
    while ((await Promise.all(handles.map((h) => h.status()))).some((s) => s !== 'sleeping')) {
      if (Date.now() > deadline) throw new Error('the recorded runs did not reach their sleep');
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  } finally {
    await runtime.shutdown({ timeout: 2_000 });
  }
}

for (const backend of backends) {
  describe(`version commands on ${backend.name}`, () => {
    let db: TestDatabase;
    const cli = (...args: string[]) => runCli([...args, ...db.args]);
    beforeEach(async () => {
      db = await backend.create();
    });
    afterEach(() => db.drop());

    it('verify passes the same build and a patched() change (0), and names the divergence of reordered, changed and removed steps (5)', async () => {
      await record(db.storage());
      for (const ok of ['v1', 'patched', 'register']) {
        const run = await cli('verify', '--module', build(ok), '--json');
        expect(run.code, `${ok}: ${run.stderr}`).toBe(0);
        expect(run.json()).toMatchObject({ ok: true, checked: 2, diverged: 0 });
      }
      const expectations: Record<string, object> = {
        reordered: { reason: 'different-step', position: 0, recorded: { kind: 'task', name: 'reserve', arguments: '["sku-1"]' }, now: { name: 'charge' } },
        'changed-argument': { reason: 'changed-arguments', position: 1, recorded: { name: 'charge', arguments: '["o-2",4200]' }, now: { name: 'charge', arguments: '["o-2",9900]' } },
        'removed-step': { reason: 'different-step', position: 1, recorded: { name: 'charge' }, now: { kind: 'sleep', name: 'sleep' } },
      };
      for (const [variant, divergence] of Object.entries(expectations)) {
        // --sample 1: the newest unfinished run, o-2.
        const run = await cli('verify', '--module', build(variant), '--json', '--sample', '1');
        expect(run.code, `${variant}: ${run.stderr}`).toBe(5);
        expect(run.stderr).toContain(`error: 1 of 1 run(s) would not replay on ${build(variant)}`);
        const report = run.json();
        expect(report).toMatchObject({ ok: false, checked: 1, diverged: 1 });
        expect(report.results[0].divergence).toMatchObject(divergence);
      }
      const text = await cli('verify', '--module', build('reordered'), '--name', 'orders.checkout');
      expect(text.code).toBe(5);
      expect(text.stdout).toMatch(/^DIVERGED {2}o-\d \(orders\.checkout\): step 0 was recorded as task reserve with arguments \["sku-1"\], but the code now calls task charge/m);
      expect(text.stdout).toMatch(/^2 run\(s\) checked, 2 diverged$/m);
    });

    it('verify refuses a bad module or option before reading anything (2)', async () => {
      await record(db.storage());
      const missing = await cli('verify', '--module', join(FIXTURES, 'nope.mjs'));
      expect(missing.code).toBe(2);
      expect(missing.stderr).toMatch(/--module .*nope\.mjs: no such file/);
      const empty = await cli('verify', '--module', join(FIXTURES, 'not-a-build.mjs'));
      expect(empty.code).toBe(2);
      expect(empty.stderr).toContain('exports neither workflows');
      expect((await cli('verify', '--module', build('v1'), '--sample', '0')).code).toBe(2);
      expect((await cli('verify', '--module', build('v1'), '--since', 'soon')).code).toBe(2);
      expect((await cli('verify')).code).toBe(2);
    });

    it('replay prints each recorded step and where the history ends; --json has them too', async () => {
      await record(db.storage());
      const run = await cli('replay', 'o-1', '--module', build('v1'));
      expect(run.code, run.stderr).toBe(0);
      expect(run.stdout).toMatch(/^#0 {2}task reserve {2}→ r-sku-1$/m);
      expect(run.stdout).toMatch(/^#1 {2}task charge {2}→ c-o-1-4200$/m);
      expect(run.stdout).toMatch(/^#2 {2}sleep sleep {2}→ \d+$/m);
      expect(run.stdout).toMatch(/^ok {8}o-1 \(orders\.checkout\): 3\/3 steps replayed; waits where the recorded run waits$/m);
      const json = await cli('replay', 'o-1', '--module', build('v1'), '--json');
      expect(json.json()).toMatchObject({ ok: true, end: 'waiting', steps: [{ position: 0, name: 'reserve' }, { position: 1, name: 'charge' }, { position: 2, kind: 'sleep' }] });
      const diverged = await cli('replay', 'o-1', '--module', build('reordered'));
      expect(diverged.code).toBe(5);
      expect((await cli('replay', 'missing', '--module', build('v1'))).code).toBe(3);
    });

    it('fork re-runs from step n on a new run, reusing the checkpoints before it', async () => {
      await record(db.storage());
      const before = { ...ran };
      const run = await cli('fork', 'o-1', '--from-step', '1', '--id', 'o-1-again', '--json');
      expect(run.code, run.stderr).toBe(0);
      expect(run.json()).toMatchObject({ id: 'o-1-again', forkedFrom: 'o-1', fromStep: 1, status: 'pending' });
      const storage = db.storage();
      const runtime = new Runtime({ storage, logger: pino({ level: 'silent' }), pollIntervalMs: 20 });
      runtime.register(...v1);
      await runtime.start();
      try {
        // Step 0 (reserve) is the source's checkpoint; charge runs again, then the new run's own sleep.
        const deadline = Date.now() + 10_000;
        while ((await runtime.getWorkflow('o-1-again').then((h) => h.status())) !== 'sleeping') {
          if (Date.now() > deadline) throw new Error('the fork did not reach its sleep');
          await new Promise((resolve) => setTimeout(resolve, 10));
        }
      } finally {
        await runtime.shutdown({ timeout: 2_000 });
      }
      expect({ reserve: ran.reserve - before.reserve, charge: ran.charge - before.charge }).toEqual({ reserve: 0, charge: 1 });
      const shown = await cli('show', 'o-1-again', '--json');
      expect(shown.json().history[0]).toMatchObject({ type: 'created', data: { forkedFrom: 'o-1', fromStep: 1 } });
      expect((await cli('fork', 'o-1', '--from-step', '9')).stderr).toContain('it has checkpoints up to step 2 only');
      expect((await cli('fork', 'o-1', '--from-step', '9')).code).toBe(4);
      expect((await cli('fork', 'o-1', '--from-step', 'one')).code).toBe(2);
      expect((await cli('fork', 'o-1', '--from-step', '0', '--id', 'o-1-again')).code).toBe(4);
      expect((await cli('fork', 'ghost', '--from-step', '0')).code).toBe(3);
    });

    it('stats shows runs stranded by version; migrate-version refuses runs that would not replay (4) and moves verified ones', async () => {
      await record(db.storage(), 'v1');
      const stats = await cli('stats', '--json');
      expect(stats.code).toBe(0);
      expect(stats.json()).toMatchObject({ stranded: [{ queue: 'default', version: 'v1', count: 2 }], workers: [] });
      expect((await cli('stats')).stdout).toContain('STRANDED BY VERSION: 2 unfinished run(s) of a version no live worker serves');

      const refused = await cli('migrate-version', '--run-version', 'v1', '--to', 'v2', '--module', build('reordered'));
      expect(refused.code).toBe(4);
      expect(refused.stderr).toMatch(/refused to move 2 run\(s\) to version v2/);
      expect(refused.stderr).toMatch(/o-1: step 0 was recorded as task reserve/);
      expect((await cli('stats', '--json')).json().stranded).toEqual([{ queue: 'default', version: 'v1', count: 2 }]);

      const moved = await cli('migrate-version', 'o-1', '--to', 'v2', '--module', build('patched'), '--json');
      expect(moved.code, moved.stderr).toBe(0);
      expect(moved.json()).toMatchObject({ to: 'v2', moved: ['o-1'], skipped: [] });
      expect((await cli('show', 'o-1', '--json')).json().workflow.version).toBe('v2');
      expect((await cli('stats', '--json')).json().stranded).toEqual([
        { queue: 'default', version: 'v1', count: 1 },
        { queue: 'default', version: 'v2', count: 1 },
      ]);
      expect((await cli('migrate-version', '--to', 'v2', '--module', build('v1'))).code).toBe(2);
      expect((await cli('migrate-version', 'o-2', '--run-version', 'v1', '--to', 'v2', '--module', build('v1'))).code).toBe(2);
      expect((await cli('migrate-version', 'o-2', '--to', 'bad\u0001', '--module', build('v1'))).code).toBe(2);
    });
  });
}
