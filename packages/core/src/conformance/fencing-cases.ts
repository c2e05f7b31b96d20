import { describe, expect, it } from 'vitest';
import type { Lease, StorageAdapter } from '../storage/storage-adapter.js';
import { expectLeaseLost, sleep, type SuiteContext } from './context.js';

const ERROR = JSON.stringify({ $error: { name: 'Error', message: 'stale write' } });

type FencedWrite = (adapter: StorageAdapter, lease: Lease, now: number) => Promise<unknown>;

/**
 * Every fenced write, as a call with a lease at `now` that would write if it were not refused (a receive past
 * its deadline checkpoints the timeout; a suspend waiting for a finished child or a waiting signal wakes at once).
 * `transactions`: only for an adapter declaring `capabilities.transactions`.
 */
const FENCED_WRITES: ReadonlyArray<readonly [name: string, write: FencedWrite, needs?: 'transactions']> = [
  ['recordStep', (a, lease, now) => a.recordStep(lease, { seq: 0, name: 'charge', kind: 'task', output: '"stale"', error: null, attempts: 1, fingerprint: 'fp:["stale"]' }, now)],
  ['recordRetry', (a, lease, now) => a.recordRetry(lease, { seq: 0, attempt: 1, retryAt: now + 1_000, error: ERROR }, now)],
  ['suspend', (a, lease, now) => a.suspend(lease, now + 60_000, now)],
  ['suspend without a wake time', (a, lease, now) => a.suspend(lease, null, now)],
  ['suspend with waitingFor', (a, lease, now) => a.suspend(lease, null, now, { children: ['finished-child'], signals: ['go'] })],
  ['release', (a, lease, now) => a.release(lease, now)],
  ['complete', (a, lease, now) => a.complete(lease, '"stale"', now)],
  ['fail', (a, lease, now) => a.fail(lease, ERROR, 0, now)],
  ['receiveSignal', (a, lease, now) => a.receiveSignal(lease, { seq: 0, name: 'go', deadline: now, timeoutOutput: '"stale"' }, now)],
  ['runTransactionStep', (a, lease, now) => a.runTransactionStep!(lease, { seq: 0, name: 'charge', attempts: 1, fingerprint: null }, async () => '"stale"', now), 'transactions'],
];

/** Whether the adapter of the running test can make this write at all. */
const supported = (ctx: SuiteContext, needs: 'transactions' | undefined) => needs !== 'transactions' || ctx.adapter.capabilities.transactions;

/** A lease the storage must refuse, and the lease of whoever holds the workflow now (if anyone). */
interface Situation {
  stale: Lease;
  holder: Lease | undefined;
  now: number;
}

const SITUATIONS: ReadonlyArray<readonly [name: string, make: (ctx: SuiteContext) => Promise<Situation>]> = [
  ['an earlier epoch of the same owner', async (ctx) => {
    const { lease } = await ctx.start({ queue: 'default' });
    await ctx.adapter.release(lease, ctx.t0 + 1);
    const [again] = await ctx.adapter.claim(ctx.claimRequest({ now: ctx.t0 + 1 }));
    expect(again?.epoch).toBe(lease.epoch + 1);
    return { stale: lease, holder: { ...lease, epoch: again!.epoch }, now: ctx.t0 + 2 };
  }],
  ['another owner with the current epoch', async (ctx) => {
    const { lease } = await ctx.start();
    return { stale: { ...lease, owner: 'worker-intruder' }, holder: lease, now: ctx.t0 + 2 };
  }],
  ['a lease that expired and was claimed by another worker', async (ctx) => {
    const { lease } = await ctx.start({ queue: 'default' }, { leaseMs: ctx.shortLeaseMs });
    const now = await ctx.expireLease(ctx.t0, ctx.shortLeaseMs);
    const [taken] = await ctx.adapter.claim(ctx.claimRequest({ owner: 'worker-b', now }));
    expect(taken?.recoveryAttempts).toBe(1);
    return { stale: lease, holder: { workflowId: lease.workflowId, owner: 'worker-b', epoch: taken!.epoch }, now: now + 1 };
  }],
  ['a lease on a cancelled workflow', async (ctx) => {
    const { lease } = await ctx.start();
    await ctx.adapter.cancelWorkflow(lease.workflowId, ctx.t0 + 1);
    return { stale: lease, holder: undefined, now: ctx.t0 + 2 };
  }],
  ['a lease already released', async (ctx) => {
    const { lease } = await ctx.start();
    await ctx.adapter.release(lease, ctx.t0 + 1);
    return { stale: lease, holder: undefined, now: ctx.t0 + 2 };
  }],
  // The contract fences on status too: a write is refused once the workflow is not running, owner and epoch aside.
  ['a lease on a workflow it suspended', async (ctx) => {
    const { lease } = await ctx.start();
    await ctx.adapter.suspend(lease, ctx.t0 + 60_000, ctx.t0 + 1);
    return { stale: lease, holder: undefined, now: ctx.t0 + 2 };
  }],
  ['a lease on a workflow it completed', async (ctx) => {
    const { lease } = await ctx.start();
    await ctx.adapter.complete(lease, '"first"', ctx.t0 + 1);
    return { stale: lease, holder: undefined, now: ctx.t0 + 2 };
  }],
];

/** LeaseLostError on every fenced write without the lease, with nothing written; renewLeases; idempotent checkpoints. */
export function describeFencingCases(ctx: SuiteContext): void {
  describe('fencing', () => {
    for (const [situation, make] of SITUATIONS) {
      describe(`with ${situation}`, () => {
        for (const [name, write, needs] of FENCED_WRITES) it(`${name} is refused with LeaseLostError and writes nothing`, async ({ skip }) => {
          if (!supported(ctx, needs)) skip('the adapter does not declare capabilities.transactions');
          // A child that finished and a signal waiting: a suspend waiting for them would wake at once.
          const child = await ctx.start({ id: 'finished-child' });
          await ctx.adapter.complete(child.lease, '1', ctx.t0);
          const { stale, holder, now } = await make(ctx);
          const id = stale.workflowId;
          await ctx.adapter.sendSignal(id, 'go', '"waiting"', now);
          const before = { record: await ctx.adapter.getWorkflow(id), history: await ctx.adapter.history(id) };
          const state = holder && (await ctx.adapter.loadExecution(holder));
          await expectLeaseLost(write(ctx.adapter, stale, now), id);
          expect(await ctx.adapter.getWorkflow(id)).toEqual(before.record);
          expect(await ctx.adapter.history(id)).toEqual(before.history);
          if (!holder) return;
          expect(await ctx.adapter.loadExecution(holder)).toEqual(state);
          // The holder still owns the workflow: its checkpoint at the same position is the one stored.
          await ctx.adapter.recordStep(holder, { seq: 0, name: 'charge', kind: 'task', output: '"holder"', error: null, attempts: 1, fingerprint: null }, now);
          expect((await ctx.adapter.loadExecution(holder)).steps.map((s) => s.output)).toEqual(['"holder"']);
          await ctx.adapter.complete(holder, '"done"', now);
          expect(await ctx.adapter.getWorkflow(id)).toMatchObject({ status: 'completed', output: '"done"' });
        });
      });
    }

    it('a write with the lease after cancelWorkflow of a running workflow is refused, even repeated', async () => {
      const { lease } = await ctx.start();
      await ctx.adapter.recordStep(lease, { seq: 0, name: 'a', kind: 'now', output: '1', error: null, attempts: 1, fingerprint: null }, ctx.t0);
      const cancelled = await ctx.adapter.cancelWorkflow(lease.workflowId, ctx.t0 + 1);
      expect(cancelled!.leaseEpoch).toBeGreaterThan(lease.epoch);
      for (const [, write, needs] of FENCED_WRITES) {
        if (supported(ctx, needs)) await expectLeaseLost(write(ctx.adapter, lease, ctx.t0 + 2), lease.workflowId);
      }
      expect((await ctx.adapter.getWorkflow(lease.workflowId))!.status).toBe('cancelled');
      expect(await ctx.eventTypes(lease.workflowId)).toEqual(['created', 'claimed', 'step_completed', 'cancelled']);
    });
  });

  describe('recordStep', () => {
    it('repeated with the same seq under the same lease writes one checkpoint and one event', async () => {
      const { lease } = await ctx.start();
      const step = { seq: 0, name: 'charge', kind: 'task', output: '{"id":"ch_1"}', error: null, attempts: 1, fingerprint: null } as const;
      await ctx.adapter.recordStep(lease, step, ctx.t0 + 1);
      await ctx.adapter.recordStep(lease, step, ctx.t0 + 2);
      const repeated = { ...step, seq: 1 };
      await Promise.all([ctx.adapter.recordStep(lease, repeated, ctx.t0 + 3), ctx.adapter.recordStep(lease, repeated, ctx.t0 + 3)]);
      const { steps } = await ctx.adapter.loadExecution(lease);
      expect(steps.map((s) => [s.seq, s.output])).toEqual([[0, '{"id":"ch_1"}'], [1, '{"id":"ch_1"}']]);
      expect(await ctx.eventTypes(lease.workflowId)).toEqual(['created', 'claimed', 'step_completed', 'step_completed']);
      expect((await ctx.adapter.getWorkflow(lease.workflowId))!.status).toBe('running');
    });

    it('repeated with the same seq and other content keeps the first checkpoint (written once, never updated)', async () => {
      const { lease } = await ctx.start();
      await ctx.adapter.recordStep(lease, { seq: 0, name: 'pick', kind: 'task', output: '0.25', error: null, attempts: 1, fingerprint: 'aaaa:[1]' }, ctx.t0 + 1);
      await ctx.adapter.recordStep(lease, { seq: 0, name: 'pick', kind: 'task', output: '0.75', error: null, attempts: 2, fingerprint: 'bbbb:[2]' }, ctx.t0 + 2);
      expect((await ctx.adapter.loadExecution(lease)).steps.map((s) => [s.output, s.attempts, s.fingerprint])).toEqual([['0.25', 1, 'aaaa:[1]']]);
      expect((await ctx.eventTypes(lease.workflowId)).filter((t) => t === 'step_completed')).toHaveLength(1);
    });
  });

  describe('renewLeases', () => {
    it('extends the leases still held and returns the ids of the others only', async () => {
      const { t0 } = ctx;
      const held = [await ctx.start(), await ctx.start()];
      const reclaimed = await ctx.start({ id: 'reclaimed' });
      await ctx.adapter.release(reclaimed.lease, t0);
      const [again] = await ctx.adapter.claim(ctx.claimRequest({ queues: ['queue-of-reclaimed'], now: t0 }));
      const reclaimedNow = (await ctx.adapter.getWorkflow('reclaimed'))!;
      const cancelled = await ctx.start({ id: 'cancelled' });
      await ctx.adapter.cancelWorkflow('cancelled', t0);
      const completed = await ctx.start({ id: 'completed' });
      await ctx.adapter.complete(completed.lease, '1', t0);
      const other = await ctx.start({ id: 'other-owner' });
      const leases: Lease[] = [
        held[0]!.lease, reclaimed.lease, held[1]!.lease, cancelled.lease, completed.lease,
        { ...other.lease, owner: 'worker-intruder' }, { workflowId: 'missing', owner: 'worker-a', epoch: 1 },
      ];
      const now = t0 + 2_000;
      const lost = await ctx.adapter.renewLeases(leases, 45_000, now);
      expect([...lost].sort()).toEqual(['cancelled', 'completed', 'missing', 'other-owner', 'reclaimed']);
      for (const { lease } of held) {
        const record = (await ctx.adapter.getWorkflow(lease.workflowId))!;
        expect(record).toMatchObject({ status: 'running', leaseOwner: 'worker-a', leaseEpoch: lease.epoch });
        ctx.expectLeaseExpiry(record.nextAt, now, 45_000);
      }
      expect(again?.epoch).toBe(2);
      expect(await ctx.adapter.getWorkflow('reclaimed')).toEqual(reclaimedNow);
      expect(await ctx.adapter.getWorkflow('other-owner')).toEqual(other.record);
      expect((await ctx.adapter.getWorkflow('completed'))!.status).toBe('completed');
    });

    it('returns nothing when every lease is held, or none is given', async () => {
      const a = await ctx.start();
      const b = await ctx.start();
      expect(await ctx.adapter.renewLeases([a.lease, b.lease], 30_000, ctx.t0 + 1)).toEqual([]);
      expect(await ctx.adapter.renewLeases([], 30_000, ctx.t0 + 1)).toEqual([]);
    });

    it('keeps a renewed lease from expiring at its first expiry time', async () => {
      const { t0 } = ctx;
      // Long enough on a database clock that the margins below (400 ms) dwarf scheduling jitter.
      const leaseMs = 1_000;
      const { lease } = await ctx.start({ queue: 'default' }, { leaseMs });
      const steal = (now: number) => ctx.adapter.claim(ctx.claimRequest({ owner: 'worker-b', now }));
      if (ctx.target.leaseClock === 'now') {
        expect(await ctx.adapter.renewLeases([lease], leaseMs, t0 + 600)).toEqual([]);
        expect(await steal(t0 + leaseMs + 1)).toEqual([]);
        expect(await steal(t0 + 600 + leaseMs - 1)).toEqual([]);
        expect((await steal(t0 + 600 + leaseMs + 1)).map((c) => c.id)).toEqual([lease.workflowId]);
      } else {
        await sleep(600);
        expect(await ctx.adapter.renewLeases([lease], leaseMs, Date.now())).toEqual([]);
        await sleep(600);
        expect(await steal(Date.now())).toEqual([]);
        await sleep(600);
        expect((await steal(Date.now())).map((c) => c.id)).toEqual([lease.workflowId]);
      }
      expect(await ctx.adapter.renewLeases([lease], leaseMs, Date.now())).toEqual([lease.workflowId]);
    });
  });
}
