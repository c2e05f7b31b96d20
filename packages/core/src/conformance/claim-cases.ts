import { describe, expect, it } from 'vitest';
import { LeaseLostError } from '../foundation/errors.js';
import { LONG_LEASE_MS, type SuiteContext } from './context.js';

const ids = (claimed: { id: string }[]) => claimed.map((c) => c.id).sort();

/** claim (due rows, filters, order, lease, claimed/woke/recovered) and nextDueAt. */
export function describeClaimCases(ctx: SuiteContext): void {
  describe('claim', () => {
    it('claims only rows due at now (next_at <= now)', async () => {
      const { t0 } = ctx;
      await ctx.createWorkflow({ id: 'past', nextAt: t0 - 1_000 });
      await ctx.createWorkflow({ id: 'exact', nextAt: t0 });
      await ctx.createWorkflow({ id: 'future', nextAt: t0 + 1 });
      expect(ids(await ctx.adapter.claim(ctx.claimRequest({ now: t0 })))).toEqual(['exact', 'past']);
      expect((await ctx.adapter.getWorkflow('future'))!.status).toBe('pending');
      expect(ids(await ctx.adapter.claim(ctx.claimRequest({ now: t0 + 1 })))).toEqual(['future']);
    });

    it('claims only the listed queues and names', async () => {
      await ctx.createWorkflow({ id: 'default-order', queue: 'default', name: 'order' });
      await ctx.createWorkflow({ id: 'other-order', queue: 'other', name: 'order' });
      await ctx.createWorkflow({ id: 'default-invoice', queue: 'default', name: 'invoice' });
      await ctx.createWorkflow({ id: 'other-invoice', queue: 'other', name: 'invoice' });
      expect(ids(await ctx.adapter.claim(ctx.claimRequest({ queues: ['default'], names: ['order'] })))).toEqual(['default-order']);
      expect(ids(await ctx.adapter.claim(ctx.claimRequest({ queues: ['nowhere'], names: ['order', 'invoice'] })))).toEqual([]);
      expect(ids(await ctx.adapter.claim(ctx.claimRequest({ queues: ['default', 'other'], names: ['invoice'] })))).toEqual([
        'default-invoice', 'other-invoice',
      ]);
      expect((await ctx.adapter.getWorkflow('other-order'))!.status).toBe('pending');
    });

    it('takes the highest priority first, then the earliest next_at, up to limit', async () => {
      const { t0 } = ctx;
      await ctx.createWorkflow({ id: 'p0-late', priority: 0, nextAt: t0 - 3_000 });
      await ctx.createWorkflow({ id: 'p5-late', priority: 5, nextAt: t0 - 1_000 });
      await ctx.createWorkflow({ id: 'p10', priority: 10, nextAt: t0 });
      await ctx.createWorkflow({ id: 'p5-early', priority: 5, nextAt: t0 - 2_000 });
      await ctx.createWorkflow({ id: 'p0-early', priority: 0, nextAt: t0 - 4_000 });
      await ctx.createWorkflow({ id: 'p-neg', priority: -1, nextAt: t0 - 9_000 });
      expect(ids(await ctx.adapter.claim(ctx.claimRequest({ limit: 2 })))).toEqual(['p10', 'p5-early']);
      const order: string[] = [];
      for (let i = 0; i < 4; i++) order.push(...(await ctx.adapter.claim(ctx.claimRequest({ limit: 1 }))).map((c) => c.id));
      expect(order).toEqual(['p5-late', 'p0-early', 'p0-late', 'p-neg']);
      expect(await ctx.adapter.claim(ctx.claimRequest())).toEqual([]);
    });

    it('makes the row running under a new lease and returns its small columns', async () => {
      const { t0 } = ctx;
      const created = await ctx.createWorkflow({ kind: 'job', name: 'send-email', nextAt: t0 - 500 });
      const now = t0 + 10;
      const claimed = await ctx.adapter.claim(ctx.claimRequest({ owner: 'worker-x', names: ['send-email'], leaseMs: 30_000, now }));
      ctx.expectClaimed(claimed, [{ id: created.id, name: 'send-email', kind: 'job', queue: 'default', epoch: 1, attempts: 1, recoveryAttempts: 0, dueAt: t0 - 500 }]);
      const record = (await ctx.adapter.getWorkflow(created.id))!;
      expect(record).toMatchObject({ status: 'running', leaseOwner: 'worker-x', leaseEpoch: 1, attempts: 1, recoveryAttempts: 0 });
      ctx.expectLeaseExpiry(record.nextAt, now, 30_000);
      ctx.expectTime(record.startedAt, now);
      expect(record.finishedAt).toBeNull();
      expect(await ctx.eventTypes(created.id)).toEqual(['created', 'claimed']);
    });

    it('a start with claimFor is stored running under that worker\'s lease, which it can write under and which expires', async () => {
      const { t0 } = ctx;
      const input = ctx.newWorkflow({ queue: 'local', claimFor: { owner: 'worker-a', leaseMs: ctx.shortLeaseMs } });
      const { created, record } = await ctx.adapter.createWorkflow(input);
      expect(created).toBe(true);
      expect(record).toMatchObject({ id: input.id, status: 'running', leaseOwner: 'worker-a', leaseEpoch: 1, attempts: 1, recoveryAttempts: 0 });
      ctx.expectLeaseExpiry(record.nextAt, t0, ctx.shortLeaseMs);
      ctx.expectTime(record.startedAt, t0);
      expect(await ctx.eventTypes(input.id)).toEqual(['created', 'claimed']);
      const lease = { workflowId: input.id, owner: 'worker-a', epoch: 1 };
      await ctx.adapter.recordStep(lease, { seq: 0, name: 'step', kind: 'task', output: '1', error: null, attempts: 1, fingerprint: null }, t0 + 1);
      // Nobody else claims it while the lease lives; once it expires it is recovered like any claimed workflow.
      expect(await ctx.adapter.claim(ctx.claimRequest({ queues: ['local'], owner: 'worker-b', now: t0 + 1 }))).toEqual([]);
      const now = await ctx.expireLease(t0, ctx.shortLeaseMs);
      const [recovered] = await ctx.adapter.claim(ctx.claimRequest({ queues: ['local'], owner: 'worker-b', now }));
      expect(recovered).toMatchObject({ id: input.id, epoch: 2, attempts: 2, recoveryAttempts: 1 });
      await expect(ctx.adapter.recordStep(lease, { seq: 1, name: 'step', kind: 'task', output: '2', error: null, attempts: 1, fingerprint: null }, now)).rejects.toThrow(LeaseLostError);
    });

    it('a start with claimFor of an id that exists returns it unchanged, not claimed', async () => {
      const existing = await ctx.createWorkflow({ queue: 'local' });
      const { created, record } = await ctx.adapter.createWorkflow(ctx.newWorkflow({ id: existing.id, queue: 'local', claimFor: { owner: 'worker-a', leaseMs: 30_000 } }));
      expect(created).toBe(false);
      expect(record).toEqual(existing);
      expect(await ctx.eventTypes(existing.id)).toEqual(['created']);
    });

    it('claiming a sleeping workflow at its wake time is a wake', async () => {
      const { t0 } = ctx;
      const { lease } = await ctx.start({ queue: 'default' });
      await ctx.adapter.suspend(lease, t0 + 5_000, t0 + 10);
      expect(await ctx.adapter.claim(ctx.claimRequest({ owner: 'worker-b', now: t0 + 4_999 }))).toEqual([]);
      const claimed = await ctx.adapter.claim(ctx.claimRequest({ owner: 'worker-b', now: t0 + 5_000 }));
      ctx.expectClaimed(claimed, [{ id: lease.workflowId, name: 'order', kind: 'workflow', queue: 'default', epoch: 2, attempts: 2, recoveryAttempts: 0, dueAt: t0 + 5_000 }]);
      expect(await ctx.adapter.getWorkflow(lease.workflowId)).toMatchObject({ status: 'running', leaseOwner: 'worker-b', leaseEpoch: 2 });
      expect((await ctx.eventTypes(lease.workflowId)).at(-1)).toBe('woke');
    });

    it('does not claim a running workflow whose lease is live', async () => {
      const { t0 } = ctx;
      const { record } = await ctx.start({ queue: 'default' });
      const stillLive = ctx.target.leaseClock === 'now' ? t0 + LONG_LEASE_MS - 1 : t0 + 1_000;
      expect(await ctx.adapter.claim(ctx.claimRequest({ owner: 'worker-b', now: stillLive }))).toEqual([]);
      expect(await ctx.adapter.getWorkflow(record.id)).toEqual(record);
      expect(await ctx.eventTypes(record.id)).toEqual(['created', 'claimed']);
    });

    it('recovers a running workflow whose lease expired', async () => {
      const { t0 } = ctx;
      const { lease } = await ctx.start({ queue: 'default' }, { leaseMs: ctx.shortLeaseMs, now: t0 });
      expect(await ctx.adapter.claim(ctx.claimRequest({ owner: 'worker-b', now: t0 + 1 }))).toEqual([]);
      const now = await ctx.expireLease(t0, ctx.shortLeaseMs);
      const claimed = await ctx.adapter.claim(ctx.claimRequest({ owner: 'worker-b', leaseMs: 20_000, now }));
      ctx.expectClaimed(claimed, [{ id: lease.workflowId, name: 'order', kind: 'workflow', queue: 'default', epoch: 2, attempts: 2, recoveryAttempts: 1, dueAt: t0 + ctx.shortLeaseMs }]);
      const record = (await ctx.adapter.getWorkflow(lease.workflowId))!;
      expect(record).toMatchObject({ status: 'running', leaseOwner: 'worker-b', leaseEpoch: 2, attempts: 2, recoveryAttempts: 1 });
      ctx.expectLeaseExpiry(record.nextAt, now, 20_000);
      expect(await ctx.eventTypes(lease.workflowId)).toEqual(['created', 'claimed', 'recovered']);
    });

    it.runIf(ctx.target.leaseClock === 'database')('judges lease expiry by the database clock, not a skewed now', async () => {
      const { t0 } = ctx;
      const { record } = await ctx.start({ queue: 'default' });
      const farAhead = t0 + 10 * LONG_LEASE_MS;
      expect(await ctx.adapter.claim(ctx.claimRequest({ owner: 'worker-b', now: farAhead }))).toEqual([]);
      expect(await ctx.adapter.getWorkflow(record.id)).toEqual(record);
    });

    it('never claims a finished workflow', async () => {
      const { t0 } = ctx;
      const completed = await ctx.start();
      await ctx.adapter.complete(completed.lease, '1', t0);
      const failed = await ctx.start();
      await ctx.adapter.fail(failed.lease, '"boom"', null, t0);
      const cancelledRunning = await ctx.start();
      await ctx.adapter.cancelWorkflow(cancelledRunning.lease.workflowId, t0);
      const cancelledPending = await ctx.createWorkflow({ queue: 'cancelled-pending' });
      await ctx.adapter.cancelWorkflow(cancelledPending.id, t0);
      const queues = [completed, failed, cancelledRunning].map((s) => `queue-of-${s.lease.workflowId}`).concat('cancelled-pending');
      const yearLater = t0 + 365 * 24 * 3_600_000;
      expect(await ctx.adapter.claim(ctx.claimRequest({ queues, owner: 'worker-b', now: yearLater, limit: 10 }))).toEqual([]);
      expect(await ctx.adapter.nextDueAt({ queues, names: ['order'], now: yearLater })).toBeNull();
    });
  });

  describe('nextDueAt', () => {
    it('is null when nothing matches', async () => {
      expect(await ctx.adapter.nextDueAt({ queues: ['default'], names: ['order'], now: ctx.t0 })).toBeNull();
      await ctx.createWorkflow({ queue: 'other' });
      expect(await ctx.adapter.nextDueAt({ queues: ['default'], names: ['order'], now: ctx.t0 })).toBeNull();
    });

    it('is the earliest next_at among pending and sleeping rows of the filter', async () => {
      const { t0 } = ctx;
      const sleeping = await ctx.start({ queue: 'default' });
      await ctx.adapter.suspend(sleeping.lease, t0 + 3_000, t0);
      const done = await ctx.start({ queue: 'default', nextAt: t0 });
      await ctx.adapter.complete(done.lease, '1', t0);
      await ctx.createWorkflow({ nextAt: t0 + 5_000 });
      await ctx.createWorkflow({ queue: 'other', nextAt: t0 + 1_000 });
      await ctx.createWorkflow({ name: 'invoice', nextAt: t0 + 2_000 });
      const at = (queues: string[], names: string[]) => ctx.adapter.nextDueAt({ queues, names, now: t0 });
      expect(await at(['default'], ['order'])).toBe(t0 + 3_000);
      expect(await at(['default'], ['order', 'invoice'])).toBe(t0 + 2_000);
      expect(await at(['default', 'other'], ['order'])).toBe(t0 + 1_000);
      expect(await at(['nowhere'], ['order'])).toBeNull();
    });

    it('returns a time already past as it is', async () => {
      await ctx.createWorkflow({ nextAt: ctx.t0 - 60_000 });
      await ctx.createWorkflow({ nextAt: ctx.t0 + 60_000 });
      expect(await ctx.adapter.nextDueAt({ queues: ['default'], names: ['order'], now: ctx.t0 })).toBe(ctx.t0 - 60_000);
    });

    it('counts the lease expiry of a running row, which claim can take once it passes', async () => {
      const { record } = await ctx.start({ queue: 'default' });
      await ctx.createWorkflow({ nextAt: ctx.t0 + 2 * LONG_LEASE_MS });
      expect(await ctx.adapter.nextDueAt({ queues: ['default'], names: ['order'], now: ctx.t0 })).toBe(record.nextAt);
    });
  });
}
