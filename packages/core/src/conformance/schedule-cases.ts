import { describe, expect, it } from 'vitest';
import type { StorageAdapter } from '../storage/storage-adapter.js';
import type { ScheduleRecord } from '../foundation/types.js';
import type { SuiteContext } from './context.js';

const HOUR = 3_600_000;

/** upsertSchedule, listSchedules, deleteSchedule, advanceSchedule (compare-and-set, raced by peers). */
export function describeScheduleCases(ctx: SuiteContext): void {
  /** A schedule named `name`, every hour in UTC, last ticked an hour before `t0`. */
  const schedule = (name: string, overrides: Partial<ScheduleRecord> = {}): ScheduleRecord => ({
    name,
    workflowName: 'report',
    cron: '0 * * * *',
    timezone: 'UTC',
    catchUp: 'latest',
    args: '["eu"]',
    lastTickAt: ctx.t0 - HOUR,
    createdAt: ctx.t0,
    updatedAt: ctx.t0,
    ...overrides,
  });
  const stored = async (name: string) => (await ctx.adapter.listSchedules()).find((s) => s.name === name);

  describe('schedules', () => {
    it('upsertSchedule inserts every field as given; listSchedules returns all, ordered by name', async () => {
      expect(await ctx.adapter.listSchedules()).toEqual([]);
      const charlie = schedule('charlie', { catchUp: 'all', args: JSON.stringify([{ region: 'Gießen 🚚', quote: `it's "x"` }]) });
      const alpha = schedule('alpha', { workflowName: 'cleanup', cron: '*/5 * * * *', timezone: 'Europe/Berlin', catchUp: 'none', lastTickAt: ctx.t0 - 1 });
      const bravo = schedule('bravo', { lastTickAt: 0, createdAt: ctx.t0 - 5, updatedAt: ctx.t0 - 4 });
      for (const s of [charlie, alpha, bravo]) await ctx.adapter.upsertSchedule(s);
      expect(await ctx.adapter.listSchedules()).toEqual([alpha, bravo, charlie]);
    });

    it('upsertSchedule of an existing schedule with the same cron and time zone keeps its last tick and takes the other fields', async () => {
      await ctx.adapter.upsertSchedule(schedule('nightly'));
      expect(await ctx.adapter.advanceSchedule('nightly', ctx.t0 - HOUR, ctx.t0, ctx.t0 + 5)).toBe(true);
      await ctx.adapter.upsertSchedule(
        schedule('nightly', { workflowName: 'report-v2', catchUp: 'all', args: '["us"]', lastTickAt: ctx.t0 + 10 * HOUR, createdAt: ctx.t0 + 60_000, updatedAt: ctx.t0 + 60_000 }),
      );
      // createdAt is not part of the promise: an adapter may keep the first one or take the new one.
      expect(await stored('nightly')).toEqual({
        ...schedule('nightly', { workflowName: 'report-v2', catchUp: 'all', args: '["us"]', lastTickAt: ctx.t0, updatedAt: ctx.t0 + 60_000 }),
        createdAt: expect.any(Number),
      });
      expect(await ctx.adapter.listSchedules()).toHaveLength(1);
    });

    it.each([
      ['the cron', { cron: '30 * * * *' }],
      ['the time zone', { timezone: 'America/New_York' }],
      ['both', { cron: '0 0 * * *', timezone: 'Asia/Tokyo' }],
    ] as const)('upsertSchedule with %s changed takes the new last tick, and the other fields', async (_label, change) => {
      await ctx.adapter.upsertSchedule(schedule('nightly'));
      await ctx.adapter.upsertSchedule(schedule('bystander'));
      expect(await ctx.adapter.advanceSchedule('nightly', ctx.t0 - HOUR, ctx.t0, ctx.t0 + 5)).toBe(true);
      const next = schedule('nightly', { ...change, workflowName: 'report-v2', catchUp: 'none', args: '[]', lastTickAt: ctx.t0 + 30 * 60_000, updatedAt: ctx.t0 + 60_000 });
      await ctx.adapter.upsertSchedule(next);
      expect(await stored('nightly')).toEqual({ ...next, createdAt: expect.any(Number) });
      expect(await stored('bystander')).toEqual(schedule('bystander'));
    });

    it('deleteSchedule deletes one schedule: true, then false; false for an unknown name', async () => {
      await ctx.adapter.upsertSchedule(schedule('a'));
      await ctx.adapter.upsertSchedule(schedule('b'));
      expect(await ctx.adapter.deleteSchedule('a')).toBe(true);
      expect(await ctx.adapter.listSchedules()).toEqual([schedule('b')]);
      expect(await ctx.adapter.deleteSchedule('a')).toBe(false);
      expect(await ctx.adapter.deleteSchedule('unknown')).toBe(false);
      // A deleted schedule can be created again, from its new last tick.
      await ctx.adapter.upsertSchedule(schedule('a', { lastTickAt: ctx.t0 + 7 }));
      expect((await stored('a'))?.lastTickAt).toBe(ctx.t0 + 7);
    });

    it('advanceSchedule moves the last tick only from the current one: true once, false for a stale from', async () => {
      const { t0 } = ctx;
      await ctx.adapter.upsertSchedule(schedule('hourly'));
      await ctx.adapter.upsertSchedule(schedule('bystander'));
      expect(await ctx.adapter.advanceSchedule('hourly', t0 - HOUR, t0, t0 + 1)).toBe(true);
      expect(await stored('hourly')).toMatchObject({ ...schedule('hourly', { lastTickAt: t0 }), updatedAt: expect.any(Number) });
      // The same move again, or from any tick but the current one, is refused and changes nothing.
      expect(await ctx.adapter.advanceSchedule('hourly', t0 - HOUR, t0, t0 + 2)).toBe(false);
      expect(await ctx.adapter.advanceSchedule('hourly', t0 - HOUR, t0 + HOUR, t0 + 2)).toBe(false);
      expect(await ctx.adapter.advanceSchedule('hourly', t0 + HOUR, t0 + 2 * HOUR, t0 + 2)).toBe(false);
      expect((await stored('hourly'))?.lastTickAt).toBe(t0);
      expect(await ctx.adapter.advanceSchedule('unknown', t0 - HOUR, t0, t0 + 2)).toBe(false);
      expect(await ctx.adapter.listSchedules()).toHaveLength(2);
      // From the current tick it moves on again.
      expect(await ctx.adapter.advanceSchedule('hourly', t0, t0 + HOUR, t0 + HOUR)).toBe(true);
      expect((await stored('hourly'))?.lastTickAt).toBe(t0 + HOUR);
      expect(await stored('bystander')).toEqual(schedule('bystander'));
    });

    /** Rounds of callers advancing the same tick at once to different ticks: exactly one wins each round. */
    async function race(adapters: StorageAdapter[]): Promise<void> {
      const { t0 } = ctx;
      await ctx.adapter.upsertSchedule(schedule('contended', { lastTickAt: t0 }));
      let from = t0;
      for (let round = 0; round < 10; round++) {
        const callers = Array.from({ length: 6 }, (_, i) => ({ adapter: adapters[i % adapters.length]!, to: from + (i + 1) * 1_000 }));
        const won = await Promise.all(callers.map(({ adapter, to }) => adapter.advanceSchedule('contended', from, to, to)));
        expect(won.filter(Boolean), `round ${round}`).toHaveLength(1);
        const winner = callers[won.indexOf(true)]!;
        expect((await stored('contended'))?.lastTickAt, `round ${round}`).toBe(winner.to);
        from = winner.to;
      }
    }

    it('concurrent advanceSchedule calls from the same tick on one adapter: exactly one wins', () => race([ctx.adapter]));

    it.skipIf(!ctx.target.createPeer)('concurrent advanceSchedule calls from the same tick on two adapters sharing the storage: exactly one wins', async () => {
      await race([ctx.adapter, await ctx.peer()]);
    });
  });
}
