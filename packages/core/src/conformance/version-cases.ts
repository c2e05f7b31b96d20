import { describe, expect, it } from 'vitest';
import type { SuiteContext } from './context.js';

/** Version pinning, forks and worker presence: claims filtered by version, setVersion, forkWorkflow, the workers registry. */
export function describeVersionCases(ctx: SuiteContext): void {
  describe('versions', () => {
    it('a pinned claim takes its versions and unpinned rows only; an unpinned claim takes every version; nextDueAt agrees', async () => {
      const { t0 } = ctx;
      await ctx.createWorkflow({ id: 'v1-run', version: 'v1', nextAt: t0 - 3 });
      await ctx.createWorkflow({ id: 'v2-run', version: 'v2', nextAt: t0 - 2 });
      await ctx.createWorkflow({ id: 'plain', version: null, nextAt: t0 - 1 });
      expect(await ctx.adapter.nextDueAt({ queues: ['default'], names: ['order'], versions: ['v2'], now: t0 })).toBe(t0 - 2);
      expect(await ctx.adapter.nextDueAt({ queues: ['default'], names: ['order'], versions: ['v9'], now: t0 })).toBe(t0 - 1);
      const pinned = await ctx.adapter.claim(ctx.claimRequest({ versions: ['v2'] }));
      expect(pinned.map((c) => c.id).sort()).toEqual(['plain', 'v2-run']);
      expect(await ctx.adapter.nextDueAt({ queues: ['default'], names: ['order'], versions: ['v2'], now: t0 })).not.toBe(t0 - 3);
      expect(await ctx.adapter.claim(ctx.claimRequest({ versions: ['v2', 'v3'], owner: 'worker-b' }))).toEqual([]);
      expect((await ctx.adapter.claim(ctx.claimRequest({ owner: 'worker-c' }))).map((c) => c.id)).toEqual(['v1-run']);
    });

    it('setVersion moves unfinished rows still at the expected version, with an event, and nothing else', async () => {
      const { t0 } = ctx;
      await ctx.createWorkflow({ id: 'a', version: 'v1' });
      await ctx.createWorkflow({ id: 'b', version: 'v2' });
      const { lease } = await ctx.start({ id: 'c', version: 'v1' });
      await ctx.adapter.complete(lease, '1', t0);
      expect(await ctx.adapter.setVersion({ ids: ['a', 'b', 'c', 'missing', 'a'], from: 'v1', to: 'v3', now: t0 + 1 })).toEqual(['a']);
      expect((await ctx.record('a')).version).toBe('v3');
      expect((await ctx.record('b')).version).toBe('v2');
      expect((await ctx.record('c')).version).toBe('v1');
      const event = (await ctx.adapter.history('a')).at(-1)!;
      expect(event).toMatchObject({ type: 'version_changed', data: { from: 'v1', to: 'v3' }, at: t0 + 1 });
      await ctx.createWorkflow({ id: 'plain', version: null });
      expect(await ctx.adapter.setVersion({ ids: ['plain'], from: null, to: 'v3', now: t0 })).toEqual(['plain']);
    });

    it('unfinishedVersions counts unfinished rows by queue and version', async () => {
      await ctx.createWorkflow({ version: 'v1' });
      await ctx.createWorkflow({ version: 'v1' });
      await ctx.createWorkflow({ version: null, queue: 'q2' });
      const { lease } = await ctx.start({ version: 'v1' });
      await ctx.adapter.complete(lease, '1', ctx.t0);
      const rows = (await ctx.adapter.unfinishedVersions()).sort((a, b) => a.queue.localeCompare(b.queue));
      expect(rows).toEqual([
        { queue: 'default', version: 'v1', count: 2 },
        { queue: 'q2', version: null, count: 1 },
      ]);
    });

    it('forkWorkflow copies the checkpoints before fromStep into a new pending workflow and logs both sides', async () => {
      const { t0 } = ctx;
      const { lease } = await ctx.start({ id: 'src', version: 'v1', args: '["a",1]', priority: 3, concurrencyKey: 'tenant-3' });
      for (let seq = 0; seq < 3; seq++) {
        await ctx.adapter.recordStep(lease, { seq, name: `step-${seq}`, kind: 'task', output: `${seq}`, error: null, attempts: 1, fingerprint: `h:${seq}` }, t0 + seq);
      }
      const forked = await ctx.adapter.forkWorkflow({ sourceId: 'src', id: 'copy', fromStep: 2, version: 'v2', deadlineAt: null, now: t0 + 10 });
      expect(forked?.created).toBe(true);
      expect(forked!.record).toMatchObject({ id: 'copy', name: 'order', status: 'pending', version: 'v2', args: '["a",1]', priority: 3, parentId: null, nextAt: t0 + 10, attempts: 0, startedAt: t0 + 10, concurrencyKey: 'tenant-3' });
      const steps = await ctx.adapter.listSteps('copy');
      expect(steps.map((s) => [s.seq, s.name, s.output, s.fingerprint, s.createdAt])).toEqual([
        [0, 'step-0', '0', 'h:0', t0],
        [1, 'step-1', '1', 'h:1', t0 + 1],
      ]);
      expect((await ctx.adapter.history('copy'))[0]).toMatchObject({ type: 'created', data: { forkedFrom: 'src', fromStep: 2 } });
      expect((await ctx.adapter.history('src')).at(-1)).toMatchObject({ type: 'forked', seq: 2, data: { to: 'copy' } });
      expect((await ctx.adapter.listSteps('src')).length).toBe(3);
      // Idempotent by id; an unknown source is undefined.
      const again = await ctx.adapter.forkWorkflow({ sourceId: 'src', id: 'copy', fromStep: 0, version: null, deadlineAt: null, now: t0 + 20 });
      expect(again).toMatchObject({ created: false, record: { id: 'copy', version: 'v2' } });
      expect(await ctx.adapter.forkWorkflow({ sourceId: 'nope', id: 'copy-2', fromStep: 0, version: null, deadlineAt: null, now: t0 })).toBeUndefined();
      expect(await ctx.adapter.getWorkflow('copy-2')).toBeUndefined();
      // The fork is claimable like any new workflow, and its execution replays the copied checkpoints.
      const [claimed] = await ctx.adapter.claim(ctx.claimRequest({ queues: ['queue-of-src'], now: t0 + 10 }));
      expect(claimed?.id).toBe('copy');
      const state = claimed!.state ?? (await ctx.adapter.loadExecution({ workflowId: 'copy', owner: 'worker-a', epoch: claimed!.epoch }));
      expect(state.steps.map((s) => s.seq)).toEqual([0, 1]);
    });

    it('keeps live workers, refreshes their presence and lets expired ones go', async () => {
      const { t0 } = ctx;
      await ctx.adapter.announceWorker({ id: 'w1', versions: ['v1'], queues: ['default'], seenAt: t0, expiresAt: t0 + 100 });
      await ctx.adapter.announceWorker({ id: 'w2', versions: null, queues: ['default', 'emails'], seenAt: t0, expiresAt: t0 + 1_000 });
      expect((await ctx.adapter.listWorkers(t0)).map((w) => w.id).sort()).toEqual(['w1', 'w2']);
      expect(await ctx.adapter.listWorkers(t0 + 101)).toEqual([{ id: 'w2', versions: null, queues: ['default', 'emails'], seenAt: t0, expiresAt: t0 + 1_000 }]);
      await ctx.adapter.announceWorker({ id: 'w1', versions: ['v1', 'v2'], queues: ['default'], seenAt: t0 + 200, expiresAt: t0 + 300 });
      expect((await ctx.adapter.listWorkers(t0 + 250)).find((w) => w.id === 'w1')).toEqual({ id: 'w1', versions: ['v1', 'v2'], queues: ['default'], seenAt: t0 + 200, expiresAt: t0 + 300 });
      await ctx.adapter.withdrawWorker('w2');
      expect((await ctx.adapter.listWorkers(t0)).map((w) => w.id)).toEqual(['w1']);
    });
  });
}
