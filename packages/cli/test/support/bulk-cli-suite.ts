/** `cancel` and `retry` with filter options (bulk), run against every storage backend like the command suite. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Backend, TestDatabase } from './cli-suite.js';
import { runCli } from './run-cli.js';
import { seed, SEEDS } from './seed.js';

export function describeBulkCommands(backend: Backend): void {
  describe(`bulk cancel and retry on ${backend.name}`, () => {
    let db: TestDatabase;
    const cli = (...args: string[]) => runCli([...args, ...db.args]);
    const statuses = async () => Object.fromEntries((await cli('list', '--json')).json<Array<{ id: string; status: string }>>().map((w) => [w.id, w.status]));
    beforeEach(async () => {
      db = await backend.create();
    });
    afterEach(async () => {
      await db.drop();
    });

    it('cancel with filters counts the matches without --yes, cancels them with it', async () => {
      await seed(db.storage(), [SEEDS.tenant('t-a1', 'tenant-a'), SEEDS.tenant('t-a2', 'tenant-a'), SEEDS.tenant('t-b1', 'tenant-b'), SEEDS.completed()]);
      const dry = await cli('cancel', '--concurrency-key', 'tenant-a', '--status', 'sleeping,pending');
      expect(dry.stderr).toBe('');
      expect(dry.code).toBe(0);
      expect(dry.stdout).toBe('2 workflows match; nothing was cancelled (run it again with --yes to cancel them)\n');
      expect((await cli('cancel', '--concurrency-key', 'tenant-a', '--json')).json()).toEqual({ dryRun: true, matched: 2 });
      expect(await statuses()).toEqual({ 't-a1': 'sleeping', 't-a2': 'sleeping', 't-b1': 'sleeping', 'wf-completed': 'completed' });

      const done = await cli('cancel', '--concurrency-key', 'tenant-a', '--yes', '--json');
      expect(done.code).toBe(0);
      expect(done.json()).toEqual({ dryRun: false, cancelled: 2 });
      expect(await statuses()).toEqual({ 't-a1': 'cancelled', 't-a2': 'cancelled', 't-b1': 'sleeping', 'wf-completed': 'completed' });
      expect((await cli('cancel', '--name', 'nap', '--created-before', '0s', '--yes')).stdout).toBe('cancelled 1 workflow\n');
      expect((await cli('cancel', '--name', 'nap')).stdout).toBe('no workflows match\n');
    });

    it('retry with filters retries the failed workflows that match', async () => {
      await seed(db.storage(), [SEEDS.failed('f-1'), SEEDS.failed('f-2'), SEEDS.completed()]);
      expect((await cli('retry', '--name', 'checkout', '--json')).json()).toEqual({ dryRun: true, matched: 2 });
      expect((await cli('retry', '--name', 'checkout', '--created-before', '2099-01-01T00:00:00Z', '--yes')).stdout).toBe('retried 2 workflows\n');
      expect(await statuses()).toMatchObject({ 'f-1': 'pending', 'f-2': 'pending' });
    });

    it('refuses bad filters and an id with filters as usage errors (2), before touching anything', async () => {
      await seed(db.storage(), [SEEDS.tenant('t-a1', 'tenant-a')]);
      const both = await cli('cancel', 't-a1', '--name', 'nap', '--yes');
      expect(both.code).toBe(2);
      expect(both.stderr).toContain('give a workflow id or filter options');
      expect((await cli('cancel')).stderr).toContain('give the id of the workflow to cancel, or filter options');
      expect((await cli('cancel', 't-a1', '--yes')).code).toBe(2);
      const status = await cli('cancel', '--status', 'completed');
      expect(status.code).toBe(2);
      expect(status.stderr).toContain('Unknown status "completed"; expected pending, running, sleeping');
      const time = await cli('cancel', '--created-before', 'yesterday-ish');
      expect(time.code).toBe(2);
      expect(time.stderr).toContain('--created-before');
      expect((await cli('retry', '--status', 'failed')).code).toBe(2); // retry acts on failed workflows only: no --status
      expect(await statuses()).toEqual({ 't-a1': 'sleeping' });
    });
  });
}
