import { describe, expect, it } from 'vitest';
import { expectLeaseLost, type SuiteContext } from './context.js';

const ERROR = JSON.stringify({ $error: { name: 'TypeError', message: 'x is not a function' } });

/** suspend, release, complete, fail, cancelWorkflow. */
export function describeTransitionCases(ctx: SuiteContext): void {
  describe('suspend', () => {
    it('parks the workflow as sleeping until wakeAt and clears the lease', async () => {
      const { t0 } = ctx;
      const { lease } = await ctx.start({ queue: 'default' });
      await ctx.adapter.suspend(lease, t0 + 60_000, t0 + 100);
      const record = (await ctx.adapter.getWorkflow(lease.workflowId))!;
      expect(record).toMatchObject({ status: 'sleeping', nextAt: t0 + 60_000, leaseOwner: null, finishedAt: null });
      expect((await ctx.eventTypes(lease.workflowId)).at(-1)).toBe('sleeping');
      expect(await ctx.adapter.claim(ctx.claimRequest({ owner: 'worker-b', now: t0 + 59_999 }))).toEqual([]);
      expect(await ctx.adapter.nextDueAt({ queues: ['default'], names: ['order'], now: t0 + 100 })).toBe(t0 + 60_000);
    });

    it('with wakeAt = now leaves the workflow claimable at once', async () => {
      const { t0 } = ctx;
      const { lease } = await ctx.start({ queue: 'default' });
      await ctx.adapter.suspend(lease, t0 + 100, t0 + 100);
      const claimed = await ctx.adapter.claim(ctx.claimRequest({ owner: 'worker-b', now: t0 + 100 }));
      expect(claimed.map((c) => [c.id, c.epoch])).toEqual([[lease.workflowId, lease.epoch + 1]]);
    });
  });

  describe('release', () => {
    it('makes the workflow pending and due now, so another worker claims it at once', async () => {
      const { t0 } = ctx;
      const { lease } = await ctx.start({ queue: 'default' });
      await ctx.adapter.release(lease, t0 + 100);
      const record = (await ctx.adapter.getWorkflow(lease.workflowId))!;
      expect(record).toMatchObject({ status: 'pending', leaseOwner: null });
      ctx.expectTime(record.nextAt, t0 + 100);
      expect((await ctx.eventTypes(lease.workflowId)).at(-1)).toBe('released');
      const claimed = await ctx.adapter.claim(ctx.claimRequest({ owner: 'worker-b', now: Math.max(t0 + 100, record.nextAt!) }));
      ctx.expectClaimed(claimed, [{ id: lease.workflowId, name: 'order', kind: 'workflow', queue: 'default', epoch: 2, attempts: 2, recoveryAttempts: 0, dueAt: record.nextAt! }]);
      expect((await ctx.eventTypes(lease.workflowId)).at(-1)).toBe('claimed');
    });
  });

  describe('complete', () => {
    it('marks the workflow completed with its output and no next time', async () => {
      const { t0 } = ctx;
      const { lease } = await ctx.start();
      await ctx.adapter.complete(lease, '{"total":42}', t0 + 200);
      const record = (await ctx.adapter.getWorkflow(lease.workflowId))!;
      expect(record).toMatchObject({ status: 'completed', output: '{"total":42}', error: null, nextAt: null });
      ctx.expectTime(record.finishedAt, t0 + 200);
      expect(await ctx.eventTypes(lease.workflowId)).toEqual(['created', 'claimed', 'completed']);
    });

    it('with its last step writes that checkpoint in the same transaction, its event before completed', async () => {
      const { t0 } = ctx;
      const { lease } = await ctx.start();
      const step = { seq: 0, name: 'send', kind: 'task' as const, output: '"sent"', error: null, attempts: 2, fingerprint: 'abcd:[1]' };
      await ctx.adapter.complete(lease, '"sent"', t0 + 200, step);
      expect((await ctx.adapter.getWorkflow(lease.workflowId))!).toMatchObject({ status: 'completed', output: '"sent"' });
      const history = await ctx.adapter.history(lease.workflowId);
      expect(history.map((e) => [e.type, e.seq])).toEqual([['created', null], ['claimed', null], ['step_completed', 0], ['completed', null]]);
      expect(history[2]!.data).toEqual({ name: 'send', kind: 'task', attempts: 2 });
      const [row] = (await ctx.adapter.loadExecution(lease)).steps;
      expect(row).toMatchObject({ seq: 0, name: 'send', kind: 'task', output: '"sent"', error: null, attempts: 2, fingerprint: 'abcd:[1]' });
    });

    it('with its last step under a lost lease writes neither', async () => {
      const { t0 } = ctx;
      const { lease } = await ctx.start();
      await ctx.adapter.release(lease, t0 + 1);
      const step = { seq: 0, name: 'send', kind: 'task' as const, output: '1', error: null, attempts: 1, fingerprint: null };
      await expectLeaseLost(ctx.adapter.complete(lease, '1', t0 + 2, step), lease.workflowId);
      expect((await ctx.adapter.loadExecution(lease)).steps).toEqual([]);
      expect(await ctx.eventTypes(lease.workflowId)).toEqual(['created', 'claimed', 'released']);
    });

    it('of several workflows at once fences each on its own', async () => {
      const { t0 } = ctx;
      const held = await Promise.all([ctx.start(), ctx.start(), ctx.start()]);
      await ctx.adapter.release(held[1]!.lease, t0 + 1);
      const outcomes = await Promise.allSettled(held.map(({ lease }, i) => ctx.adapter.complete(lease, String(i), t0 + 2)));
      expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
      const statuses = await Promise.all(held.map(async ({ lease }) => (await ctx.adapter.getWorkflow(lease.workflowId))!.status));
      expect(statuses).toEqual(['completed', 'pending', 'completed']);
    });
  });

  describe('fail', () => {
    it('with its last step writes the failed checkpoint, its event before failed', async () => {
      const { t0 } = ctx;
      const { lease } = await ctx.start();
      const step = { seq: 0, name: 'send', kind: 'task' as const, output: null, error: ERROR, attempts: 3, fingerprint: null };
      await ctx.adapter.fail(lease, ERROR, 0, t0 + 200, step);
      const history = await ctx.adapter.history(lease.workflowId);
      expect(history.map((e) => [e.type, e.seq])).toEqual([['created', null], ['claimed', null], ['step_failed', 0], ['failed', 0]]);
      expect((await ctx.adapter.loadExecution(lease)).steps.map((s) => [s.seq, s.error, s.attempts])).toEqual([[0, ERROR, 3]]);
    });

    it('marks the workflow failed with its error and a failed event about failedSeq', async () => {
      const { t0 } = ctx;
      const { lease } = await ctx.start();
      await ctx.adapter.recordStep(lease, { seq: 0, name: 'a', kind: 'task', output: '1', error: null, attempts: 1, fingerprint: null }, t0);
      await ctx.adapter.recordStep(lease, { seq: 1, name: 'b', kind: 'task', output: null, error: ERROR, attempts: 3, fingerprint: null }, t0);
      await ctx.adapter.fail(lease, ERROR, 1, t0 + 300);
      const record = (await ctx.adapter.getWorkflow(lease.workflowId))!;
      expect(record).toMatchObject({ status: 'failed', error: ERROR, output: null, nextAt: null });
      ctx.expectTime(record.finishedAt, t0 + 300);
      const failed = (await ctx.adapter.history(lease.workflowId)).at(-1)!;
      expect([failed.type, failed.seq]).toEqual(['failed', 1]);
      expect(failed.data?.error).toEqual(JSON.parse(ERROR));
    });

    it('without a failed step writes a failed event with no seq', async () => {
      const { lease } = await ctx.start();
      await ctx.adapter.fail(lease, ERROR, null, ctx.t0);
      const failed = (await ctx.adapter.history(lease.workflowId)).at(-1)!;
      expect([failed.type, failed.seq]).toEqual(['failed', null]);
    });
  });

  describe('cancelWorkflow', () => {
    it('cancels a pending workflow, which is then never claimed', async () => {
      const { t0 } = ctx;
      const created = await ctx.createWorkflow();
      const cancelled = await ctx.adapter.cancelWorkflow(created.id, t0 + 50);
      expect(cancelled).toMatchObject({ id: created.id, status: 'cancelled', nextAt: null });
      ctx.expectTime(cancelled!.finishedAt, t0 + 50);
      expect(await ctx.adapter.getWorkflow(created.id)).toEqual(cancelled);
      expect(await ctx.eventTypes(created.id)).toEqual(['created', 'cancelled']);
      expect(await ctx.adapter.claim(ctx.claimRequest({ now: t0 + 60_000 }))).toEqual([]);
    });

    it('cancels a running workflow and moves its epoch on, so the old lease is fenced out', async () => {
      const { lease } = await ctx.start();
      const cancelled = await ctx.adapter.cancelWorkflow(lease.workflowId, ctx.t0 + 50);
      expect(cancelled).toMatchObject({ status: 'cancelled', nextAt: null });
      expect(cancelled!.leaseEpoch).toBeGreaterThan(lease.epoch);
      await expectLeaseLost(ctx.adapter.complete(lease, '1', ctx.t0 + 60), lease.workflowId);
      expect(await ctx.adapter.renewLeases([lease], 30_000, ctx.t0 + 60)).toEqual([lease.workflowId]);
      expect(await ctx.adapter.getWorkflow(lease.workflowId)).toEqual(cancelled);
    });

    it('cancels a sleeping workflow', async () => {
      const { lease } = await ctx.start({ queue: 'default' });
      await ctx.adapter.suspend(lease, ctx.t0 + 1_000, ctx.t0);
      expect(await ctx.adapter.cancelWorkflow(lease.workflowId, ctx.t0 + 50)).toMatchObject({ status: 'cancelled', nextAt: null });
      expect(await ctx.adapter.claim(ctx.claimRequest({ now: ctx.t0 + 2_000 }))).toEqual([]);
    });

    it('returns a finished workflow unchanged, without an event', async () => {
      const completed = await ctx.start();
      await ctx.adapter.complete(completed.lease, '"ok"', ctx.t0);
      const failed = await ctx.start();
      await ctx.adapter.fail(failed.lease, ERROR, null, ctx.t0);
      const cancelled = await ctx.createWorkflow();
      await ctx.adapter.cancelWorkflow(cancelled.id, ctx.t0);
      for (const id of [completed.lease.workflowId, failed.lease.workflowId, cancelled.id]) {
        const before = { record: await ctx.adapter.getWorkflow(id), history: await ctx.adapter.history(id) };
        expect(await ctx.adapter.cancelWorkflow(id, ctx.t0 + 1_000)).toEqual(before.record);
        expect(await ctx.adapter.getWorkflow(id)).toEqual(before.record);
        expect(await ctx.adapter.history(id)).toEqual(before.history);
      }
    });

    it('returns undefined for an unknown id', async () => {
      expect(await ctx.adapter.cancelWorkflow('unknown', ctx.t0)).toBeUndefined();
      expect(await ctx.adapter.getWorkflow('unknown')).toBeUndefined();
    });
  });
}
