import { describe, expect, it } from 'vitest';
import type { WorkflowRecord } from '../foundation/types.js';
import { PAYLOADS, sleep, type SuiteContext } from './context.js';

const ERROR = JSON.stringify({ $error: { name: 'Error', message: 'card declined' } });

/** migrate, createWorkflow, getWorkflow, listWorkflows, history, unfinishedNames, payload round trips. */
export function describeWorkflowCases(ctx: SuiteContext): void {
  describe('createWorkflows (bulk)', () => {
    it('inserts every new workflow with its created event, and reports an existing id as not created with its stored name', async () => {
      const { t0 } = ctx;
      const existing = await ctx.createWorkflow({ name: 'invoice' });
      const inputs = [
        ctx.newWorkflow({ args: '[1]', nextAt: t0 + 1 }),
        ctx.newWorkflow({ id: existing.id, name: 'order' }),
        ctx.newWorkflow({ args: '[3]', queue: 'emails', priority: 2 }),
      ];
      const results = await ctx.adapter.createWorkflows(inputs);
      expect(results).toEqual([
        { created: true, id: inputs[0]!.id, name: 'order' },
        { created: false, id: existing.id, name: 'invoice' },
        { created: true, id: inputs[2]!.id, name: 'order' },
      ]);
      expect(await ctx.adapter.getWorkflow(inputs[2]!.id)).toMatchObject({ status: 'pending', args: '[3]', queue: 'emails', priority: 2 });
      expect(await ctx.eventTypes(inputs[0]!.id)).toEqual(['created']);
      expect(await ctx.eventTypes(existing.id)).toEqual(['created']);
      expect(await ctx.adapter.createWorkflows([])).toEqual([]);
    });

    it('honours dedupe keys (a pending duplicate stands for the new one) and 2,500 rows in one call', async () => {
      const { t0 } = ctx;
      const pending = await ctx.createWorkflow({ dedupeKey: 'k-1' });
      const many = Array.from({ length: 2_500 }, (_, i) => ctx.newWorkflow({ args: `[${i}]`, nextAt: t0 + i }));
      const results = await ctx.adapter.createWorkflows([ctx.newWorkflow({ dedupeKey: 'k-1' }), ...many]);
      expect(results[0]).toEqual({ created: false, id: pending.id, name: 'order' });
      expect(results.slice(1).every((r, i) => r.created && r.id === many[i]!.id)).toBe(true);
      expect(await ctx.adapter.getWorkflow(many[2_499]!.id)).toMatchObject({ args: '[2499]', status: 'pending' });
    });
  });

  describe('migrate and createWorkflow', () => {
    it('migrate can run again, and concurrently, on a migrated store', async () => {
      await ctx.adapter.migrate();
      await Promise.all([ctx.adapter.migrate(), ctx.adapter.migrate()]);
      const record = await ctx.createWorkflow();
      expect(await ctx.adapter.getWorkflow(record.id)).toEqual(record);
    });

    it('createWorkflow inserts a pending workflow with every field as given', async () => {
      const { t0 } = ctx;
      const input = ctx.newWorkflow({
        kind: 'job', version: 'v2', queue: 'emails', priority: 7, args: '["a",1]', parentId: 'parent-1', nextAt: t0 + 5_000,
        deadlineAt: t0 + 90_000, now: t0,
      });
      const result = await ctx.adapter.createWorkflow(input);
      expect(result.created).toBe(true);
      expect(result.record).toEqual({
        id: input.id, name: 'order', kind: 'job', version: 'v2', queue: 'emails', priority: 7, status: 'pending',
        args: '["a",1]', output: null, error: null, parentId: 'parent-1', nextAt: t0 + 5_000, deadlineAt: t0 + 90_000, dedupeKey: null, concurrencyKey: null, leaseOwner: null,
        leaseEpoch: 0, attempts: 0, recoveryAttempts: 0,
        createdAt: expect.any(Number), updatedAt: expect.any(Number), startedAt: null, finishedAt: null,
      });
      ctx.expectTime(result.record.createdAt, t0);
      expect(await ctx.adapter.getWorkflow(input.id)).toEqual(result.record);
      const events = await ctx.adapter.history(input.id);
      expect(events.map((e) => [e.type, e.workflowId, e.seq])).toEqual([['created', input.id, null]]);
    });

    it('createWorkflow stores a null deadline as null, and the deadline survives the claim', async () => {
      const { t0 } = ctx;
      const without = await ctx.createWorkflow({ deadlineAt: null });
      expect(without.deadlineAt).toBeNull();
      expect((await ctx.record(without.id)).deadlineAt).toBeNull();
      const { record } = await ctx.start({ deadlineAt: t0 + 1 });
      expect(record).toMatchObject({ status: 'running', deadlineAt: t0 + 1 });
      expect((await ctx.adapter.listWorkflows({ status: 'running' }))[0]!.deadlineAt).toBe(t0 + 1);
    });

    it('createWorkflow with a taken id returns the existing workflow unchanged, created: false', async () => {
      const first = await ctx.createWorkflow({ args: '["first"]' });
      const again = await ctx.adapter.createWorkflow(
        ctx.newWorkflow({
          id: first.id, name: 'other', queue: 'elsewhere', priority: 9, args: '["second"]', nextAt: ctx.t0 + 1, deadlineAt: ctx.t0 + 2, now: ctx.t0 + 1,
        }),
      );
      expect(again).toEqual({ created: false, record: first });
      expect(await ctx.adapter.getWorkflow(first.id)).toEqual(first);
      expect(await ctx.eventTypes(first.id)).toEqual(['created']);
    });

    it('createWorkflow with the id of a running workflow leaves it running', async () => {
      const { record } = await ctx.start();
      const again = await ctx.adapter.createWorkflow(ctx.newWorkflow({ id: record.id, now: ctx.t0 + 10 }));
      expect(again).toEqual({ created: false, record });
      expect(await ctx.eventTypes(record.id)).toEqual(['created', 'claimed']);
    });

    it('getWorkflow and history of an unknown id are undefined and empty', async () => {
      await ctx.createWorkflow({ id: 'known' });
      expect(await ctx.adapter.getWorkflow('unknown')).toBeUndefined();
      expect(await ctx.adapter.history('unknown')).toEqual([]);
    });
  });

  describe('history', () => {
    it('lists the events of one workflow oldest first, with their step and data', async () => {
      const { t0 } = ctx;
      const { lease } = await ctx.start({ queue: 'default' });
      await ctx.createWorkflow({ id: 'bystander', nextAt: t0 + 60_000 });
      await ctx.adapter.recordStep(lease, { seq: 0, name: 'reserve', kind: 'task', output: '"r-1"', error: null, attempts: 1, fingerprint: null }, t0 + 10);
      await ctx.adapter.recordRetry(lease, { seq: 1, attempt: 1, retryAt: t0 + 500, error: ERROR }, t0 + 20);
      await ctx.adapter.recordStep(lease, { seq: 1, name: 'charge', kind: 'task', output: null, error: ERROR, attempts: 2, fingerprint: null }, t0 + 30);
      await ctx.adapter.suspend(lease, t0 + 1_000, t0 + 40);
      const [woken] = await ctx.adapter.claim(ctx.claimRequest({ owner: 'worker-b', now: t0 + 1_000 }));
      expect(woken?.id).toBe(lease.workflowId);
      await ctx.adapter.complete({ workflowId: lease.workflowId, owner: 'worker-b', epoch: woken!.epoch }, '"done"', t0 + 1_010);

      const events = await ctx.adapter.history(lease.workflowId);
      expect(events.map((e) => [e.type, e.seq])).toEqual([
        ['created', null], ['claimed', null], ['step_completed', 0], ['retry_scheduled', 1], ['step_failed', 1],
        ['sleeping', null], ['woke', null], ['completed', null],
      ]);
      expect(new Set(events.map((e) => e.workflowId))).toEqual(new Set([lease.workflowId]));
      const ids = events.map((e) => e.id);
      expect(ids).toEqual([...ids].sort((a, b) => a - b));
      expect(new Set(ids).size).toBe(ids.length);
      expect(events[3]!.data).toEqual({ attempt: 1, retryAt: t0 + 500, error: JSON.parse(ERROR) });
      ctx.expectTime(events[2]!.at, t0 + 10);
      expect(await ctx.eventTypes('bystander')).toEqual(['created']);
    });
  });

  describe('listWorkflows', () => {
    /** Six workflows created a second apart (oldest first): pending, running, completed, failed, cancelled, sleeping. */
    async function seed(): Promise<Record<'pending' | 'running' | 'completed' | 'failed' | 'cancelled' | 'sleeping', WorkflowRecord>> {
      const t = (i: number) => ctx.t0 + i * 1_000;
      const drive = async (id: string, queue: string, name: string, i: number) => {
        // Real time moves a little too, for an adapter that timestamps with its own clock.
        await sleep(2);
        await ctx.createWorkflow({ id, queue, name, now: t(i), nextAt: t(i) });
        const [claimed] = await ctx.adapter.claim(ctx.claimRequest({ queues: [queue], names: [name], now: t(i) }));
        expect(claimed?.id).toBe(id);
        return { workflowId: id, owner: 'worker-a', epoch: claimed!.epoch };
      };
      await ctx.createWorkflow({ id: 'a-pending', queue: 'default', name: 'order', now: t(0), nextAt: t(0) + 3_600_000 });
      await drive('b-running', 'billing', 'invoice', 1);
      await ctx.adapter.complete(await drive('c-completed', 'billing', 'order', 2), '1', t(2));
      await ctx.adapter.fail(await drive('d-failed', 'default', 'order', 3), ERROR, null, t(3));
      await sleep(2);
      await ctx.createWorkflow({ id: 'e-cancelled', queue: 'default', name: 'invoice', now: t(4), nextAt: t(4) });
      await ctx.adapter.cancelWorkflow('e-cancelled', t(4));
      await ctx.adapter.suspend(await drive('f-sleeping', 'default', 'order', 5), t(5) + 60_000, t(5));
      const get = async (id: string) => (await ctx.adapter.getWorkflow(id))!;
      return {
        pending: await get('a-pending'), running: await get('b-running'), completed: await get('c-completed'),
        failed: await get('d-failed'), cancelled: await get('e-cancelled'), sleeping: await get('f-sleeping'),
      };
    }
    const ids = (records: WorkflowRecord[]) => records.map((r) => r.id);

    it('returns whole records, newest first', async () => {
      const seeded = await seed();
      const all = await ctx.adapter.listWorkflows({});
      expect(ids(all)).toEqual(['f-sleeping', 'e-cancelled', 'd-failed', 'c-completed', 'b-running', 'a-pending']);
      expect(all[0]).toEqual(seeded.sleeping);
      expect(all.map((r) => r.status)).toEqual(['sleeping', 'cancelled', 'failed', 'completed', 'running', 'pending']);
    });

    it('filters by one status or several', async () => {
      await seed();
      expect(ids(await ctx.adapter.listWorkflows({ status: 'pending' }))).toEqual(['a-pending']);
      expect(ids(await ctx.adapter.listWorkflows({ status: 'running' }))).toEqual(['b-running']);
      expect(ids(await ctx.adapter.listWorkflows({ status: ['completed', 'failed'] }))).toEqual(['d-failed', 'c-completed']);
      expect(ids(await ctx.adapter.listWorkflows({ status: ['cancelled'] }))).toEqual(['e-cancelled']);
    });

    it('filters by name and queue, combined with status and limit', async () => {
      await seed();
      expect(ids(await ctx.adapter.listWorkflows({ name: 'invoice' }))).toEqual(['e-cancelled', 'b-running']);
      expect(ids(await ctx.adapter.listWorkflows({ queue: 'billing' }))).toEqual(['c-completed', 'b-running']);
      expect(ids(await ctx.adapter.listWorkflows({ name: 'order', queue: 'default', status: ['pending', 'sleeping'] }))).toEqual([
        'f-sleeping', 'a-pending',
      ]);
      expect(ids(await ctx.adapter.listWorkflows({ limit: 2 }))).toEqual(['f-sleeping', 'e-cancelled']);
      expect(ids(await ctx.adapter.listWorkflows({ queue: 'default', limit: 1 }))).toEqual(['f-sleeping']);
      expect(await ctx.adapter.listWorkflows({ name: 'nothing' })).toEqual([]);
    });

    it('returns at most 100 records without a limit', async () => {
      for (let i = 0; i < 101; i++) await ctx.createWorkflow({ now: ctx.t0 + i });
      expect(await ctx.adapter.listWorkflows({})).toHaveLength(100);
      expect(await ctx.adapter.listWorkflows({ limit: 101 })).toHaveLength(101);
    });
  });

  describe('unfinishedNames', () => {
    it('names each unfinished workflow once and skips finished ones', async () => {
      expect(await ctx.adapter.unfinishedNames()).toEqual([]);
      await ctx.createWorkflow({ name: 'a-pending' });
      await ctx.createWorkflow({ name: 'a-pending' });
      await ctx.start({ name: 'b-running' });
      const sleeping = await ctx.start({ name: 'c-sleeping' });
      await ctx.adapter.suspend(sleeping.lease, ctx.t0 + 60_000, ctx.t0);
      await ctx.adapter.complete((await ctx.start({ name: 'd-completed' })).lease, '1', ctx.t0);
      await ctx.adapter.fail((await ctx.start({ name: 'e-failed' })).lease, ERROR, null, ctx.t0);
      await ctx.adapter.cancelWorkflow((await ctx.createWorkflow({ name: 'f-cancelled' })).id, ctx.t0);
      expect((await ctx.adapter.unfinishedNames()).sort()).toEqual(['a-pending', 'b-running', 'c-sleeping']);
    });
  });

  describe('payloads are stored and returned byte-identical', () => {
    it.each(PAYLOADS)('%s', async (_label, payload) => {
      const { t0 } = ctx;
      const { lease } = await ctx.start({ args: payload });
      const id = lease.workflowId;
      expect((await ctx.adapter.getWorkflow(id))!.args).toBe(payload);
      expect((await ctx.adapter.listWorkflows({}))[0]!.args).toBe(payload);
      // A fingerprint is `<hash>:<preview of the arguments>`: the preview carries the same content.
      const fingerprint = `9f86d081:${payload}`;
      await ctx.adapter.recordStep(lease, { seq: 0, name: 'a', kind: 'task', output: payload, error: null, attempts: 1, fingerprint }, t0);
      await ctx.adapter.recordStep(lease, { seq: 1, name: 'b', kind: 'task', output: null, error: payload, attempts: 1, fingerprint: null }, t0);
      await ctx.adapter.recordRetry(lease, { seq: 2, attempt: 1, retryAt: t0 + 1, error: payload }, t0);
      const state = await ctx.adapter.loadExecution(lease);
      expect(state.args).toBe(payload);
      expect(state.steps.map((s) => [s.output, s.error])).toEqual([[payload, null], [null, payload]]);
      expect(state.steps[0]!.output).toBe(payload);
      expect(state.steps[1]!.error).toBe(payload);
      expect(state.steps.map((s) => s.fingerprint)).toEqual([fingerprint, null]);
      await ctx.adapter.complete(lease, payload, t0);
      expect((await ctx.adapter.getWorkflow(id))!.output).toBe(payload);
      // The runtime reads a serialized error embedded in event data back as parsed JSON.
      const retry = (await ctx.adapter.history(id)).find((e) => e.type === 'retry_scheduled');
      expect(retry?.data?.error).toEqual(JSON.parse(payload));

      const failing = await ctx.start();
      await ctx.adapter.fail(failing.lease, payload, null, t0);
      expect((await ctx.adapter.getWorkflow(failing.lease.workflowId))!.error).toBe(payload);
      const failed = (await ctx.adapter.history(failing.lease.workflowId)).at(-1);
      expect(failed?.type).toBe('failed');
      expect(failed?.data?.error).toEqual(JSON.parse(payload));
    });
  });
}
