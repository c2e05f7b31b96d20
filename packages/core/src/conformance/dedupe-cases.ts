import { describe, expect, it } from 'vitest';
import type { CreateWorkflowResult, StorageAdapter } from '../storage/storage-adapter.js';
import { withoutUpdatedAt, type SuiteContext } from './context.js';

/** createWorkflow with a dedupeKey: deduplication against pending workflows, debounce, races. */
export function describeDedupeCases(ctx: SuiteContext): void {
  describe('createWorkflow with a dedupeKey', () => {
    it('stores the dedupeKey in the record; without one it is null', async () => {
      const keyed = await ctx.createWorkflow({ dedupeKey: 'order:o-1 ✓' });
      const plain = await ctx.createWorkflow();
      const explicitNull = await ctx.createWorkflow({ dedupeKey: null });
      expect([keyed.dedupeKey, plain.dedupeKey, explicitNull.dedupeKey]).toEqual(['order:o-1 ✓', null, null]);
      expect((await ctx.record(keyed.id)).dedupeKey).toBe('order:o-1 ✓');
      expect((await ctx.adapter.listWorkflows({})).map((r) => [r.id, r.dedupeKey]).sort()).toEqual(
        [[keyed.id, 'order:o-1 ✓'], [plain.id, null], [explicitNull.id, null]].sort(),
      );
      // The key survives the claim and the finish.
      const { lease } = await ctx.start({ dedupeKey: 'k-started' });
      await ctx.adapter.complete(lease, '1', ctx.t0);
      expect((await ctx.record(lease.workflowId)).dedupeKey).toBe('k-started');
      // Workflows without a key never count as duplicates of each other.
      expect(await ctx.adapter.listWorkflows({ status: 'pending' })).toHaveLength(3);
    });

    it('a pending workflow of the same name and key is returned unchanged, created: false, and nothing is inserted', async () => {
      const { t0 } = ctx;
      const first = await ctx.createWorkflow({ dedupeKey: 'k', args: '["first"]', nextAt: t0 + 5_000, priority: 1 });
      for (const debounce of [undefined, false]) {
        const input = ctx.newWorkflow({ dedupeKey: 'k', args: '["second"]', nextAt: t0 + 1_000, priority: 9, queue: 'other', now: t0 + 10, debounce });
        expect(await ctx.adapter.createWorkflow(input)).toEqual({ created: false, record: first });
        expect(await ctx.adapter.getWorkflow(input.id)).toBeUndefined();
        expect(await ctx.adapter.history(input.id)).toEqual([]);
      }
      expect(await ctx.adapter.getWorkflow(first.id)).toEqual(first);
      expect(await ctx.eventTypes(first.id)).toEqual(['created']);
      expect(await ctx.adapter.listWorkflows({})).toHaveLength(1);
      // Still due at its own time, not the duplicate's.
      expect(await ctx.adapter.claim(ctx.claimRequest({ queues: ['default', 'other'], now: t0 + 4_999 }))).toEqual([]);
    });

    it('with debounce, the pending workflow takes the new args and nextAt (the last call wins), with a debounced event', async () => {
      const { t0 } = ctx;
      const first = await ctx.createWorkflow({ dedupeKey: 'k', args: '["v1"]', nextAt: t0 + 5_000 });
      const second = ctx.newWorkflow({ dedupeKey: 'k', debounce: true, args: '["v2"]', nextAt: t0 + 8_000, priority: 9, queue: 'other', now: t0 + 100 });
      const result = await ctx.adapter.createWorkflow(second);
      expect(result.created).toBe(false);
      // Only the arguments and the start time change: the id, name, queue, priority and the rest are the first's.
      expect(withoutUpdatedAt(result.record)).toEqual(withoutUpdatedAt({ ...first, args: '["v2"]', nextAt: t0 + 8_000 }));
      expect(await ctx.adapter.getWorkflow(first.id)).toEqual(result.record);
      expect(await ctx.adapter.getWorkflow(second.id)).toBeUndefined();
      expect(await ctx.eventTypes(first.id)).toEqual(['created', 'debounced']);
      ctx.expectTime((await ctx.adapter.history(first.id))[1]!.at, t0 + 100);

      // A later call moves the start earlier too, and takes its arguments.
      const third = await ctx.adapter.createWorkflow(ctx.newWorkflow({ dedupeKey: 'k', debounce: true, args: '["v3"]', nextAt: t0 + 2_000, now: t0 + 200 }));
      expect(third.record).toMatchObject({ id: first.id, status: 'pending', args: '["v3"]', nextAt: t0 + 2_000 });
      expect(await ctx.eventTypes(first.id)).toEqual(['created', 'debounced', 'debounced']);
      expect(await ctx.adapter.listWorkflows({})).toHaveLength(1);
      expect(await ctx.adapter.claim(ctx.claimRequest({ now: t0 + 1_999 }))).toEqual([]);
      const [claimed] = await ctx.adapter.claim(ctx.claimRequest({ now: t0 + 2_000 }));
      expect(claimed?.id).toBe(first.id);
      const state = await ctx.adapter.loadExecution({ workflowId: first.id, owner: 'worker-a', epoch: claimed!.epoch });
      expect(state.args).toBe('["v3"]');
    });

    it('a different name or a different key creates a new workflow', async () => {
      const first = await ctx.createWorkflow({ name: 'order', dedupeKey: 'k1' });
      const results: CreateWorkflowResult[] = [];
      for (const overrides of [{ name: 'order', dedupeKey: 'k2' }, { name: 'invoice', dedupeKey: 'k1' }, { name: 'order', dedupeKey: null }, { name: 'order', dedupeKey: 'K1' }]) {
        results.push(await ctx.adapter.createWorkflow(ctx.newWorkflow({ ...overrides, debounce: true, args: '["other"]' })));
      }
      expect(results.map((r) => r.created)).toEqual([true, true, true, true]);
      expect(new Set([first.id, ...results.map((r) => r.record.id)]).size).toBe(5);
      expect(await ctx.adapter.getWorkflow(first.id)).toEqual(first);
      expect(await ctx.eventTypes(first.id)).toEqual(['created']);
    });

    it('once the first is no longer pending, the same key creates a new workflow', async () => {
      const { t0 } = ctx;
      const first = await ctx.createWorkflow({ dedupeKey: 'k', args: '["first"]' });
      const [claimed] = await ctx.adapter.claim(ctx.claimRequest());
      expect(claimed?.id).toBe(first.id);
      const running = await ctx.snapshot(first.id);

      // Running: a new one, with or without debounce; the running one is left as it is.
      const second = await ctx.adapter.createWorkflow(ctx.newWorkflow({ dedupeKey: 'k', debounce: true, args: '["second"]', now: t0 + 1 }));
      expect(second.created).toBe(true);
      expect(second.record).toMatchObject({ status: 'pending', args: '["second"]', dedupeKey: 'k' });
      expect(await ctx.snapshot(first.id)).toEqual(running);
      // The new pending one is now the one the key finds.
      const third = await ctx.adapter.createWorkflow(ctx.newWorkflow({ dedupeKey: 'k', args: '["third"]', now: t0 + 2 }));
      expect(third).toEqual({ created: false, record: second.record });

      // Sleeping (started, parked) and finished ones do not count either.
      const lease = { workflowId: first.id, owner: 'worker-a', epoch: claimed!.epoch };
      await ctx.adapter.suspend(lease, t0 + 60_000, t0 + 3);
      await ctx.adapter.cancelWorkflow(second.record.id, t0 + 3);
      const fourth = await ctx.adapter.createWorkflow(ctx.newWorkflow({ dedupeKey: 'k', now: t0 + 4 }));
      expect(fourth.created).toBe(true);
      await ctx.adapter.cancelWorkflow(fourth.record.id, t0 + 5);
      const [woken] = await ctx.adapter.claim(ctx.claimRequest({ now: t0 + 60_000 }));
      await ctx.adapter.complete({ ...lease, epoch: woken!.epoch }, '1', t0 + 60_001);
      const fifth = await ctx.adapter.createWorkflow(ctx.newWorkflow({ dedupeKey: 'k', now: t0 + 60_002 }));
      expect(fifth.created).toBe(true);
      expect((await ctx.adapter.listWorkflows({})).map((r) => r.status).sort()).toEqual(['cancelled', 'cancelled', 'completed', 'pending']);
    });

    it('an explicit id that exists wins over the dedupeKey, and nothing is debounced', async () => {
      const keyed = await ctx.createWorkflow({ dedupeKey: 'k', args: '["keyed"]' });
      const byId = await ctx.createWorkflow({ id: 'by-id', dedupeKey: 'other', args: '["by-id"]' });
      const finished = await ctx.start({ id: 'finished' });
      await ctx.adapter.complete(finished.lease, '1', ctx.t0);
      const finishedRecord = await ctx.record('finished');
      for (const debounce of [false, true]) {
        const same = ctx.newWorkflow({ id: 'by-id', dedupeKey: 'k', debounce, args: '["new"]', nextAt: ctx.t0 + 1 });
        expect(await ctx.adapter.createWorkflow(same)).toEqual({ created: false, record: byId });
        const done = ctx.newWorkflow({ id: 'finished', dedupeKey: 'k', debounce, args: '["new"]', nextAt: ctx.t0 + 1 });
        expect(await ctx.adapter.createWorkflow(done)).toEqual({ created: false, record: finishedRecord });
      }
      expect(await ctx.snapshot(keyed.id)).toEqual({ record: keyed, history: await ctx.adapter.history(keyed.id) });
      expect(await ctx.eventTypes(keyed.id)).toEqual(['created']);
      expect(await ctx.adapter.getWorkflow(keyed.id)).toEqual(keyed);
      expect(await ctx.eventTypes('by-id')).toEqual(['created']);
    });

    /** Many creates with the same name and key at once: exactly one is created, every caller gets it. */
    async function race(adapters: StorageAdapter[], debounce: boolean): Promise<void> {
      for (let round = 0; round < 3; round++) {
        const key = `race-${round}`;
        const inputs = Array.from({ length: 8 }, (_, i) => ({
          adapter: adapters[i % adapters.length]!,
          input: ctx.newWorkflow({ dedupeKey: key, debounce, args: JSON.stringify([i]), nextAt: ctx.t0 + i }),
        }));
        const results = await Promise.all(inputs.map(({ adapter, input }) => adapter.createWorkflow(input)));
        expect(results.filter((r) => r.created), `round ${round}`).toHaveLength(1);
        const winner = results.find((r) => r.created)!.record;
        expect(new Set(results.map((r) => r.record.id))).toEqual(new Set([winner.id]));
        const keyed = (await ctx.adapter.listWorkflows({ limit: 10_000 })).filter((r) => r.dedupeKey === key);
        expect(keyed.map((r) => r.id)).toEqual([winner.id]);
        const stored = keyed[0]!;
        const types = await ctx.eventTypes(winner.id);
        if (debounce) {
          // Every other call debounced it once, and it holds the arguments of one of them.
          expect(types).toEqual(['created', ...Array.from({ length: 7 }, () => 'debounced')]);
          expect(inputs.map(({ input }) => [input.args, input.nextAt])).toContainEqual([stored.args, stored.nextAt]);
        } else {
          expect(types).toEqual(['created']);
          expect(stored).toEqual(winner);
        }
      }
    }

    it('concurrent creates with the same key on one adapter: exactly one is created', () => race([ctx.adapter], false));

    it('concurrent debounced creates with the same key on one adapter: one is created, the others debounce it', () => race([ctx.adapter], true));

    it.skipIf(!ctx.target.createPeer)('concurrent creates with the same key on two adapters sharing the storage: exactly one is created', async () => {
      await race([ctx.adapter, await ctx.peer()], false);
    });

    it.skipIf(!ctx.target.createPeer)('concurrent debounced creates with the same key on two adapters sharing the storage: one is created', async () => {
      await race([ctx.adapter, await ctx.peer()], true);
    });
  });
}
