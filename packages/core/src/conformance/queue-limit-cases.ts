import { describe, expect, it } from 'vitest';
import type { ClaimedWorkflow, ClaimRequest, Lease, QueueLimit, StorageAdapter } from '../storage/storage-adapter.js';
import type { SuiteContext } from './context.js';

const HOUR = 3_600_000;

/** `queueLimits` in claim: shared concurrency, a sliding-window rate of first starts, a per-request max. */
export function describeQueueLimitCases(ctx: SuiteContext): void {
  /** `n` pending workflows in `queue`, ids `<queue>-0`, `<queue>-1`, ... in claim order (earliest due first). */
  async function seed(queue: string, n: number, overrides: { priority?: number } = {}): Promise<string[]> {
    const ids: string[] = [];
    for (let i = 0; i < n; i++) ids.push((await ctx.createWorkflow({ id: `${queue}-${i}`, queue, nextAt: ctx.t0 - 1_000 + i, ...overrides })).id);
    return ids;
  }
  /** A claim of `queue` alone with these limits for it. */
  const limited = (queue: string, limit: QueueLimit, overrides: Partial<ClaimRequest> = {}) =>
    ctx.claimRequest({ queues: [queue], queueLimits: { [queue]: limit }, ...overrides });
  const claimIds = (claimed: ClaimedWorkflow[]) => claimed.map((c) => c.id).sort();
  const leaseOf = (claimed: ClaimedWorkflow, owner = 'worker-a'): Lease => ({ workflowId: claimed.id, owner, epoch: claimed.epoch });
  const countRunning = async (queue: string) => (await ctx.adapter.listWorkflows({ queue, status: 'running', limit: 10_000 })).length;
  const other = async (): Promise<StorageAdapter> => (ctx.target.createPeer ? ctx.peer() : ctx.adapter);

  describe('claim with queueLimits: concurrency', () => {
    it('counts the workflows of the queue already running, whoever claimed them: 2 running + concurrency 3 → 1 more', async () => {
      const peer = await other();
      await seed('limited', 6);
      await ctx.start({ queue: 'elsewhere' });
      // Two claimed by another worker that passed no limits.
      const first = await ctx.adapter.claim(ctx.claimRequest({ queues: ['limited'], limit: 2 }));
      expect(claimIds(first)).toEqual(['limited-0', 'limited-1']);
      const limits = { concurrency: 3 };
      const second = await peer.claim(limited('limited', limits, { owner: 'worker-b' }));
      expect(claimIds(second)).toEqual(['limited-2']);
      expect(await peer.claim(limited('limited', limits, { owner: 'worker-b' }))).toEqual([]);
      expect(await ctx.adapter.claim(limited('limited', limits))).toEqual([]);
      expect(await countRunning('limited')).toBe(3);

      // Parked and finished workflows do not count: parking one and completing another makes room for two.
      await ctx.adapter.suspend(leaseOf(first[0]!), ctx.t0 + HOUR, ctx.t0 + 1);
      await ctx.adapter.complete(leaseOf(first[1]!), '1', ctx.t0 + 1);
      expect(claimIds(await ctx.adapter.claim(limited('limited', limits, { now: ctx.t0 + 2 })))).toEqual(['limited-3', 'limited-4']);
      expect(await peer.claim(limited('limited', limits, { owner: 'worker-b', now: ctx.t0 + 2 }))).toEqual([]);
      expect(await countRunning('limited')).toBe(3);
    });

    it('takes no more than the room left, whatever the request limit', async () => {
      await seed('limited', 5);
      const claimed = await ctx.adapter.claim(limited('limited', { concurrency: 2 }, { limit: 10 }));
      expect(claimIds(claimed)).toEqual(['limited-0', 'limited-1']);
      // With no room, nothing; a queue with concurrency 0 never runs anything.
      expect(await ctx.adapter.claim(limited('limited', { concurrency: 2 }))).toEqual([]);
      await seed('closed', 2);
      expect(await ctx.adapter.claim(limited('closed', { concurrency: 0 }))).toEqual([]);
    });

    // An expired lease must not hold its room for ever: a queue whose `concurrency` running workflows all lost
    // their workers would never run again.
    it('a running workflow whose lease expired is recovered when the queue is at its concurrency (a lost worker does not wedge it)', async () => {
      const { t0 } = ctx;
      await seed('limited', 1);
      const [held] = await ctx.adapter.claim(limited('limited', { concurrency: 1 }, { leaseMs: ctx.shortLeaseMs }));
      expect(held?.id).toBe('limited-0');
      const now = await ctx.expireLease(t0, ctx.shortLeaseMs);
      const recovered = await ctx.adapter.claim(limited('limited', { concurrency: 1 }, { owner: 'worker-b', now }));
      expect(recovered.map((c) => [c.id, c.recoveryAttempts, c.epoch])).toEqual([['limited-0', 1, held!.epoch + 1]]);
      expect(await countRunning('limited')).toBe(1);
    });

    it('concurrent claims from several workers never exceed the concurrency', async () => {
      const adapters = [ctx.adapter, await other()];
      await seed('limited', 20);
      const claims = await Promise.all(
        Array.from({ length: 8 }, (_, i) => adapters[i % 2]!.claim(limited('limited', { concurrency: 4 }, { owner: `worker-${i}`, limit: 5 }))),
      );
      expect(claims.flat()).toHaveLength(4);
      expect(new Set(claims.flat().map((c) => c.id)).size).toBe(4);
      expect(await countRunning('limited')).toBe(4);
    });
  });

  describe('claim with queueLimits: rateLimit', () => {
    it('starts at most max in any window of perMs, and frees room as starts leave the window', async () => {
      await seed('limited', 8);
      const { perMs, before, after } = ctx.rateWindow();
      const limit = { rateLimit: { max: 2, perMs } };
      const origin = ctx.target.leaseClock === 'now' ? ctx.t0 : Date.now();
      const at = async (offset: number, adapter = ctx.adapter) => adapter.claim(limited('limited', limit, { now: await ctx.reach(origin, offset) }));
      expect(claimIds(await at(0))).toEqual(['limited-0', 'limited-1']);
      expect(await at(1)).toEqual([]);
      expect(await at(perMs - before)).toEqual([]);
      // Running or finished makes no difference: the rate counts starts, not running workflows.
      expect(await countRunning('limited')).toBe(2);
      expect(claimIds(await at(perMs + after))).toEqual(['limited-2', 'limited-3']);
      expect(await at(perMs + after + 1)).toEqual([]);
      expect(await countRunning('limited')).toBe(4);
    });

    it('the window slides: each start leaves it perMs after it was made, across workers', async () => {
      const peer = await other();
      await seed('limited', 8);
      const { perMs, before, after } = ctx.rateWindow();
      const half = perMs / 2;
      const limit = { rateLimit: { max: 2, perMs } };
      const origin = ctx.target.leaseClock === 'now' ? ctx.t0 : Date.now();
      const at = async (offset: number, adapter: StorageAdapter, n = 10) => adapter.claim(limited('limited', limit, { now: await ctx.reach(origin, offset), limit: n }));
      expect(claimIds(await at(0, ctx.adapter, 1))).toEqual(['limited-0']);
      expect(claimIds(await at(half, peer))).toEqual(['limited-1']);
      expect(await at(perMs - before, ctx.adapter)).toEqual([]);
      expect(claimIds(await at(perMs + after, peer))).toEqual(['limited-2']);
      expect(await at(perMs + half - before, ctx.adapter)).toEqual([]);
      expect(claimIds(await at(perMs + half + after, ctx.adapter))).toEqual(['limited-3']);
      expect(await at(2 * perMs - before, peer)).toEqual([]);
    });

    it('is judged by the database clock where leases are: a worker whose clock runs ahead admits no extra starts', async ({ skip }) => {
      if (ctx.target.leaseClock !== 'database') skip();
      await seed('limited', 4);
      const limit = { rateLimit: { max: 1, perMs: 60_000 } };
      expect(claimIds(await ctx.adapter.claim(limited('limited', limit, { now: Date.now() })))).toEqual(['limited-0']);
      // Two minutes ahead: past the window by this worker's clock, not by the database's.
      const fast = Date.now() + 120_000;
      expect(await (await other()).claim(limited('limited', limit, { owner: 'fast-worker', now: fast }))).toEqual([]);
    });

    it('claims of a workflow that already started (woken, released) are not starts: they leave the room to new ones', async () => {
      const { t0 } = ctx;
      const limit = { rateLimit: { max: 2, perMs: HOUR } };
      await seed('limited', 3);
      // A higher priority: the workflow that started goes first whenever it is due.
      await ctx.createWorkflow({ id: 'again', queue: 'limited', priority: 5, nextAt: t0 - 5_000 });
      const [started] = await ctx.adapter.claim(limited('limited', limit, { limit: 1 }));
      expect(started?.id).toBe('again');
      await ctx.adapter.suspend(leaseOf(started!), t0 + 100, t0 + 1);
      const [woken] = await ctx.adapter.claim(limited('limited', limit, { limit: 1, now: t0 + 100 }));
      expect([woken?.id, woken?.epoch]).toEqual(['again', started!.epoch + 1]);
      await ctx.adapter.release(leaseOf(woken!), t0 + 101);
      const [reclaimed] = await ctx.adapter.claim(limited('limited', limit, { limit: 1, now: Math.max(t0 + 101, (await ctx.record('again')).nextAt!) }));
      expect([reclaimed?.id, reclaimed?.epoch]).toEqual(['again', started!.epoch + 2]);
      // Only one start so far: room for exactly one new workflow in this window.
      expect(claimIds(await ctx.adapter.claim(limited('limited', limit, { now: t0 + 5_000 })))).toEqual(['limited-0']);
      expect(await ctx.adapter.claim(limited('limited', limit, { now: t0 + 5_001 }))).toEqual([]);
    });

    // Only first starts are held to the rate: a woken, released or recovered workflow is not a new start.
    it('a workflow that already started is claimed when due even while the window is full', async () => {
      const { t0 } = ctx;
      const limit = { rateLimit: { max: 1, perMs: HOUR } };
      await seed('limited', 2);
      const [started] = await ctx.adapter.claim(limited('limited', limit));
      expect(started?.id).toBe('limited-0');
      await ctx.adapter.suspend(leaseOf(started!), t0 + 100, t0 + 1);
      // The window is full (one start): the new one waits, the woken one does not.
      const claimed = await ctx.adapter.claim(limited('limited', limit, { now: t0 + 100 }));
      expect(claimIds(claimed)).toEqual(['limited-0']);
      expect(claimed[0]!.epoch).toBe(started!.epoch + 1);
      expect((await ctx.record('limited-1')).status).toBe('pending');
    });

    it('concurrent claims from several workers never exceed the rate', async () => {
      const adapters = [ctx.adapter, await other()];
      await seed('limited', 20);
      const limit = { rateLimit: { max: 3, perMs: HOUR } };
      const claims = await Promise.all(Array.from({ length: 8 }, (_, i) => adapters[i % 2]!.claim(limited('limited', limit, { owner: `worker-${i}`, limit: 2 }))));
      expect(claims.flat()).toHaveLength(3);
      expect(await countRunning('limited')).toBe(3);
      // Finishing them gives no room back within the window.
      for (const [i, claimed] of claims.entries()) {
        for (const c of claimed) await ctx.adapter.complete(leaseOf(c, `worker-${i}`), '1', ctx.t0 + 1);
      }
      expect(await ctx.adapter.claim(limited('limited', limit, { now: ctx.t0 + 2 }))).toEqual([]);
    });

    it('with a concurrency as well, the tighter of the two applies', async () => {
      const { t0 } = ctx;
      await seed('limited', 6);
      const limit = { concurrency: 2, rateLimit: { max: 3, perMs: HOUR } };
      const first = await ctx.adapter.claim(limited('limited', limit));
      expect(claimIds(first)).toEqual(['limited-0', 'limited-1']);
      for (const c of first) await ctx.adapter.complete(leaseOf(c), '1', t0 + 1);
      const second = await ctx.adapter.claim(limited('limited', limit, { now: t0 + 2 }));
      expect(claimIds(second)).toEqual(['limited-2']);
      await ctx.adapter.complete(leaseOf(second[0]!), '1', t0 + 3);
      expect(await ctx.adapter.claim(limited('limited', limit, { now: t0 + 4 }))).toEqual([]);
    });
  });

  describe('claim with queueLimits: max and unlimited queues', () => {
    it('max caps what one request takes from the queue; unlimited queues are claimed as usual; each claim names its queue', async () => {
      await seed('limited', 5);
      await seed('free', 3);
      await seed('also-free', 2);
      // A limit for a queue the request does not serve changes nothing.
      const queueLimits = { limited: { max: 2 }, nowhere: { concurrency: 0 } };
      const request = ctx.claimRequest({ queues: ['limited', 'free', 'also-free'], queueLimits });
      const first = await ctx.adapter.claim(request);
      expect(claimIds(first)).toEqual(['also-free-0', 'also-free-1', 'free-0', 'free-1', 'free-2', 'limited-0', 'limited-1']);
      for (const c of first) expect(c.queue, c.id).toBe((await ctx.record(c.id)).queue);
      expect(first.find((c) => c.id === 'free-0')?.queue).toBe('free');
      expect(first.find((c) => c.id === 'limited-0')?.queue).toBe('limited');
      // max is per request, not shared: the next request takes two more.
      expect(claimIds(await ctx.adapter.claim(request))).toEqual(['limited-2', 'limited-3']);
      expect(claimIds(await ctx.adapter.claim({ ...request, limit: 1 }))).toEqual(['limited-4']);
      expect(await ctx.adapter.claim(request)).toEqual([]);
    });

    it('the request limit still caps the total across limited and unlimited queues', async () => {
      await seed('limited', 3);
      await seed('free', 3);
      const claimed = await ctx.adapter.claim(ctx.claimRequest({ queues: ['limited', 'free'], limit: 3, queueLimits: { limited: { concurrency: 2, max: 2 } } }));
      expect(claimed).toHaveLength(3);
      expect(claimed.filter((c) => c.queue === 'limited').length).toBeLessThanOrEqual(2);
      // A limited queue with no room does not stop the unlimited ones.
      const rest = await ctx.adapter.claim(ctx.claimRequest({ queues: ['limited', 'free'], queueLimits: { limited: { concurrency: 0 } } }));
      expect(rest.every((c) => c.queue === 'free')).toBe(true);
      expect(await ctx.adapter.listWorkflows({ queue: 'free', status: 'pending' })).toEqual([]);
    });
  });
}
