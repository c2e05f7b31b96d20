import { describe, expect, it } from 'vitest';
import type { Lease, PurgeRequest, StorageAdapter } from '../storage/storage-adapter.js';
import type { WorkflowStatus } from '../foundation/types.js';
import type { SuiteContext } from './context.js';

const ERROR = JSON.stringify({ $error: { name: 'Error', message: 'gave up' } });
const HOUR = 3_600_000;
const FINISHED: WorkflowStatus[] = ['completed', 'failed', 'cancelled'];

/**
 * purge: only finished workflows of the statuses asked for, finished before the cutoff, oldest first, at most
 * `limit`, with their steps, events and signals; never a child whose parent is unfinished.
 */
export function describePurgeCases(ctx: SuiteContext): void {
  /**
   * A workflow in a queue of its own that finished as `status` at `at` (finish them in increasing `at`).
   * Returns its finishedAt as stored, which cutoffs are taken from.
   */
  async function finished(id: string, status: 'completed' | 'failed' | 'cancelled', at: number, parentId: string | null = null): Promise<number> {
    if (status === 'cancelled') {
      await ctx.createWorkflow({ id, queue: `queue-of-${id}`, parentId, nextAt: ctx.t0 + HOUR });
      await ctx.adapter.cancelWorkflow(id, at);
    } else {
      const { lease } = await ctx.start({ id, parentId });
      if (status === 'completed') await ctx.adapter.complete(lease, '"done"', at);
      else await ctx.adapter.fail(lease, ERROR, null, at);
    }
    const record = await ctx.record(id);
    expect(record.status).toBe(status);
    return record.finishedAt!;
  }

  /** One of each unfinished status: pending, running, sleeping (with a wake time) and parked (without). */
  async function unfinished(): Promise<string[]> {
    const pending = await ctx.createWorkflow({ queue: 'unfinished', nextAt: ctx.t0 - HOUR, now: ctx.t0 - 10 * HOUR });
    const running = await ctx.start({ now: ctx.t0 - 10 * HOUR });
    const sleeping = await ctx.start();
    await ctx.adapter.suspend(sleeping.lease, ctx.t0 + HOUR, ctx.t0 - 9 * HOUR);
    const parked = await ctx.start();
    await ctx.adapter.suspend(parked.lease, null, ctx.t0 - 9 * HOUR);
    return [pending.id, running.lease.workflowId, sleeping.lease.workflowId, parked.lease.workflowId];
  }

  const purge = (request: Partial<PurgeRequest> & { finishedBefore: number }, adapter: StorageAdapter = ctx.adapter) =>
    adapter.purge({ statuses: FINISHED, limit: 1_000, ...request });
  const exists = async (id: string) => (await ctx.adapter.getWorkflow(id)) !== undefined;
  const surviving = async (ids: string[]) => (await Promise.all(ids.map(async (id) => ((await exists(id)) ? [id] : [])))).flat();

  /** Nothing of a purged workflow is visible any more. */
  async function expectGone(id: string, lease?: Lease): Promise<void> {
    expect(await ctx.adapter.getWorkflow(id), id).toBeUndefined();
    expect(await ctx.adapter.history(id), id).toEqual([]);
    expect((await ctx.adapter.listWorkflows({ limit: 10_000 })).map((r) => r.id)).not.toContain(id);
    if (lease) {
      // Either refused (the workflow is unknown) or empty: never the old checkpoints.
      const state = await ctx.adapter.loadExecution(lease).catch(() => undefined);
      if (state) expect({ steps: state.steps, retries: [...state.retries] }).toEqual({ steps: [], retries: [] });
    }
  }

  describe('purge', () => {
    it('deletes finished workflows of the statuses asked for that finished before the cutoff, and returns the count', async () => {
      const { t0 } = ctx;
      const keep = await unfinished();
      await finished('cancelled-1', 'cancelled', t0 - 5 * HOUR);
      await finished('completed-1', 'completed', t0 - 4 * HOUR);
      await finished('failed-1', 'failed', t0 - 3 * HOUR);
      await finished('completed-2', 'completed', t0 - 2 * HOUR);
      const cutoff = await finished('completed-3', 'completed', t0 - HOUR);
      await finished('failed-2', 'failed', t0);

      // "Before" is strict: completed-3, which finished at the cutoff, stays.
      expect(await purge({ statuses: ['completed', 'cancelled'], finishedBefore: cutoff })).toBe(3);
      for (const id of ['cancelled-1', 'completed-1', 'completed-2']) await expectGone(id);
      expect(await surviving(['failed-1', 'completed-3', 'failed-2', ...keep])).toEqual(['failed-1', 'completed-3', 'failed-2', ...keep]);
      // Nothing left to delete in those statuses.
      expect(await purge({ statuses: ['completed', 'cancelled'], finishedBefore: cutoff })).toBe(0);

      expect(await purge({ statuses: ['failed'], finishedBefore: t0 + 1 })).toBe(2);
      expect(await surviving(['failed-1', 'completed-3', 'failed-2', ...keep])).toEqual(['completed-3', ...keep]);
      // The unfinished ones survive any cutoff, and their history is untouched.
      expect(await purge({ finishedBefore: t0 + 100 * HOUR })).toBe(1);
      expect(await surviving(keep)).toEqual(keep);
      expect(await ctx.eventTypes(keep[0]!)).toEqual(['created']);
    });

    it('never deletes an unfinished workflow, even when asked for unfinished statuses or no status', async () => {
      const keep = await unfinished();
      ctx.expectTime(await finished('retried', 'failed', ctx.t0 - 5 * HOUR), ctx.t0 - 5 * HOUR);
      expect(await ctx.adapter.retryWorkflow('retried', ctx.t0 - 4 * HOUR)).toMatchObject({ status: 'pending' });
      const all = [...keep, 'retried'];
      const before = await Promise.all(all.map((id) => ctx.snapshot(id)));
      expect(await purge({ statuses: ['pending', 'running', 'sleeping'], finishedBefore: ctx.t0 + 100 * HOUR })).toBe(0);
      expect(await purge({ statuses: ['failed', 'completed', 'cancelled'], finishedBefore: ctx.t0 + 100 * HOUR })).toBe(0);
      expect(await purge({ statuses: [], finishedBefore: ctx.t0 + 100 * HOUR })).toBe(0);
      expect(await Promise.all(all.map((id) => ctx.snapshot(id)))).toEqual(before);
    });

    it('deletes the oldest first, at most limit at a time', async () => {
      const { t0 } = ctx;
      // Created in one order, finished in another: purge goes by finishing time.
      const order = ['e', 'b', 'd', 'a', 'c'];
      for (const id of ['a', 'b', 'c', 'd', 'e']) await ctx.createWorkflow({ id, queue: `queue-of-${id}` });
      const leases = new Map<string, Lease>();
      for (const id of order) {
        const [claimed] = await ctx.adapter.claim(ctx.claimRequest({ queues: [`queue-of-${id}`] }));
        leases.set(id, { workflowId: id, owner: 'worker-a', epoch: claimed!.epoch });
      }
      for (const [i, id] of order.entries()) await ctx.adapter.complete(leases.get(id)!, '1', t0 - 10 * HOUR + i * HOUR);
      const cutoff = t0;
      const all = ['a', 'b', 'c', 'd', 'e'];

      expect(await purge({ finishedBefore: cutoff, limit: 2 })).toBe(2);
      expect(await surviving(all)).toEqual(['a', 'c', 'd']);
      expect(await purge({ finishedBefore: cutoff, limit: 1 })).toBe(1);
      expect(await surviving(all)).toEqual(['a', 'c']);
      expect(await purge({ finishedBefore: cutoff, limit: 5 })).toBe(2);
      expect(await surviving(all)).toEqual([]);
      expect(await purge({ finishedBefore: cutoff, limit: 5 })).toBe(0);
    });

    it('deletes the steps, events and signals with the workflow: a new workflow with the same id starts clean', async () => {
      const { t0 } = ctx;
      const { lease } = await ctx.start({ id: 'reused', args: '["old"]' });
      await ctx.adapter.recordStep(lease, { seq: 0, name: 'charge', kind: 'task', output: '"ch_1"', error: null, attempts: 1, fingerprint: 'f:[1]' }, t0 - 3 * HOUR);
      await ctx.adapter.recordStep(lease, { seq: 1, name: 'ship', kind: 'task', output: null, error: ERROR, attempts: 2, fingerprint: null }, t0 - 3 * HOUR);
      await ctx.adapter.recordRetry(lease, { seq: 2, attempt: 1, retryAt: t0, error: ERROR }, t0 - 3 * HOUR);
      // One signal consumed by a step, one still waiting.
      expect(await ctx.adapter.sendSignal('reused', 'approve', '"first"', t0 - 3 * HOUR)).toBe('sent');
      expect(await ctx.adapter.sendSignal('reused', 'approve', '"second"', t0 - 3 * HOUR)).toBe('sent');
      expect(await ctx.adapter.receiveSignal(lease, { seq: 3, name: 'approve', deadline: null, timeoutOutput: 'null' }, t0 - 3 * HOUR)).toBe('"first"');
      await ctx.adapter.complete(lease, '"done"', t0 - 2 * HOUR);
      const bystander = await ctx.start({ id: 'bystander' });
      await ctx.adapter.recordStep(bystander.lease, { seq: 0, name: 'a', kind: 'now', output: '1', error: null, attempts: 1, fingerprint: null }, t0);
      expect(await ctx.adapter.sendSignal('bystander', 'approve', '"kept"', t0)).toBe('sent');
      const bystanderBefore = await ctx.snapshot('bystander');

      expect(await purge({ finishedBefore: t0 - HOUR })).toBe(1);
      await expectGone('reused', lease);

      // Anything left behind under that id would show up in a new workflow that takes it.
      const again = await ctx.start({ id: 'reused', args: '["new"]' });
      expect(again.record).toMatchObject({ id: 'reused', status: 'running', args: '["new"]', attempts: 1 });
      const state = await ctx.adapter.loadExecution(again.lease);
      expect({ args: state.args, steps: state.steps, retries: [...state.retries] }).toEqual({ args: '["new"]', steps: [], retries: [] });
      expect(await ctx.eventTypes('reused')).toEqual(['created', 'claimed']);
      expect(await ctx.adapter.receiveSignal(again.lease, { seq: 0, name: 'approve', deadline: null, timeoutOutput: 'null' }, t0)).toBeNull();
      expect(await ctx.adapter.receiveSignal(again.lease, { seq: 1, name: 'approve', deadline: t0 - 1, timeoutOutput: '"timed out"' }, t0)).toBe('"timed out"');

      // Another workflow's rows are untouched.
      expect(await ctx.snapshot('bystander')).toEqual(bystanderBefore);
      expect((await ctx.adapter.loadExecution(bystander.lease)).steps.map((s) => s.seq)).toEqual([0]);
      expect(await ctx.adapter.receiveSignal(bystander.lease, { seq: 1, name: 'approve', deadline: null, timeoutOutput: 'null' }, t0)).toBe('"kept"');
    });

    it('keeps a finished child while its parent is unfinished, and counts only what it deletes toward limit', async () => {
      const { t0 } = ctx;
      const old = t0 - 10 * HOUR;
      // Parents: running, parked, pending (all unfinished), and one that finishes recently (too young to purge).
      const running = await ctx.start({ id: 'p-running' });
      const parked = await ctx.start({ id: 'p-parked' });
      await ctx.adapter.suspend(parked.lease, null, old);
      await ctx.createWorkflow({ id: 'p-pending', queue: 'parents', nextAt: t0 + HOUR });
      const finishedParent = await ctx.start({ id: 'p-finished' });
      // The oldest finished rows are children of unfinished parents: an adapter that took `limit` rows and
      // then skipped those would delete nothing below.
      await finished('c-of-running', 'completed', old, 'p-running');
      await finished('c-of-parked', 'failed', old + 1, 'p-parked');
      await finished('c-of-pending', 'cancelled', old + 2, 'p-pending');
      await finished('loner', 'completed', old + 3);
      await finished('c-of-finished', 'completed', old + 4, 'p-finished');
      await finished('c-orphan', 'completed', old + 5, 'no-such-parent');
      await ctx.adapter.complete(finishedParent.lease, '1', t0);
      const all = ['c-of-running', 'c-of-parked', 'c-of-pending', 'loner', 'c-of-finished', 'c-orphan'];
      const cutoff = t0 - HOUR;

      expect(await purge({ finishedBefore: cutoff, limit: 1 })).toBe(1);
      expect(await surviving(all)).toEqual(['c-of-running', 'c-of-parked', 'c-of-pending', 'c-of-finished', 'c-orphan']);
      expect(await purge({ finishedBefore: cutoff, limit: 1 })).toBe(1);
      expect(await surviving(all)).toEqual(['c-of-running', 'c-of-parked', 'c-of-pending', 'c-orphan']);
      expect(await purge({ finishedBefore: cutoff, limit: 5 })).toBe(1);
      expect(await purge({ finishedBefore: cutoff, limit: 5 })).toBe(0);
      expect(await surviving(all)).toEqual(['c-of-running', 'c-of-parked', 'c-of-pending']);
      expect(await surviving(['p-running', 'p-parked', 'p-pending', 'p-finished'])).toEqual(['p-running', 'p-parked', 'p-pending', 'p-finished']);

      // Once its parent has finished, a child goes too (the parent stays until it is old enough itself).
      await ctx.adapter.complete(running.lease, '1', t0);
      await ctx.adapter.cancelWorkflow('p-pending', t0);
      expect(await purge({ finishedBefore: cutoff })).toBe(2);
      expect(await surviving(all)).toEqual(['c-of-parked']);
      expect(await surviving(['p-running', 'p-parked', 'p-pending', 'p-finished'])).toEqual(['p-running', 'p-parked', 'p-pending', 'p-finished']);
    });

    it('purges from two callers at once without errors, each workflow once', async () => {
      const other = ctx.target.createPeer ? await ctx.peer() : ctx.adapter;
      const ids: string[] = [];
      for (let i = 0; i < 30; i++) {
        const id = `done-${String(i).padStart(2, '0')}`;
        await finished(id, i % 3 === 0 ? 'failed' : 'completed', ctx.t0 - 2 * HOUR + i);
        ids.push(id);
      }
      const keep = await unfinished();
      // Each caller loops until it gets nothing (an adapter may let one caller purge at a time: others get 0).
      const drain = async (adapter: StorageAdapter) => {
        let total = 0;
        for (let round = 0; round < 100; round++) {
          const deleted = await purge({ finishedBefore: ctx.t0, limit: 4 }, adapter);
          if (deleted === 0) break;
          total += deleted;
        }
        return total;
      };
      const totals = await Promise.all([drain(ctx.adapter), drain(other), drain(ctx.adapter), drain(other)]);
      // Whatever one caller skipped while another held the purge, a later purge finds.
      const rest = await purge({ finishedBefore: ctx.t0 });
      expect(totals.reduce((a, b) => a + b, 0) + rest).toBe(30);
      expect(await surviving(ids)).toEqual([]);
      expect(await surviving(keep)).toEqual(keep);
      expect(await purge({ finishedBefore: ctx.t0 })).toBe(0);
    });
  });
}
