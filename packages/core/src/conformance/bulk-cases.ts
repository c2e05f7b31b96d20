import { describe, expect, it } from 'vitest';
import type { WorkflowStatus } from '../foundation/types.js';
import type { WorkflowRef, WorkflowSelection } from '../storage/workflow-selection.js';
import { expectLeaseLost, type SuiteContext } from './context.js';

const UNFINISHED: WorkflowStatus[] = ['pending', 'running', 'sleeping'];
const FINISHED: WorkflowStatus[] = ['completed', 'failed', 'cancelled'];
const ALL: WorkflowStatus[] = [...UNFINISHED, ...FINISHED];
const ERROR = JSON.stringify({ $error: { name: 'Error', message: 'gave up' } });

/**
 * The storage side of bulk operations: concurrencyKey stored, selectWorkflows (filters, creation order,
 * keyset pages), countWorkflows, cancelWorkflows (as cancelWorkflow, for a batch) and purgeWorkflows.
 */
export function describeBulkCases(ctx: SuiteContext): void {
  /** Every id matching, page by page of `limit`, as a bulk operation walks them. */
  async function walk(selection: WorkflowSelection, limit: number): Promise<string[]> {
    const ids: string[] = [];
    let after: WorkflowRef | null = null;
    for (let page = 0; page < 1_000; page++) {
      const refs = await ctx.adapter.selectWorkflows(selection, after, limit);
      expect(refs.length).toBeLessThanOrEqual(limit);
      ids.push(...refs.map((r) => r.id));
      if (refs.length < limit) return ids;
      after = refs[refs.length - 1]!;
    }
    throw new Error('selectWorkflows never ran out');
  }

  /** Five workflows with distinct fields, created at t0-5h … t0-1h (ids bulk-1 … bulk-5), plus a failed and a completed one. */
  async function seed(): Promise<void> {
    const { t0 } = ctx;
    const h = 3_600_000;
    await ctx.createWorkflow({ id: 'bulk-1', name: 'order', queue: 'q1', concurrencyKey: 'tenant-a', now: t0 - 5 * h, nextAt: t0 + h });
    await ctx.createWorkflow({ id: 'bulk-2', name: 'order', queue: 'q2', concurrencyKey: 'tenant-b', now: t0 - 4 * h, nextAt: t0 + h });
    await ctx.createWorkflow({ id: 'bulk-3', name: 'invoice', queue: 'q1', concurrencyKey: 'tenant-a', now: t0 - 3 * h, nextAt: t0 + h });
    await ctx.createWorkflow({ id: 'bulk-4', name: 'invoice', queue: 'q2', now: t0 - 2 * h, nextAt: t0 + h });
    // Same creation time as bulk-4: ties are ordered by id.
    await ctx.createWorkflow({ id: 'bulk-4b', name: 'order', queue: 'q2', concurrencyKey: 'tenant-a', now: t0 - 2 * h, nextAt: t0 + h });
    const failed = await ctx.start({ id: 'bulk-5', concurrencyKey: 'tenant-a', now: t0 - h });
    await ctx.adapter.fail(failed.lease, ERROR, null, t0);
    const completed = await ctx.start({ id: 'bulk-6', concurrencyKey: 'tenant-b', now: t0 - h / 2 });
    await ctx.adapter.complete(completed.lease, '"done"', t0);
  }

  describe('concurrencyKey', () => {
    it('is stored as given by createWorkflow and createWorkflows, null without one', async () => {
      const keyed = await ctx.createWorkflow({ concurrencyKey: 'tenant-ä ✓' });
      const plain = await ctx.createWorkflow();
      const [many] = await ctx.adapter.createWorkflows([ctx.newWorkflow({ id: 'many-1', concurrencyKey: 'tenant-b' })]);
      expect(many!.created).toBe(true);
      expect([keyed.concurrencyKey, plain.concurrencyKey]).toEqual(['tenant-ä ✓', null]);
      expect((await ctx.record(keyed.id)).concurrencyKey).toBe('tenant-ä ✓');
      expect((await ctx.record('many-1')).concurrencyKey).toBe('tenant-b');
    });
  });

  describe('selectWorkflows and countWorkflows', () => {
    it('select by status, name, queue, creation time, concurrencyKey and ids, all together, oldest first (ties by id)', async () => {
      await seed();
      const { t0 } = ctx;
      const h = 3_600_000;
      const ids = async (selection: WorkflowSelection) => {
        const found = (await ctx.adapter.selectWorkflows(selection, null, 100)).map((r) => r.id);
        expect(await ctx.adapter.countWorkflows(selection)).toBe(found.length);
        return found;
      };
      expect(await ids({ statuses: ALL })).toEqual(['bulk-1', 'bulk-2', 'bulk-3', 'bulk-4', 'bulk-4b', 'bulk-5', 'bulk-6']);
      expect(await ids({ statuses: ['pending'] })).toEqual(['bulk-1', 'bulk-2', 'bulk-3', 'bulk-4', 'bulk-4b']);
      expect(await ids({ statuses: ['failed', 'completed'] })).toEqual(['bulk-5', 'bulk-6']);
      expect(await ids({ statuses: ALL, name: 'invoice' })).toEqual(['bulk-3', 'bulk-4']);
      expect(await ids({ statuses: ALL, queue: 'q2' })).toEqual(['bulk-2', 'bulk-4', 'bulk-4b']);
      expect(await ids({ statuses: ALL, createdBefore: t0 - 3 * h })).toEqual(['bulk-1', 'bulk-2']);
      expect(await ids({ statuses: ALL, concurrencyKey: 'tenant-a' })).toEqual(['bulk-1', 'bulk-3', 'bulk-4b', 'bulk-5']);
      expect(await ids({ statuses: ALL, ids: ['bulk-6', 'bulk-2', 'no-such-id'] })).toEqual(['bulk-2', 'bulk-6']);
      expect(await ids({ statuses: ['pending'], name: 'order', queue: 'q2', concurrencyKey: 'tenant-a', createdBefore: t0 })).toEqual(['bulk-4b']);
      expect(await ids({ statuses: ['running'] })).toEqual([]);
      expect(await ids({ statuses: ALL, ids: [] })).toEqual([]);
      const [first] = await ctx.adapter.selectWorkflows({ statuses: ALL }, null, 1);
      expect(first).toEqual({ id: 'bulk-1', createdAt: t0 - 5 * h });
    });

    it('pages after a position by creation time and id, never repeating or skipping one, ties included', async () => {
      const { t0 } = ctx;
      // Ten workflows at three creation times, created out of order.
      for (const [i, at] of [[5, 1], [1, 0], [9, 2], [3, 1], [0, 0], [7, 2], [2, 0], [4, 1], [8, 2], [6, 2]] as const) {
        await ctx.createWorkflow({ id: `page-${i}`, now: t0 + at });
      }
      const expected = Array.from({ length: 10 }, (_, i) => `page-${i}`);
      for (const limit of [1, 3, 4, 10, 11]) expect(await walk({ statuses: ALL }, limit), `pages of ${limit}`).toEqual(expected);
      const after = { id: 'page-4', createdAt: t0 + 1 };
      expect((await ctx.adapter.selectWorkflows({ statuses: ALL }, after, 100)).map((r) => r.id)).toEqual(['page-5', 'page-6', 'page-7', 'page-8', 'page-9']);
    });
  });

  describe('cancelWorkflows', () => {
    it('cancels the unfinished ones of the batch in the statuses asked for, with their descendants, and fences running executions out', async () => {
      const { t0 } = ctx;
      const pending = await ctx.createWorkflow({ nextAt: t0 + 60_000 });
      const running = await ctx.start();
      const child = await ctx.createWorkflow({ id: `${running.lease.workflowId}/0`, parentId: running.lease.workflowId });
      const sleeping = await ctx.start();
      await ctx.adapter.suspend(sleeping.lease, t0 + 60_000, t0 + 1);
      const done = await ctx.start();
      await ctx.adapter.complete(done.lease, '"done"', t0 + 1);
      const ids = [pending.id, running.lease.workflowId, sleeping.lease.workflowId, done.lease.workflowId, 'no-such-id'];

      // Only the statuses asked for: the sleeping one stays.
      const cancelled = await ctx.adapter.cancelWorkflows(ids, ['pending', 'running'], t0 + 10);
      expect([...cancelled].sort()).toEqual([pending.id, running.lease.workflowId].sort());
      for (const id of [pending.id, running.lease.workflowId, child.id]) {
        expect(await ctx.record(id)).toMatchObject({ status: 'cancelled', nextAt: null, leaseOwner: null, finishedAt: t0 + 10 });
      }
      expect(await ctx.eventTypes(child.id)).toEqual(['created', 'cancelled']);
      expect((await ctx.adapter.history(child.id)).at(-1)!.data).toEqual({ by: running.lease.workflowId });
      expect((await ctx.record(sleeping.lease.workflowId)).status).toBe('sleeping');
      expect((await ctx.record(done.lease.workflowId)).status).toBe('completed');
      await expectLeaseLost(
        ctx.adapter.recordStep(running.lease, { seq: 0, name: 'a', kind: 'task', output: '1', error: null, attempts: 1, fingerprint: null }, t0 + 20),
        running.lease.workflowId,
      );
      // A second call finds nothing left to cancel.
      expect(await ctx.adapter.cancelWorkflows(ids, UNFINISHED, t0 + 30)).toEqual([sleeping.lease.workflowId]);
      expect(await ctx.adapter.cancelWorkflows(ids, UNFINISHED, t0 + 40)).toEqual([]);
      expect(await ctx.adapter.cancelWorkflows([], UNFINISHED, t0 + 40)).toEqual([]);
    });

    it('wakes the parent of a cancelled child that waits for it', async () => {
      const { t0 } = ctx;
      const parent = await ctx.start();
      const child = await ctx.createWorkflow({ id: `${parent.lease.workflowId}/0`, parentId: parent.lease.workflowId, nextAt: t0 + 60_000 });
      await ctx.adapter.suspend(parent.lease, null, t0 + 1, { children: [child.id] });
      expect(await ctx.adapter.cancelWorkflows([child.id], UNFINISHED, t0 + 500)).toEqual([child.id]);
      expect(await ctx.record(parent.lease.workflowId)).toMatchObject({ status: 'sleeping', nextAt: t0 + 500 });
    });
  });

  describe('purgeWorkflows', () => {
    it('deletes the finished ones of the batch in the statuses asked for, with their history, keeping children of unfinished parents', async () => {
      const { t0 } = ctx;
      const completed = await ctx.start();
      await ctx.adapter.recordStep(completed.lease, { seq: 0, name: 'a', kind: 'task', output: '1', error: null, attempts: 1, fingerprint: null }, t0 + 1);
      await ctx.adapter.complete(completed.lease, '"done"', t0 + 2);
      const failed = await ctx.start();
      await ctx.adapter.fail(failed.lease, ERROR, null, t0 + 2);
      const parent = await ctx.start();
      const orphanable = await ctx.start({ id: `${parent.lease.workflowId}/0`, parentId: parent.lease.workflowId });
      await ctx.adapter.complete(orphanable.lease, '"child done"', t0 + 2);
      const pending = await ctx.createWorkflow({ nextAt: t0 + 60_000 });
      const ids = [completed.lease.workflowId, failed.lease.workflowId, orphanable.lease.workflowId, pending.id, 'no-such-id'];

      expect(await ctx.adapter.purgeWorkflows(ids, ['completed'])).toBe(1);
      expect(await ctx.adapter.getWorkflow(completed.lease.workflowId)).toBeUndefined();
      expect(await ctx.adapter.history(completed.lease.workflowId)).toEqual([]);
      expect(await ctx.adapter.listSteps(completed.lease.workflowId)).toEqual([]);
      // The child's parent runs: kept. The failed one was not asked for; the pending one is unfinished.
      expect(await ctx.adapter.purgeWorkflows(ids, ['failed', 'pending', 'running'])).toBe(1);
      for (const id of [orphanable.lease.workflowId, pending.id]) expect(await ctx.adapter.getWorkflow(id), id).toBeDefined();
      expect(await ctx.adapter.getWorkflow(failed.lease.workflowId)).toBeUndefined();
      await ctx.adapter.complete(parent.lease, '"parent done"', t0 + 3);
      expect(await ctx.adapter.purgeWorkflows(ids, FINISHED)).toBe(1);
      expect(await ctx.adapter.getWorkflow(orphanable.lease.workflowId)).toBeUndefined();
      expect(await ctx.adapter.purgeWorkflows([], FINISHED)).toBe(0);
    });
  });
}
