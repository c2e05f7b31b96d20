import { describe, expect, it } from 'vitest';
import type { WorkflowStats } from '../storage/storage-adapter.js';
import type { SuiteContext } from './context.js';

const YEAR = 365 * 24 * 3_600_000;

/**
 * `stats` as a comparable value: rows sorted (the contract names no order), and `due` rows with a zero count
 * dropped (the contract lists queues that have a backlog; whether one without lists a 0 is up to the adapter).
 */
function normalized(stats: WorkflowStats): WorkflowStats {
  const byQueue = (a: { queue: string }, b: { queue: string }) => (a.queue < b.queue ? -1 : a.queue > b.queue ? 1 : 0);
  return {
    counts: [...stats.counts].sort((a, b) => byQueue(a, b) || (a.status < b.status ? -1 : a.status > b.status ? 1 : 0)),
    due: stats.due.filter((row) => row.count !== 0).sort(byQueue),
  };
}

/** stats: counts per queue and status, and the backlog (pending or sleeping rows due at `now`). */
export function describeStatsCases(ctx: SuiteContext): void {
  describe('stats', () => {
    it('is empty for an empty store', async () => {
      expect(normalized(await ctx.adapter.stats(ctx.t0))).toEqual({ counts: [], due: [] });
    });

    it('counts every workflow by queue and status; due counts only pending and sleeping rows with next_at <= now', async () => {
      const { t0 } = ctx;
      // Each started workflow has a name of its own, so claiming it takes nothing else from its queue.
      const started = (name: string, queue: string) => ctx.start({ name, queue });
      // alpha: pending ×3 (due at t0 - 10, t0, t0 + 1), running, sleeping ×3 (wake at t0, t0 + 60 s, never), completed.
      await ctx.createWorkflow({ queue: 'alpha', nextAt: t0 - 10 });
      await ctx.createWorkflow({ queue: 'alpha', nextAt: t0 });
      await ctx.createWorkflow({ queue: 'alpha', nextAt: t0 + 1 });
      await started('a-running', 'alpha');
      await ctx.adapter.suspend((await started('a-sleeping-now', 'alpha')).lease, t0, t0);
      await ctx.adapter.suspend((await started('a-sleeping-later', 'alpha')).lease, t0 + 60_000, t0);
      await ctx.adapter.suspend((await started('a-parked', 'alpha')).lease, null, t0);
      await ctx.adapter.complete((await started('a-completed', 'alpha')).lease, '1', t0);
      // beta: pending (due), failed, cancelled.
      await ctx.createWorkflow({ queue: 'beta', nextAt: t0 - 60_000 });
      await ctx.adapter.fail((await started('b-failed', 'beta')).lease, '"boom"', null, t0);
      await ctx.adapter.cancelWorkflow((await ctx.createWorkflow({ queue: 'beta', name: 'b-cancelled', nextAt: t0 - 60_000 })).id, t0);
      // gamma: one running row only (its next_at is a lease expiry, never a backlog).
      await started('g-running', 'gamma');

      const counts = [
        { queue: 'alpha', status: 'completed', count: 1 },
        { queue: 'alpha', status: 'pending', count: 3 },
        { queue: 'alpha', status: 'running', count: 1 },
        { queue: 'alpha', status: 'sleeping', count: 3 },
        { queue: 'beta', status: 'cancelled', count: 1 },
        { queue: 'beta', status: 'failed', count: 1 },
        { queue: 'beta', status: 'pending', count: 1 },
        { queue: 'gamma', status: 'running', count: 1 },
      ];
      const at = async (now: number) => normalized(await ctx.adapter.stats(now));
      expect(await at(t0)).toEqual({ counts, due: [{ queue: 'alpha', count: 3 }, { queue: 'beta', count: 1 }] });
      expect(await at(t0 + 59_999)).toEqual({ counts, due: [{ queue: 'alpha', count: 4 }, { queue: 'beta', count: 1 }] });
      expect(await at(t0 + 60_000)).toEqual({ counts, due: [{ queue: 'alpha', count: 5 }, { queue: 'beta', count: 1 }] });
      // Long after every lease expired: running rows are still not a backlog, nor is a sleeping row without a wake time.
      expect(await at(t0 + YEAR)).toEqual({ counts, due: [{ queue: 'alpha', count: 5 }, { queue: 'beta', count: 1 }] });
      expect(await at(t0 - 60_001)).toEqual({ counts, due: [] });
      // Counts are plain numbers, whatever the database returns for COUNT(*).
      for (const row of (await ctx.adapter.stats(t0)).counts) expect(typeof row.count).toBe('number');
      for (const row of (await ctx.adapter.stats(t0)).due) expect(typeof row.count).toBe('number');
    });

    it('follows a workflow through its life', async () => {
      const { t0 } = ctx;
      const created = await ctx.createWorkflow({ nextAt: t0 });
      expect(normalized(await ctx.adapter.stats(t0))).toEqual({
        counts: [{ queue: 'default', status: 'pending', count: 1 }],
        due: [{ queue: 'default', count: 1 }],
      });
      const [claimed] = await ctx.adapter.claim(ctx.claimRequest());
      expect(normalized(await ctx.adapter.stats(t0))).toEqual({ counts: [{ queue: 'default', status: 'running', count: 1 }], due: [] });
      await ctx.adapter.complete({ workflowId: created.id, owner: 'worker-a', epoch: claimed!.epoch }, '1', t0 + 1);
      expect(normalized(await ctx.adapter.stats(t0 + 1))).toEqual({ counts: [{ queue: 'default', status: 'completed', count: 1 }], due: [] });
    });
  });
}
