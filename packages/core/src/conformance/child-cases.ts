import { describe, expect, it } from 'vitest';
import type { Lease, StorageAdapter } from '../storage/storage-adapter.js';
import { expectLeaseLost, withoutUpdatedAt, type SuiteContext } from './context.js';

const ERROR = JSON.stringify({ $error: { name: 'Error', message: 'child gave up' } });
const REASON = JSON.stringify({ $error: { name: 'CancelledError', message: 'cancelled by operator' } });
const YEAR = 365 * 24 * 3_600_000;

/** The three ways a child finishes, each run at `now` on the child's lease. */
const FINISHES: ReadonlyArray<readonly [name: string, finish: (adapter: StorageAdapter, child: Lease, now: number) => Promise<unknown>]> = [
  ['complete', (a, child, now) => a.complete(child, '"child done"', now)],
  ['fail', (a, child, now) => a.fail(child, ERROR, null, now)],
  ['cancelWorkflow', (a, child, now) => a.cancelWorkflow(child.workflowId, now)],
];

/** Parking without a wake time, parents woken by finishing children (no lost wake-up), cancelWorkflow cascades. */
export function describeChildCases(ctx: SuiteContext): void {
  /** A running parent and a running child of it, each in its own queue. */
  async function family(): Promise<{ parent: Lease; child: Lease }> {
    const { lease: parent } = await ctx.start();
    const { lease: child } = await ctx.start({ id: ctx.id('child'), parentId: parent.workflowId });
    return { parent, child };
  }

  describe('a child created under its parent\'s lease', () => {
    it('is created while the parent holds the lease, with its parent id', async () => {
      const { lease: parent } = await ctx.start();
      const result = await ctx.adapter.createWorkflow(ctx.newWorkflow({ id: `${parent.workflowId}/0`, parentId: parent.workflowId, parentLease: parent }));
      expect(result.created).toBe(true);
      expect(result.record).toMatchObject({ parentId: parent.workflowId, status: 'pending' });
      // Created already (a repeat after a lost answer): the existing child, not created again.
      const again = await ctx.adapter.createWorkflow(ctx.newWorkflow({ id: `${parent.workflowId}/0`, parentId: parent.workflowId, parentLease: parent }));
      expect(again).toMatchObject({ created: false, record: { id: `${parent.workflowId}/0` } });
    });

    it('takes its parent\'s concurrency key unless it is given one', async () => {
      const { lease: parent } = await ctx.start({ concurrencyKey: 'tenant-7' });
      const inherited = await ctx.adapter.createWorkflow(ctx.newWorkflow({ id: `${parent.workflowId}/0`, parentId: parent.workflowId, parentLease: parent }));
      expect(inherited.record.concurrencyKey).toBe('tenant-7');
      const own = await ctx.adapter.createWorkflow(
        ctx.newWorkflow({ id: `${parent.workflowId}/1`, parentId: parent.workflowId, parentLease: parent, concurrencyKey: 'tenant-8' }),
      );
      expect(own.record.concurrencyKey).toBe('tenant-8');
      const { lease: keyless } = await ctx.start();
      const none = await ctx.adapter.createWorkflow(ctx.newWorkflow({ id: `${keyless.workflowId}/0`, parentId: keyless.workflowId, parentLease: keyless }));
      expect(none.record.concurrencyKey).toBeNull();
      expect((await ctx.adapter.getWorkflow(`${parent.workflowId}/0`))!.concurrencyKey).toBe('tenant-7');
    });

    it('is refused with LeaseLostError, writing nothing, when the parent was taken over or cancelled', async () => {
      const { t0 } = ctx;
      const { lease: stale } = await ctx.start();
      await ctx.adapter.release(stale, t0 + 1);
      await ctx.reclaim(stale.workflowId, t0 + 1);
      const childId = `${stale.workflowId}/0`;
      await expectLeaseLost(ctx.adapter.createWorkflow(ctx.newWorkflow({ id: childId, parentId: stale.workflowId, parentLease: stale })), stale.workflowId);
      expect(await ctx.adapter.getWorkflow(childId)).toBeUndefined();
      const { lease: cancelled } = await ctx.start();
      await ctx.adapter.cancelWorkflow(cancelled.workflowId, t0 + 2);
      await expectLeaseLost(ctx.adapter.createWorkflow(ctx.newWorkflow({ id: `${cancelled.workflowId}/0`, parentId: cancelled.workflowId, parentLease: cancelled })), cancelled.workflowId);
      expect(await ctx.adapter.getWorkflow(`${cancelled.workflowId}/0`)).toBeUndefined();
    });

    it('racing a cancel of the parent, never outlives it: the child is refused or cancelled with it', async () => {
      const { t0 } = ctx;
      for (let i = 0; i < 10; i++) {
        const { lease: parent } = await ctx.start();
        const childId = `${parent.workflowId}/0`;
        await Promise.allSettled([
          ctx.adapter.createWorkflow(ctx.newWorkflow({ id: childId, parentId: parent.workflowId, parentLease: parent })),
          ctx.adapter.cancelWorkflow(parent.workflowId, t0 + 1),
        ]);
        expect((await ctx.record(parent.workflowId)).status).toBe('cancelled');
        const child = await ctx.adapter.getWorkflow(childId);
        if (child) expect(child.status).toBe('cancelled');
      }
    });
  });

  describe('suspend without a wake time', () => {
    it('parks the workflow until something wakes it: never claimed, no due time', async () => {
      const { t0 } = ctx;
      const { lease } = await ctx.start({ queue: 'default' });
      await ctx.adapter.suspend(lease, null, t0 + 10);
      expect(await ctx.record(lease.workflowId)).toMatchObject({ status: 'sleeping', nextAt: null, leaseOwner: null, finishedAt: null });
      expect(await ctx.eventTypes(lease.workflowId)).toEqual(['created', 'claimed', 'sleeping']);
      expect(await ctx.adapter.claim(ctx.claimRequest({ owner: 'worker-b', now: t0 + YEAR }))).toEqual([]);
      expect(await ctx.adapter.nextDueAt({ queues: ['default'], names: ['order'], now: t0 + 10 })).toBeNull();
      await ctx.createWorkflow({ nextAt: t0 + 5_000 });
      expect(await ctx.adapter.nextDueAt({ queues: ['default'], names: ['order'], now: t0 + 10 })).toBe(t0 + 5_000);
      expect((await ctx.adapter.listWorkflows({ status: 'sleeping' })).map((r) => r.id)).toEqual([lease.workflowId]);
    });

    it('with waitingFor and nothing arrived yet keeps the wake time it was given', async () => {
      const { t0 } = ctx;
      const { parent, child } = await family();
      // Things that must not count: a signal of another name, an awaited name sent to another workflow,
      // a finished workflow that is not awaited, an unknown id.
      expect(await ctx.adapter.sendSignal(parent.workflowId, 'other', '1', t0)).toBe('sent');
      const stranger = await ctx.start();
      expect(await ctx.adapter.sendSignal(stranger.lease.workflowId, 'approve', '1', t0)).toBe('sent');
      const finished = await ctx.start({ parentId: parent.workflowId });
      await ctx.adapter.complete(finished.lease, '1', t0);
      const waitingFor = { children: [child.workflowId, 'no-such-child'], signals: ['approve'] };
      await ctx.adapter.suspend(parent, null, t0 + 10, waitingFor);
      expect(await ctx.record(parent.workflowId)).toMatchObject({ status: 'sleeping', nextAt: null, leaseOwner: null });

      const timed = await family();
      await ctx.adapter.suspend(timed.parent, t0 + 60_000, t0 + 10, { children: [timed.child.workflowId], signals: [] });
      expect(await ctx.record(timed.parent.workflowId)).toMatchObject({ status: 'sleeping', nextAt: t0 + 60_000 });
      expect(await ctx.adapter.claim(ctx.claimRequest({ queues: [`queue-of-${timed.parent.workflowId}`], now: t0 + 59_999 }))).toEqual([]);
    });
  });

  describe('a finishing child wakes its parked parent', () => {
    for (const [name, finish] of FINISHES) {
      it(`${name} of the child makes a parent parked without a wake time due at once`, async () => {
        const { t0 } = ctx;
        const { parent, child } = await family();
        await ctx.adapter.suspend(parent, null, t0 + 10, { children: [child.workflowId] });
        expect((await ctx.record(parent.workflowId)).nextAt).toBeNull();
        await finish(ctx.adapter, child, t0 + 500);
        expect(await ctx.record(parent.workflowId)).toMatchObject({ status: 'sleeping', nextAt: t0 + 500, leaseOwner: null });
        const claimed = await ctx.adapter.claim(ctx.claimRequest({ queues: [`queue-of-${parent.workflowId}`], owner: 'worker-b', now: t0 + 500 }));
        expect(claimed.map((c) => [c.id, c.epoch])).toEqual([[parent.workflowId, parent.epoch + 1]]);
        expect((await ctx.eventTypes(parent.workflowId)).at(-1)).toBe('woke');
      });
    }

    it('a parent parked until later is due now; one due sooner keeps its time', async () => {
      const { t0 } = ctx;
      const later = await family();
      await ctx.adapter.suspend(later.parent, t0 + 60_000, t0 + 10, { children: [later.child.workflowId] });
      const sooner = await family();
      await ctx.adapter.suspend(sooner.parent, t0 + 100, t0 + 10, { children: [sooner.child.workflowId] });
      await ctx.adapter.complete(later.child, '1', t0 + 500);
      await ctx.adapter.fail(sooner.child, ERROR, null, t0 + 500);
      expect(await ctx.record(later.parent.workflowId)).toMatchObject({ status: 'sleeping', nextAt: t0 + 500 });
      expect(await ctx.record(sooner.parent.workflowId)).toMatchObject({ status: 'sleeping', nextAt: t0 + 100 });
    });

    it('a parked parent is woken even when it parked without waitingFor (a plain sleep)', async () => {
      const { t0 } = ctx;
      const { parent, child } = await family();
      await ctx.adapter.suspend(parent, t0 + 60_000, t0 + 10);
      await ctx.adapter.complete(child, '1', t0 + 500);
      expect((await ctx.record(parent.workflowId)).nextAt).toBe(t0 + 500);
    });

    it('a parent that is not parked, and every unrelated workflow, is left as it is', async () => {
      const { t0 } = ctx;
      const running = await family();
      const released = await family();
      await ctx.adapter.release(released.parent, t0 + 1);
      const finished = await family();
      await ctx.adapter.complete(finished.parent, '"parent done"', t0 + 1);
      const bystander = await ctx.start();
      await ctx.adapter.suspend(bystander.lease, null, t0 + 1);
      const orphan = await ctx.start();
      const ids = [running.parent, released.parent, finished.parent, bystander.lease].map((l) => l.workflowId);
      const before = await Promise.all(ids.map((id) => ctx.snapshot(id)));
      await ctx.adapter.complete(running.child, '1', t0 + 500);
      await ctx.adapter.fail(released.child, ERROR, null, t0 + 500);
      await ctx.adapter.cancelWorkflow(finished.child.workflowId, t0 + 500);
      await ctx.adapter.complete(orphan.lease, '1', t0 + 500);
      expect(await Promise.all(ids.map((id) => ctx.snapshot(id)))).toEqual(before);
    });
  });

  describe('a child that finished before its parent parks (race)', () => {
    for (const [name, finish] of FINISHES) {
      it(`after ${name} of the child, suspend waiting for it makes the parent due at once`, async () => {
        const { t0 } = ctx;
        const { parent, child } = await family();
        await finish(ctx.adapter, child, t0 + 100);
        // The finish found the parent running: nothing to wake yet.
        expect((await ctx.record(parent.workflowId)).status).toBe('running');
        await ctx.adapter.suspend(parent, null, t0 + 200, { children: [child.workflowId] });
        expect(await ctx.record(parent.workflowId)).toMatchObject({ status: 'sleeping', nextAt: t0 + 200, leaseOwner: null });
        const claimed = await ctx.adapter.claim(ctx.claimRequest({ queues: [`queue-of-${parent.workflowId}`], owner: 'worker-b', now: t0 + 200 }));
        expect(claimed.map((c) => c.id)).toEqual([parent.workflowId]);
        expect((await ctx.eventTypes(parent.workflowId)).slice(-2)).toEqual(['sleeping', 'woke']);
      });
    }

    it('one finished child among those awaited is enough, whatever the wake time', async () => {
      const { t0 } = ctx;
      const { parent, child } = await family();
      const done = await ctx.start({ parentId: parent.workflowId });
      await ctx.adapter.complete(done.lease, '1', t0 + 100);
      await ctx.adapter.suspend(parent, t0 + 60_000, t0 + 200, { children: [child.workflowId, done.lease.workflowId], signals: ['approve'] });
      expect((await ctx.record(parent.workflowId)).nextAt).toBe(t0 + 200);
    });

    it('suspend and a child finishing at the same moment never lose the wake-up', async () => {
      const { t0 } = ctx;
      const other = ctx.target.createPeer ? await ctx.peer() : ctx.adapter;
      for (let round = 0; round < 12; round++) {
        const { parent, child } = await family();
        const now = t0 + 1_000 + round;
        const park = () => ctx.adapter.suspend(parent, null, now, { children: [child.workflowId] });
        const finish = () => FINISHES[round % FINISHES.length]![1](other, child, now);
        await Promise.all(round % 2 === 0 ? [park(), finish()] : [finish(), park()]);
        const record = await ctx.record(parent.workflowId);
        expect({ round, status: record.status, nextAt: record.nextAt }).toEqual({ round, status: 'sleeping', nextAt: now });
      }
    });
  });

  describe('cancelWorkflow cascade', () => {
    it('cancels the unfinished descendants of a 3-level tree, leaves finished ones and others untouched, wakes the parent', async () => {
      const { t0 } = ctx;
      // top (parked, awaiting root) ─┬─ root (running) ─┬─ a (sleeping) ─┬─ a1 (running)
      //                              │                  │                └─ a2 (failed)
      //                              │                  ├─ b (completed) ── b1 (pending)
      //                              │                  └─ c (pending)
      //                              └─ sibling (running)
      // loner (pending) ── lonerChild (running)
      const top = await ctx.start({ id: 'top' });
      const root = await ctx.start({ id: 'root', parentId: 'top' });
      const sibling = await ctx.start({ id: 'sibling', parentId: 'top' });
      await ctx.adapter.suspend(top.lease, null, t0 + 1, { children: ['root', 'sibling'] });
      const a = await ctx.start({ id: 'a', parentId: 'root' });
      const b = await ctx.start({ id: 'b', parentId: 'root' });
      await ctx.createWorkflow({ id: 'c', parentId: 'root', queue: 'queue-of-c', nextAt: t0 + 60_000 });
      const a1 = await ctx.start({ id: 'a1', parentId: 'a' });
      const a2 = await ctx.start({ id: 'a2', parentId: 'a' });
      await ctx.createWorkflow({ id: 'b1', parentId: 'b', queue: 'queue-of-b1' });
      await ctx.adapter.fail(a2.lease, ERROR, null, t0 + 2);
      await ctx.adapter.complete(b.lease, '"b done"', t0 + 2);
      await ctx.adapter.suspend(a.lease, t0 + 60_000, t0 + 3, { children: ['a1', 'a2'] });
      await ctx.createWorkflow({ id: 'loner', queue: 'queue-of-loner' });
      await ctx.start({ id: 'loner-child', parentId: 'loner' });

      const cancelledIds = ['root', 'a', 'a1', 'b1', 'c'];
      const untouchedIds = ['a2', 'b', 'sibling', 'loner', 'loner-child'];
      const before = new Map(await Promise.all([...cancelledIds, ...untouchedIds, 'top'].map(async (id) => [id, await ctx.snapshot(id)] as const)));
      expect((await ctx.record('top')).nextAt).toBeNull();

      const now = t0 + 1_000;
      const returned = await ctx.adapter.cancelWorkflow('root', now, REASON);
      expect(returned).toEqual(await ctx.record('root'));

      for (const id of cancelledIds) {
        const record = await ctx.record(id);
        expect(record, id).toMatchObject({ status: 'cancelled', error: id === 'root' ? REASON : null, output: null, nextAt: null, leaseOwner: null });
        ctx.expectTime(record.finishedAt, now);
        // Epochs move on (fencing), even for rows nobody held.
        expect(record.leaseEpoch, id).toBeGreaterThan(before.get(id)!.record!.leaseEpoch);
        const history = await ctx.adapter.history(id);
        expect(history.slice(0, -1), id).toEqual(before.get(id)!.history);
        expect(history.at(-1)!.type, id).toBe('cancelled');
      }
      for (const id of untouchedIds) expect(await ctx.snapshot(id), id).toEqual(before.get(id));

      // The root's parent was parked waiting for it: due now, and nothing else about it changed.
      expect(withoutUpdatedAt(await ctx.record('top'))).toEqual(withoutUpdatedAt({ ...before.get('top')!.record!, nextAt: now }));
      expect(await ctx.adapter.history('top')).toEqual(before.get('top')!.history);

      // Executions of cancelled workflows are fenced out; the others are not.
      await expectLeaseLost(ctx.adapter.complete(a1.lease, '1', now + 1), 'a1');
      await expectLeaseLost(ctx.adapter.recordStep(root.lease, { seq: 0, name: 'x', kind: 'now', output: '1', error: null, attempts: 1, fingerprint: null }, now + 1), 'root');
      expect((await ctx.adapter.renewLeases([root.lease, a1.lease, sibling.lease], 60_000, now + 1)).sort()).toEqual(['a1', 'root']);
      const queues = cancelledIds.map((id) => `queue-of-${id}`);
      expect(await ctx.adapter.claim(ctx.claimRequest({ queues, owner: 'worker-b', now: now + YEAR }))).toEqual([]);

      // Cancelling again changes nothing anywhere.
      const after = new Map(await Promise.all([...before.keys()].map(async (id) => [id, await ctx.snapshot(id)] as const)));
      expect(await ctx.adapter.cancelWorkflow('root', now + 5, JSON.stringify('again'))).toEqual(after.get('root')!.record);
      for (const [id, snapshot] of after) expect(await ctx.snapshot(id), id).toEqual(snapshot);
    });

    it('cancelling a child wakes its parked parent, which is due at once', async () => {
      const { t0 } = ctx;
      const { parent, child } = await family();
      await ctx.adapter.suspend(parent, null, t0 + 10, { children: [child.workflowId] });
      await ctx.adapter.cancelWorkflow(child.workflowId, t0 + 700, REASON);
      expect(await ctx.record(child.workflowId)).toMatchObject({ status: 'cancelled', error: REASON });
      expect(await ctx.record(parent.workflowId)).toMatchObject({ status: 'sleeping', nextAt: t0 + 700 });
    });

    it('without a reason stores no error, and a parent that is not parked is left as it is', async () => {
      const { t0 } = ctx;
      const { parent, child } = await family();
      const before = await ctx.snapshot(parent.workflowId);
      expect(await ctx.adapter.cancelWorkflow(child.workflowId, t0 + 5)).toMatchObject({ status: 'cancelled', error: null });
      expect(await ctx.snapshot(parent.workflowId)).toEqual(before);
    });
  });
}
