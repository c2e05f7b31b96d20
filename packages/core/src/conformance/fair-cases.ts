import { describe, expect, it } from 'vitest';
import type { ClaimedWorkflow, ClaimRequest, Lease, QueueLimit, StorageAdapter } from '../storage/storage-adapter.js';
import type { SuiteContext } from './context.js';

const HOUR = 3_600_000;
const QUEUE = 'fair';

/** `queueLimits` with `perKey`: claims round-robin across concurrency keys, a cap per key across claimers. */
export function describeFairCases(ctx: SuiteContext): void {
  let created = 0;
  /** `n` pending rows of `key` (null: none) in the fair queue, ids `<key>-<i>`, each created (and due) after the ones before. */
  async function seed(key: string | null, n: number, overrides: { priority?: number; nextAt?: number } = {}): Promise<string[]> {
    const ids: string[] = [];
    for (let i = 0; i < n; i++) {
      const at = ctx.t0 - 100_000 + created++;
      const id = `${key ?? 'none'}-${await countOf(key)}`;
      ids.push((await ctx.createWorkflow({ id, queue: QUEUE, nextAt: at, now: at, ...(key === null ? {} : { concurrencyKey: key }), ...overrides })).id);
    }
    return ids;
  }
  const countOf = async (key: string | null) => (await ctx.adapter.listWorkflows({ queue: QUEUE, limit: 10_000 })).filter((w) => w.id.startsWith(`${key ?? 'none'}-`)).length;
  const fair = (limit: QueueLimit = { perKey: {} }, overrides: Partial<ClaimRequest> = {}) =>
    ctx.claimRequest({ queues: [QUEUE], queueLimits: { [QUEUE]: limit }, ...overrides });
  const ids = (claimed: ClaimedWorkflow[]) => claimed.map((c) => c.id);
  const leaseOf = (claimed: ClaimedWorkflow, owner = 'worker-a'): Lease => ({ workflowId: claimed.id, owner, epoch: claimed.epoch });
  const other = async (): Promise<StorageAdapter> => (ctx.target.createPeer ? ctx.peer() : ctx.adapter);
  /** Claims one at a time (at `now`, default t0) until nothing is due; returns the ids in claim order. */
  async function drainOneByOne(now = ctx.t0): Promise<string[]> {
    const order: string[] = [];
    for (let claimed = await ctx.adapter.claim(fair(undefined, { limit: 1, now })); claimed.length > 0; claimed = await ctx.adapter.claim(fair(undefined, { limit: 1, now }))) {
      order.push(...ids(claimed));
    }
    return order;
  }

  describe('claim with queueLimits: perKey (fairness between concurrency keys)', () => {
    it('takes keys round-robin: a key with a backlog does not hold back a key enqueued after it; rows without a key are one key', async () => {
      created = 0;
      expect(await ctx.adapter.claim(fair())).toEqual([]); // the first claim marks the queue as fair
      await seed('A', 5);
      await seed('B', 2);
      await seed(null, 1);
      expect(await drainOneByOne()).toEqual(['A-0', 'B-0', 'none-0', 'A-1', 'B-1', 'A-2', 'A-3', 'A-4']);
      // A row stored without a key reads back without one.
      expect((await ctx.adapter.getWorkflow('none-0'))?.concurrencyKey).toBeNull();
      expect((await ctx.adapter.getWorkflow('B-0'))?.concurrencyKey).toBe('B');
    });

    it('a claim of several rows takes one per key in turn, then a second per key', async () => {
      created = 0;
      await ctx.adapter.claim(fair());
      await seed('A', 4);
      await seed('B', 3);
      expect(ids(await ctx.adapter.claim(fair(undefined, { limit: 4 })))).toEqual(['A-0', 'B-0', 'A-1', 'B-1']);
      // Both were served: A, then B, went to the back in that order.
      expect(ids(await ctx.adapter.claim(fair(undefined, { limit: 3 })))).toEqual(['A-2', 'B-2', 'A-3']);
    });

    it('rows stored before the first fair claim are claimed fairly too, keys in order of their oldest row', async () => {
      created = 0;
      await seed('A', 3);
      await seed(null, 1);
      await seed('B', 1);
      expect(ids(await ctx.adapter.claim(fair(undefined, { limit: 3 })))).toEqual(['A-0', 'none-0', 'B-0']);
      expect((await ctx.adapter.getWorkflow('none-0'))?.concurrencyKey).toBeNull();
    });

    it('a key with no due work is stepped over; its row is claimed when it falls due', async () => {
      created = 0;
      await ctx.adapter.claim(fair());
      await seed('C', 1, { nextAt: ctx.t0 + 60_000 });
      await seed('A', 2);
      expect(ids(await ctx.adapter.claim(fair(undefined, { limit: 5 })))).toEqual(['A-0', 'A-1']);
      expect(await ctx.adapter.claim(fair())).toEqual([]);
      expect(ids(await ctx.adapter.claim(fair(undefined, { now: ctx.t0 + 60_000 })))).toEqual(['C-0']);
    });

    it('priorities order the rows within a key', async () => {
      created = 0;
      await ctx.adapter.claim(fair());
      await seed('A', 2);
      await seed('A', 1, { priority: 5 });
      await seed('B', 1);
      expect(ids(await ctx.adapter.claim(fair(undefined, { limit: 4 })))).toEqual(['A-2', 'B-0', 'A-0', 'A-1']);
    });

    it('perKey.concurrency caps the rows running per key; complete, fail, cancel, sleep and an expired lease free the room', async () => {
      created = 0;
      const cap: QueueLimit = { perKey: { concurrency: 2 } };
      await ctx.adapter.claim(fair(cap));
      await seed('A', 6);
      await seed('B', 1);
      const first = await ctx.adapter.claim(fair(cap, { limit: 10 }));
      expect(ids(first)).toEqual(['A-0', 'B-0', 'A-1']);
      expect(await ctx.adapter.claim(fair(cap))).toEqual([]);
      const claimOne = async (now: number, leaseMs?: number) => {
        const claimed = await ctx.adapter.claim(fair(cap, { now, ...(leaseMs === undefined ? {} : { leaseMs }) }));
        return claimed;
      };
      await ctx.adapter.complete(leaseOf(first[0]!), '1', ctx.t0 + 1);
      const a2 = await claimOne(ctx.t0 + 2);
      expect(ids(a2)).toEqual(['A-2']);
      await ctx.adapter.fail(leaseOf(first[2]!), '"boom"', null, ctx.t0 + 3);
      const a3 = await claimOne(ctx.t0 + 4);
      expect(ids(a3)).toEqual(['A-3']);
      await ctx.adapter.cancelWorkflow('A-2', ctx.t0 + 5);
      const a4 = await claimOne(ctx.t0 + 6);
      expect(ids(a4)).toEqual(['A-4']);
      // A sleeping row is not running: it holds no room (and is due again only when it wakes).
      await ctx.adapter.suspend(leaseOf(a3[0]!), ctx.t0 + HOUR, ctx.t0 + 7);
      const a5 = await claimOne(ctx.t0 + 8, ctx.shortLeaseMs);
      expect(ids(a5)).toEqual(['A-5']);
      expect(await claimOne(ctx.t0 + 9)).toEqual([]);
      // A lost worker does not wedge the key: once A-5's lease expires, its room is taken again (by its recovery).
      const now = await ctx.expireLease(ctx.t0 + 8, ctx.shortLeaseMs);
      const recovered = await ctx.adapter.claim(fair(cap, { owner: 'worker-b', now }));
      expect(ids(recovered)).toEqual(['A-5']);
      expect(recovered[0]!.recoveryAttempts).toBe(1);
      expect(await ctx.adapter.claim(fair(cap, { owner: 'worker-b', now }))).toEqual([]);
    });

    it('concurrent claims from several workers never exceed a key\'s cap', async () => {
      created = 0;
      const cap: QueueLimit = { perKey: { concurrency: 3 } };
      await ctx.adapter.claim(fair(cap));
      await seed('A', 12);
      await seed('B', 12);
      const adapters = [ctx.adapter, await other()];
      const claims = await Promise.all(
        Array.from({ length: 8 }, (_, i) => adapters[i % 2]!.claim(fair(cap, { owner: `worker-${i}`, limit: 4 }))),
      );
      const all = claims.flat().map((c) => c.id);
      expect(new Set(all).size).toBe(all.length);
      expect(all.filter((id) => id.startsWith('A-'))).toHaveLength(3);
      expect(all.filter((id) => id.startsWith('B-'))).toHaveLength(3);
      const running = await ctx.adapter.listWorkflows({ queue: QUEUE, status: 'running', limit: 100 });
      expect(running).toHaveLength(6);
    });

    it('a released row (given back by its worker) holds no room of its key', async () => {
      created = 0;
      const cap: QueueLimit = { perKey: { concurrency: 1 } };
      await ctx.adapter.claim(fair(cap));
      await seed('A', 2);
      const [a0] = await ctx.adapter.claim(fair(cap));
      expect(a0?.id).toBe('A-0');
      await ctx.adapter.release(leaseOf(a0!), ctx.t0 + 1);
      // Both are due; A-1 was due first. With A-1 running, the key is at its cap again.
      expect(ids(await ctx.adapter.claim(fair(cap, { now: ctx.t0 + 2 })))).toEqual(['A-1']);
      expect(await ctx.adapter.claim(fair(cap, { now: ctx.t0 + 3 }))).toEqual([]);
    });

    it('combines with the queue\'s concurrency and rate limit and with the request\'s max', async () => {
      created = 0;
      const limits: QueueLimit = { perKey: {}, concurrency: 3, rateLimit: { max: 2, perMs: HOUR } };
      await ctx.adapter.claim(fair(limits));
      await seed('A', 3);
      await seed('B', 3);
      // The rate admits 2 first starts: one per key.
      expect(ids(await ctx.adapter.claim(fair(limits, { limit: 10 })))).toEqual(['A-0', 'B-0']);
      expect(await ctx.adapter.claim(fair(limits, { limit: 10 }))).toEqual([]);
      // Without the rate, the queue's concurrency (3, two running) and the request's max (1) hold.
      const noRate: QueueLimit = { perKey: {}, concurrency: 3, max: 1 };
      expect(ids(await ctx.adapter.claim(fair(noRate, { limit: 10 })))).toEqual(['A-1']);
      expect(await ctx.adapter.claim(fair({ perKey: {}, concurrency: 3 }, { limit: 10 }))).toEqual([]);
    });

    it('a key whose rows all finished leaves the ring, and comes back at the back with new work (or a retry)', async () => {
      created = 0;
      await ctx.adapter.claim(fair());
      await seed('A', 1);
      await seed('B', 1);
      const claimed = await ctx.adapter.claim(fair());
      expect(ids(claimed)).toEqual(['A-0', 'B-0']);
      await ctx.adapter.fail(leaseOf(claimed[0]!), '"boom"', null, ctx.t0 + 1);
      await ctx.adapter.complete(leaseOf(claimed[1]!), '1', ctx.t0 + 1);
      expect(await ctx.adapter.claim(fair({ perKey: {} }, { now: ctx.t0 + 2 }))).toEqual([]);
      await seed('B', 1);
      await ctx.adapter.retryWorkflow('A-0', ctx.t0 + 3);
      expect(await drainOneByOne(ctx.t0 + 4)).toEqual(['B-1', 'A-0']);
    });
  });
}
