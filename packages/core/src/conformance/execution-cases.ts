import { describe, expect, it } from 'vitest';
import type { ExecutionState } from '../storage/storage-adapter.js';
import type { SuiteContext } from './context.js';

const ERROR = JSON.stringify({ $error: { name: 'Error', message: 'upstream 503' } });
const CHARGE_FP = '5d41402a:[{"orderId":"o-1","amount":42}]';
const SHIP_FP = 'c4ca4238:["o-1","Gießen 🚚"]';

/** The retries of an execution as `[seq, attempt, retryAt]`, by seq (an adapter may carry more fields). */
function retries(state: ExecutionState): [number, number, number][] {
  return [...state.retries].map(([seq, r]): [number, number, number] => [seq, r.attempt, r.retryAt]).sort((a, b) => a[0] - b[0]);
}

/** loadExecution (args, checkpoints, retries) and retryWorkflow. */
export function describeExecutionCases(ctx: SuiteContext): void {
  const reclaim = (id: string, now: number, owner?: string) => ctx.reclaim(id, now, owner);

  describe('the state a claim returns', () => {
    it('is, when the claim returns one, what loadExecution returns for the new lease: for a first start and a resumed one', async () => {
      const { t0 } = ctx;
      const { lease, claimed } = await ctx.start({ args: '["first"]', deadlineAt: t0 + 60_000 });
      if (claimed.state) expect(claimed.state).toEqual(await ctx.adapter.loadExecution(lease));
      await ctx.adapter.recordStep(lease, { seq: 0, name: 'charge', kind: 'task', output: '"ch_1"', error: null, attempts: 2, fingerprint: CHARGE_FP }, t0 + 1);
      await ctx.adapter.recordRetry(lease, { seq: 1, attempt: 1, retryAt: t0 + 1_000, error: ERROR }, t0 + 2);
      await ctx.adapter.release(lease, t0 + 3);
      const [resumed] = await ctx.adapter.claim(ctx.claimRequest({ queues: [`queue-of-${lease.workflowId}`], owner: 'worker-b', now: t0 + 3 }));
      expect(resumed?.id).toBe(lease.workflowId);
      if (resumed!.state) {
        const next = { workflowId: lease.workflowId, owner: 'worker-b', epoch: resumed!.epoch };
        expect(resumed!.state).toEqual(await ctx.adapter.loadExecution(next));
        expect(resumed!.state.steps.map((s) => s.output)).toEqual(['"ch_1"']);
        expect(retries(resumed!.state)).toEqual([[1, 1, t0 + 1_000]]);
      }
    });
  });

  describe('loadExecution', () => {
    it('returns the arguments and the checkpoints ordered by seq', async () => {
      const { t0 } = ctx;
      const { lease } = await ctx.start({ args: '[{"orderId":"o-1"}]' });
      await ctx.adapter.recordStep(lease, { seq: 2, name: 'nap', kind: 'sleep', output: String(t0 + 5), error: null, attempts: 1, fingerprint: null }, t0 + 3);
      await ctx.adapter.recordStep(lease, { seq: 0, name: 'charge', kind: 'task', output: '"ch_1"', error: null, attempts: 3, fingerprint: CHARGE_FP }, t0 + 1);
      await ctx.adapter.recordStep(lease, { seq: 1, name: 'ship', kind: 'task', output: null, error: ERROR, attempts: 2, fingerprint: SHIP_FP }, t0 + 2);
      await ctx.adapter.recordStep(lease, { seq: 10, name: 'stamp', kind: 'now', output: String(t0), error: null, attempts: 1, fingerprint: null }, t0 + 4);
      const state = await ctx.adapter.loadExecution(lease);
      expect(state.args).toBe('[{"orderId":"o-1"}]');
      const id = lease.workflowId;
      expect(state.steps).toEqual([
        { workflowId: id, seq: 0, name: 'charge', kind: 'task', output: '"ch_1"', error: null, attempts: 3, fingerprint: CHARGE_FP, createdAt: expect.any(Number) },
        { workflowId: id, seq: 1, name: 'ship', kind: 'task', output: null, error: ERROR, attempts: 2, fingerprint: SHIP_FP, createdAt: expect.any(Number) },
        { workflowId: id, seq: 2, name: 'nap', kind: 'sleep', output: String(t0 + 5), error: null, attempts: 1, fingerprint: null, createdAt: expect.any(Number) },
        { workflowId: id, seq: 10, name: 'stamp', kind: 'now', output: String(t0), error: null, attempts: 1, fingerprint: null, createdAt: expect.any(Number) },
      ]);
      ctx.expectTime(state.steps[0]!.createdAt, t0 + 1);
      expect(state.retries.size).toBe(0);
      expect(state.deadlineAt).toBeNull();
    });

    it('returns the deadline of the workflow', async () => {
      const { t0 } = ctx;
      const { lease } = await ctx.start({ deadlineAt: t0 + 86_400_000 });
      expect((await ctx.adapter.loadExecution(lease)).deadlineAt).toBe(t0 + 86_400_000);
      // A deadline already past is returned as it is (the runtime, not the storage, acts on it).
      const past = await ctx.start({ deadlineAt: t0 - 1 });
      expect((await ctx.adapter.loadExecution(past.lease)).deadlineAt).toBe(t0 - 1);
    });

    it('returns the latest failed attempt of each step from recordRetry, across a new lease', async () => {
      const { t0 } = ctx;
      const { lease } = await ctx.start();
      await ctx.adapter.recordRetry(lease, { seq: 0, attempt: 1, retryAt: t0 + 1_000, error: ERROR }, t0);
      await ctx.adapter.recordRetry(lease, { seq: 3, attempt: 1, retryAt: t0 + 1_500, error: ERROR }, t0 + 1);
      await ctx.adapter.recordRetry(lease, { seq: 0, attempt: 2, retryAt: t0 + 4_000, error: ERROR }, t0 + 2);
      const expected = [[0, 2, t0 + 4_000], [3, 1, t0 + 1_500]];
      expect(retries(await ctx.adapter.loadExecution(lease))).toEqual(expected);
      expect((await ctx.eventTypes(lease.workflowId)).filter((t) => t === 'retry_scheduled')).toHaveLength(3);
      await ctx.adapter.release(lease, t0 + 3);
      const next = await reclaim(lease.workflowId, t0 + 3);
      expect(retries(await ctx.adapter.loadExecution(next))).toEqual(expected);
    });

    it('forgets the failed attempts recorded before retryWorkflow', async () => {
      const { t0 } = ctx;
      const { lease } = await ctx.start();
      await ctx.adapter.recordRetry(lease, { seq: 0, attempt: 1, retryAt: t0 + 10, error: ERROR }, t0);
      await ctx.adapter.recordRetry(lease, { seq: 0, attempt: 2, retryAt: t0 + 20, error: ERROR }, t0 + 1);
      await ctx.adapter.recordStep(lease, { seq: 0, name: 'call', kind: 'task', output: null, error: ERROR, attempts: 3, fingerprint: null }, t0 + 2);
      await ctx.adapter.fail(lease, ERROR, 0, t0 + 3);
      await ctx.adapter.retryWorkflow(lease.workflowId, t0 + 100);
      const next = await reclaim(lease.workflowId, t0 + 100);
      const state = await ctx.adapter.loadExecution(next);
      expect(state.retries.size).toBe(0);
      expect(state.steps).toEqual([]);
      await ctx.adapter.recordRetry(next, { seq: 0, attempt: 1, retryAt: t0 + 200, error: ERROR }, t0 + 101);
      expect(retries(await ctx.adapter.loadExecution(next))).toEqual([[0, 1, t0 + 200]]);
    });
  });

  describe('retryWorkflow', () => {
    it('makes a failed workflow pending again, discarding only the failed step and resetting recovery', async () => {
      const { t0 } = ctx;
      const first = await ctx.start({}, { leaseMs: ctx.shortLeaseMs });
      const id = first.lease.workflowId;
      const now = await ctx.expireLease(t0, ctx.shortLeaseMs);
      const lease = await reclaim(id, now);
      expect((await ctx.adapter.getWorkflow(id))!.recoveryAttempts).toBe(1);
      await ctx.adapter.recordStep(lease, { seq: 0, name: 'a', kind: 'task', output: '"a"', error: null, attempts: 1, fingerprint: null }, now);
      await ctx.adapter.recordStep(lease, { seq: 1, name: 'b', kind: 'now', output: '1', error: null, attempts: 1, fingerprint: null }, now);
      await ctx.adapter.recordStep(lease, { seq: 2, name: 'c', kind: 'task', output: null, error: ERROR, attempts: 4, fingerprint: null }, now);
      await ctx.adapter.fail(lease, ERROR, 2, now + 1);

      const retried = await ctx.adapter.retryWorkflow(id, now + 100);
      expect(retried).toMatchObject({ id, status: 'pending', recoveryAttempts: 0 });
      ctx.expectTime(retried!.nextAt, now + 100);
      expect(await ctx.adapter.getWorkflow(id)).toEqual(retried);
      expect((await ctx.eventTypes(id)).at(-1)).toBe('retried');

      const again = await reclaim(id, Math.max(now + 100, retried!.nextAt!), 'worker-c');
      expect(again.epoch).toBeGreaterThan(lease.epoch);
      expect((await ctx.eventTypes(id)).at(-1)).toBe('claimed');
      expect((await ctx.adapter.loadExecution(again)).steps.map((s) => [s.seq, s.output])).toEqual([[0, '"a"'], [1, '1']]);
    });

    it('after a second failure discards the step of the latest one', async () => {
      const { t0 } = ctx;
      const { lease } = await ctx.start();
      const id = lease.workflowId;
      await ctx.adapter.recordStep(lease, { seq: 0, name: 'a', kind: 'task', output: '"a"', error: null, attempts: 1, fingerprint: null }, t0);
      await ctx.adapter.recordStep(lease, { seq: 1, name: 'b', kind: 'task', output: null, error: ERROR, attempts: 1, fingerprint: null }, t0);
      await ctx.adapter.fail(lease, ERROR, 1, t0);
      await ctx.adapter.retryWorkflow(id, t0 + 10);
      const second = await reclaim(id, t0 + 10);
      await ctx.adapter.recordStep(second, { seq: 1, name: 'b', kind: 'task', output: '"b"', error: null, attempts: 1, fingerprint: null }, t0 + 11);
      await ctx.adapter.recordStep(second, { seq: 2, name: 'c', kind: 'task', output: null, error: ERROR, attempts: 1, fingerprint: null }, t0 + 12);
      await ctx.adapter.fail(second, ERROR, 2, t0 + 13);
      await ctx.adapter.retryWorkflow(id, t0 + 20);
      const third = await reclaim(id, t0 + 20, 'worker-c');
      expect((await ctx.adapter.loadExecution(third)).steps.map((s) => [s.seq, s.output])).toEqual([[0, '"a"'], [1, '"b"']]);
    });

    it('keeps every checkpoint when the failure was not a step', async () => {
      const { lease } = await ctx.start();
      await ctx.adapter.recordStep(lease, { seq: 0, name: 'a', kind: 'task', output: '"a"', error: null, attempts: 1, fingerprint: null }, ctx.t0);
      await ctx.adapter.fail(lease, ERROR, null, ctx.t0);
      expect((await ctx.adapter.retryWorkflow(lease.workflowId, ctx.t0 + 10))!.status).toBe('pending');
      const next = await reclaim(lease.workflowId, ctx.t0 + 10);
      expect((await ctx.adapter.loadExecution(next)).steps.map((s) => s.seq)).toEqual([0]);
    });

    it('returns a workflow that is not failed unchanged, without an event', async () => {
      const pending = await ctx.createWorkflow();
      const running = await ctx.start();
      const sleeping = await ctx.start();
      await ctx.adapter.suspend(sleeping.lease, ctx.t0 + 60_000, ctx.t0);
      const completed = await ctx.start();
      await ctx.adapter.complete(completed.lease, '"ok"', ctx.t0);
      const cancelled = await ctx.createWorkflow();
      await ctx.adapter.cancelWorkflow(cancelled.id, ctx.t0);
      const ids = [pending.id, running.lease.workflowId, sleeping.lease.workflowId, completed.lease.workflowId, cancelled.id];
      for (const id of ids) {
        const before = { record: await ctx.adapter.getWorkflow(id), history: await ctx.adapter.history(id) };
        expect(await ctx.adapter.retryWorkflow(id, ctx.t0 + 1_000)).toEqual(before.record);
        expect(await ctx.adapter.getWorkflow(id)).toEqual(before.record);
        expect(await ctx.adapter.history(id)).toEqual(before.history);
      }
      expect(await ctx.adapter.retryWorkflow('unknown', ctx.t0)).toBeUndefined();
    });
  });
}
