import { describe, expect, it } from 'vitest';
import type { ClaimedWorkflow, StorageAdapter } from '../storage/storage-adapter.js';
import type { SuiteContext } from './context.js';

const ROWS = 50;

/** Claims racing on one adapter and on two adapters sharing the storage: every row is claimed exactly once. */
export function describeRaceCases(ctx: SuiteContext): void {
  async function seed(): Promise<string[]> {
    const ids: string[] = [];
    for (let i = 0; i < ROWS; i++) ids.push((await ctx.createWorkflow({ id: `race-${String(i).padStart(2, '0')}`, nextAt: ctx.t0 - i })).id);
    return ids;
  }

  /** Every row was claimed once, by the owner that got it, with one claim event. */
  async function expectEachClaimedOnce(expected: string[], claims: { owner: string; claimed: ClaimedWorkflow[] }[]): Promise<void> {
    const got = claims.flatMap(({ owner, claimed }) => claimed.map((c) => ({ owner, ...c })));
    expect(got.map((c) => c.id).sort()).toEqual(expected);
    for (const { id, owner, epoch, attempts } of got) {
      expect({ id, epoch, attempts }).toEqual({ id, epoch: 1, attempts: 1 });
      expect(await ctx.adapter.getWorkflow(id)).toMatchObject({ status: 'running', leaseOwner: owner, leaseEpoch: 1, attempts: 1 });
      expect(await ctx.eventTypes(id)).toEqual(['created', 'claimed']);
    }
  }

  /** All claimers at once, each with limit 50. */
  async function raceWide(adapters: StorageAdapter[]): Promise<void> {
    const expected = await seed();
    const claimers = Array.from({ length: 10 }, (_, i) => ({ adapter: adapters[i % adapters.length]!, owner: `worker-${i}` }));
    const claims = await Promise.all(
      claimers.map(async ({ adapter, owner }) => ({ owner, claimed: await adapter.claim(ctx.claimRequest({ owner, limit: ROWS })) })),
    );
    await expectEachClaimedOnce(expected, claims);
  }

  /** Claimers looping with a small limit until nothing is left, so batches interleave many times. */
  async function raceNarrow(adapters: StorageAdapter[]): Promise<void> {
    const expected = await seed();
    const claimers = Array.from({ length: 6 }, (_, i) => ({ adapter: adapters[i % adapters.length]!, owner: `worker-${i}` }));
    const claims = await Promise.all(
      claimers.map(async ({ adapter, owner }) => {
        const claimed: ClaimedWorkflow[] = [];
        for (let round = 0; round < ROWS; round++) {
          const batch = await adapter.claim(ctx.claimRequest({ owner, limit: 3 }));
          if (batch.length === 0) break;
          claimed.push(...batch);
        }
        return { owner, claimed };
      }),
    );
    await expectEachClaimedOnce(expected, claims);
  }

  describe('claim races', () => {
    it('concurrent claims on one adapter take every row exactly once (limit 50)', () => raceWide([ctx.adapter]));

    it('concurrent claim loops on one adapter take every row exactly once (limit 3)', () => raceNarrow([ctx.adapter]));

    it.skipIf(!ctx.target.createPeer)('concurrent claims on two adapters sharing the storage take every row exactly once (limit 50)', async () => {
      await raceWide([ctx.adapter, await ctx.peer()]);
    });

    it.skipIf(!ctx.target.createPeer)('concurrent claim loops on two adapters sharing the storage take every row exactly once (limit 3)', async () => {
      await raceNarrow([ctx.adapter, await ctx.peer()]);
    });

    it.skipIf(!ctx.target.createPeer)('a peer adapter sees what the first one wrote', async () => {
      const peer = await ctx.peer();
      const { lease, record } = await ctx.start();
      expect(await peer.getWorkflow(record.id)).toEqual(record);
      await peer.recordStep(lease, { seq: 0, name: 'a', kind: 'now', output: '1', error: null, attempts: 1, fingerprint: null }, ctx.t0);
      expect((await ctx.adapter.loadExecution(lease)).steps.map((s) => s.seq)).toEqual([0]);
    });
  });
}
