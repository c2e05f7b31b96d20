import { describe, expect, it } from 'vitest';
import { LATENCY_BOUNDS_MS } from '../storage/latency-classes.js';
import type { ActivityRow } from '../storage/storage-adapter.js';
import type { SuiteContext } from './context.js';

const ERROR = JSON.stringify({ $error: { name: 'Error', message: 'card declined' } });
const FINGERPRINT = '0123456789abcdef:["o-1",4200]';
const MINUTE = 60_000;

/** The latency counts of completed workflows that took these latencies (classes computed here on their own). */
function counts(...latencies: number[]): number[] {
  const result = new Array<number>(LATENCY_BOUNDS_MS.length + 1).fill(0);
  for (const ms of latencies) {
    const index = LATENCY_BOUNDS_MS.findIndex((bound) => ms < bound);
    result[index === -1 ? LATENCY_BOUNDS_MS.length : index]!++;
  }
  return result;
}

/** Reads for inspection (dashboards, `handle.steps()`): listSteps, activity, and listWorkflows after a cursor. */
export function describeInspectionCases(ctx: SuiteContext): void {
  describe('listSteps', () => {
    it('returns the checkpoints by position, with outputs, errors and fingerprints; none for an unknown id', async () => {
      const { t0 } = ctx;
      const { lease } = await ctx.start();
      await ctx.adapter.recordStep(lease, { seq: 2, name: 'sleep', kind: 'sleep', output: String(t0 + 3_600_000), error: null, attempts: 1, fingerprint: null }, t0 + 2);
      await ctx.adapter.recordStep(lease, { seq: 0, name: 'charge', kind: 'task', output: '"ch_1"', error: null, attempts: 3, fingerprint: FINGERPRINT }, t0 + 1);
      await ctx.adapter.recordStep(lease, { seq: 1, name: 'ship', kind: 'task', output: null, error: ERROR, attempts: 1, fingerprint: FINGERPRINT }, t0 + 2);
      const id = lease.workflowId;
      const steps = await ctx.adapter.listSteps(id);
      expect(steps).toEqual([
        { workflowId: id, seq: 0, name: 'charge', kind: 'task', output: '"ch_1"', error: null, attempts: 3, fingerprint: FINGERPRINT, createdAt: expect.any(Number) },
        { workflowId: id, seq: 1, name: 'ship', kind: 'task', output: null, error: ERROR, attempts: 1, fingerprint: FINGERPRINT, createdAt: expect.any(Number) },
        { workflowId: id, seq: 2, name: 'sleep', kind: 'sleep', output: String(t0 + 3_600_000), error: null, attempts: 1, fingerprint: null, createdAt: expect.any(Number) },
      ]);
      ctx.expectTime(steps[0]!.createdAt, t0 + 1);
      expect(await ctx.adapter.listSteps('no-such-workflow')).toEqual([]);
      // Only this workflow's checkpoints, and no lease needed: another workflow's are not mixed in.
      const other = await ctx.start();
      await ctx.adapter.recordStep(other.lease, { seq: 0, name: 'x', kind: 'now', output: '1', error: null, attempts: 1, fingerprint: null }, t0);
      expect((await ctx.adapter.listSteps(id)).map((s) => s.seq)).toEqual([0, 1, 2]);
    });

    it('no longer lists the checkpoint retryWorkflow discarded', async () => {
      const { t0 } = ctx;
      const { lease } = await ctx.start();
      await ctx.adapter.recordStep(lease, { seq: 0, name: 'reserve', kind: 'task', output: '1', error: null, attempts: 1, fingerprint: null }, t0);
      await ctx.adapter.recordStep(lease, { seq: 1, name: 'charge', kind: 'task', output: null, error: ERROR, attempts: 1, fingerprint: null }, t0);
      await ctx.adapter.fail(lease, ERROR, 1, t0 + 1);
      await ctx.adapter.retryWorkflow(lease.workflowId, t0 + 2);
      expect((await ctx.adapter.listSteps(lease.workflowId)).map((s) => s.name)).toEqual(['reserve']);
    });
  });

  describe('activity', () => {
    /** A workflow created at `createdAt` and finished (`completed`, `failed` or `cancelled`) at `finishedAt`. */
    async function finished(status: 'completed' | 'failed' | 'cancelled', createdAt: number, finishedAt: number): Promise<void> {
      if (status === 'cancelled') {
        const record = await ctx.createWorkflow({ nextAt: finishedAt + MINUTE, now: createdAt });
        await ctx.adapter.cancelWorkflow(record.id, finishedAt);
        return;
      }
      const { lease } = await ctx.start({ now: createdAt, nextAt: createdAt }, { now: createdAt });
      if (status === 'completed') await ctx.adapter.complete(lease, '1', finishedAt);
      else await ctx.adapter.fail(lease, ERROR, null, finishedAt);
    }

    it('counts what finished per bucket, with the latency of the completed ones; unfinished and out-of-window rows do not count', async () => {
      const since = ctx.t0 - 10 * MINUTE;
      await finished('completed', since - 5, since + 5); // bucket 0, 10 ms
      await finished('completed', since + 1_000, since + 1_300); // bucket 0, 300 ms
      await finished('failed', since + 2_000, since + 2_100); // bucket 0
      await finished('completed', since + 2 * MINUTE, since + 2 * MINUTE + 7_000); // bucket 2, 7 s
      await finished('cancelled', since + 2 * MINUTE, since + 3 * MINUTE - 1); // bucket 2
      await finished('completed', since - 2 * MINUTE, since - 1); // before the window
      await finished('completed', since, since + 10 * MINUTE); // at `until`: outside (exclusive)
      await ctx.createWorkflow({ now: since }); // pending
      await ctx.start({ now: since, nextAt: since }, { now: since }); // running

      const rows = await ctx.adapter.activity({ since, until: since + 10 * MINUTE, bucketMs: MINUTE });
      const expected: ActivityRow[] = [
        { bucket: 0, completed: 2, failed: 1, cancelled: 0, latencySumMs: 310, latencyMaxMs: 300, latencyCounts: counts(10, 300) },
        { bucket: 2, completed: 1, failed: 0, cancelled: 1, latencySumMs: 7_000, latencyMaxMs: 7_000, latencyCounts: counts(7_000) },
      ];
      // Buckets where nothing finished may be listed with zeros; they are dropped before comparing.
      expect(rows.filter((r) => r.completed + r.failed + r.cancelled > 0)).toEqual(expected);
      for (const row of rows) for (const value of [row.bucket, row.completed, row.latencySumMs, ...row.latencyCounts]) expect(typeof value).toBe('number');
    });

    it('puts latencies in the classes of LATENCY_BOUNDS_MS (upper bounds exclusive), the longest in the last one', async () => {
      const since = ctx.t0 - MINUTE;
      const latencies = [0, 9, 10, 999, 1_000, 86_399_999, 86_400_000, 5 * 86_400_000];
      for (const ms of latencies) await finished('completed', since + 10 - ms, since + 10);
      const [row] = await ctx.adapter.activity({ since, until: ctx.t0, bucketMs: MINUTE });
      expect(row).toEqual({
        bucket: 0, completed: latencies.length, failed: 0, cancelled: 0,
        latencySumMs: latencies.reduce((a, b) => a + b, 0), latencyMaxMs: 5 * 86_400_000, latencyCounts: counts(...latencies),
      });
      expect(row!.latencyCounts[0]).toBe(2);
      expect(row!.latencyCounts[LATENCY_BOUNDS_MS.length]).toBe(2);
    });

    it('is empty for a window in which nothing finished', async () => {
      await finished('completed', ctx.t0 - 5 * MINUTE, ctx.t0 - 4 * MINUTE);
      const rows = await ctx.adapter.activity({ since: ctx.t0 - 3 * MINUTE, until: ctx.t0, bucketMs: 10_000 });
      expect(rows.filter((r) => r.completed + r.failed + r.cancelled > 0)).toEqual([]);
    });
  });

  describe('listWorkflows after a cursor', () => {
    it('pages through every match once, newest first, ties by id, with filters', async () => {
      const { t0 } = ctx;
      // Three share a creation time, so the cursor's id must break the tie.
      const made = [
        { id: 'p-a', now: t0 - 3 }, { id: 'p-c', now: t0 - 2 }, { id: 'p-b', now: t0 - 2 }, { id: 'p-d', now: t0 - 2 }, { id: 'p-e', now: t0 - 1 },
        { id: 'q-1', now: t0 - 2, queue: 'other' },
      ];
      for (const w of made) await ctx.createWorkflow({ ...w, nextAt: t0 + MINUTE });
      const pages: string[][] = [];
      let after: { createdAt: number; id: string } | undefined;
      for (;;) {
        const page = await ctx.adapter.listWorkflows({ queue: 'default', limit: 2, ...(after ? { after } : {}) });
        if (page.length === 0) break;
        pages.push(page.map((r) => r.id));
        const last = page[page.length - 1]!;
        after = { createdAt: last.createdAt, id: last.id };
      }
      expect(pages).toEqual([['p-e', 'p-b'], ['p-c', 'p-d'], ['p-a']]);
      // A workflow created after the first page was read does not shift the next one.
      await ctx.createWorkflow({ id: 'p-new', now: t0, nextAt: t0 + MINUTE });
      const next = await ctx.adapter.listWorkflows({ limit: 2, after: { createdAt: t0 - 2, id: 'p-b' } });
      expect(next.map((r) => r.id)).toEqual(['p-c', 'p-d']);
      expect((await ctx.adapter.listWorkflows({ status: 'pending', after: { createdAt: t0 - 2, id: 'p-d' } })).map((r) => r.id)).toEqual(['q-1', 'p-a']);
      expect(await ctx.adapter.listWorkflows({ after: { createdAt: t0 - 3, id: 'p-a' } })).toEqual([]);
    });
  });
}
