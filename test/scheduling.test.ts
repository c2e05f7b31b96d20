import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defineTask, defineWorkflow, taskContext, ValidationError, type Runtime } from '@steadfast/core';
import { VirtualClock } from '@steadfast/core/testing';
import { ADAPTERS, type TestStorage } from './adapters.js';
import { waitFor } from './helpers.js';

describe.each(ADAPTERS.filter((a) => a.available))('scheduling and flow control on $name', (kind) => {
  let storage: TestStorage;
  beforeEach(async () => {
    storage = await kind.create();
  });
  afterEach(async () => {
    await storage.cleanup();
  });

  /**
   * Waits (in real time) for a condition while virtual time creeps on by 10 ms a turn, as real time would:
   * with a database across the network, the runtime may arm its next timer after `advance()` returned.
   */
  const settle = (clock: VirtualClock, check: () => Promise<boolean> | boolean, what: string) =>
    waitFor(async () => {
      await clock.advance(10);
      return check();
    }, 20_000, what);

  /** Runtimes on one virtual clock (long poll: only timers and notifications move them). */
  const onClock = (clock: VirtualClock, options: Parameters<TestStorage['runtime']>[0] = {}) =>
    storage.runtime({ clock, pollIntervalMs: 600_000, leaseMs: 3_600_000, heartbeatMs: 1_200_000, ...options });

  describe('cron', () => {
    it('runs each tick exactly once across three workers', async () => {
      const clock = new VirtualClock(Date.parse('2026-06-01T10:00:00Z'));
      const runs: string[] = [];
      const report = defineWorkflow('report', async (region: string) => {
        runs.push(`${region}@${new Date(clock.now()).toISOString()}`);
      });
      const workers = [onClock(clock), onClock(clock), onClock(clock)].map((r) => r.register(report));
      await workers[0]!.schedule('eu-report', report, ['eu'], { cron: '*/5 * * * *' });
      for (const w of workers) await w.start();
      // The clock moves a minute at a time and waits for the workers to keep up, as real time would.
      for (let minute = 1; minute <= 30; minute++) {
        await clock.advance('1m');
        const latestTick = Date.parse('2026-06-01T10:00:00Z') + Math.floor(minute / 5) * 300_000;
        await settle(clock, async () => (await workers[0]!.listSchedules())[0]!.lastTickAt.getTime() >= latestTick, `the tick at minute ${minute}`);
      }
      await settle(clock, async () => (await workers[0]!.listWorkflows({ name: 'report', status: 'completed' })).length === 6, 'six ticks');
      const ids = (await workers[0]!.listWorkflows({ name: 'report' })).map((w) => w.id).sort();
      expect(ids).toEqual(['05', '10', '15', '20', '25', '30'].map((m) => `eu-report@2026-06-01T10:${m}:00.000Z`));
      // Each tick ran once, never before its time.
      expect(runs).toHaveLength(6);
      runs.sort().forEach((run, i) => expect(Date.parse(run.split('@')[1]!)).toBeGreaterThanOrEqual(Date.parse(ids[i]!.split('@')[1]!)));
    });

    it('@workflow({ schedule }) stores a schedule named after the workflow', async () => {
      const clock = new VirtualClock(Date.parse('2026-06-01T10:00:00Z'));
      const tick = defineWorkflow('hourlyTick', async () => 'tick', { schedule: { cron: '0 * * * *', timezone: 'Europe/Berlin' } });
      const r = onClock(clock).register(tick);
      await r.start();
      expect((await r.listSchedules()).map((s) => [s.name, s.cron, s.timezone, s.catchUp])).toEqual([['hourlyTick', '0 * * * *', 'Europe/Berlin', 'latest']]);
      await clock.advance('1h');
      await settle(clock, async () => (await r.listWorkflows({ name: 'hourlyTick', status: 'completed' })).length === 1, 'one tick');
      expect(await r.unschedule('hourlyTick')).toBe(true);
      expect(await r.listSchedules()).toEqual([]);
    });

    it('listSchedules() reports a schedule like WorkflowInfo: decoded arguments, Dates, its next tick', async () => {
      const clock = new VirtualClock(Date.parse('2026-06-01T10:00:00Z'));
      const report = defineWorkflow('nightlyReport', async (region: string, top: number) => `${region}:${top}`);
      const r = onClock(clock).register(report);
      await r.schedule('nightly-eu', report, ['eu', 3], { cron: '0 2 * * *', timezone: 'Europe/Berlin' });
      expect(await r.listSchedules()).toEqual([
        {
          name: 'nightly-eu',
          workflowName: 'nightlyReport',
          cron: '0 2 * * *',
          timezone: 'Europe/Berlin',
          catchUp: 'latest',
          args: ['eu', 3],
          lastTickAt: new Date('2026-06-01T10:00:00Z'),
          nextTickAt: new Date('2026-06-02T00:00:00Z'), // 02:00 in Berlin (summer time)
          createdAt: new Date('2026-06-01T10:00:00Z'),
          updatedAt: new Date('2026-06-01T10:00:00Z'),
        },
      ]);
    });

    it.each([
      ['none', 0],
      ['latest', 1],
      ['all', 5],
    ] as const)("after an outage with catchUp '%s', runs %i of the 5 missed ticks", async (catchUp, expected) => {
      const clock = new VirtualClock(Date.parse('2026-06-01T00:00:30Z'));
      const job = defineWorkflow('hourlyJob', async () => 'ran');
      const first = onClock(clock).register(job);
      await first.schedule('hourly', job, [], { cron: '0 * * * *', catchUp });
      await first.start();
      await first.shutdown(); // no worker runs from here
      await clock.advance({ hours: 5, minutes: 30 });
      const second = onClock(clock).register(job);
      await second.start();
      await clock.advance('1s');
      await settle(clock, async () => (await second.listWorkflows({ name: 'hourlyJob', status: 'completed' })).length === expected, `${expected} catch-up runs`);
      await clock.advance('30m'); // the next tick is on time under every policy
      await settle(clock, async () => (await second.listWorkflows({ name: 'hourlyJob', status: 'completed' })).length === expected + 1, 'the next tick');
    });

    it('refuses an invalid expression or time zone at registration, storing nothing', async () => {
      const job = defineWorkflow('badSchedule', async () => 'x');
      const r = storage.runtime().register(job);
      await expect(r.schedule('bad', job, [], { cron: '0 25 * * *' })).rejects.toThrow('invalid cron expression "0 25 * * *" in the schedule of schedule bad');
      await expect(r.schedule('bad', job, [], { cron: '0 * * * *', timezone: 'Europe/Atlantis' })).rejects.toThrow('invalid time zone "Europe/Atlantis"');
      await expect(r.schedule('bad', job, [], { cron: '0 0 30 2 *' })).rejects.toThrow('cron expression "0 0 30 2 *" in the schedule of schedule bad never fires');
      expect(() => defineWorkflow('badDecorated', async () => 1, { schedule: { cron: '* * *' } })).toThrow(ValidationError);
      expect(() => defineWorkflow('neverDecorated', async () => 1, { schedule: { cron: '0 0 31 11 *' } })).toThrow('never fires');
      expect(await r.listSchedules()).toEqual([]);
    });

    it('stores the canonical name of a time zone given in another case', async () => {
      const job = defineWorkflow('zonedJob', async () => 'x');
      const zoned = defineWorkflow('zonedDecorated', async () => 'y', { schedule: { cron: '0 3 * * *', timezone: 'AMERICA/NEW_YORK' } });
      const r = storage.runtime().register(job, zoned);
      await r.schedule('zoned', job, [], { cron: '0 2 * * *', timezone: 'europe/berlin' });
      await r.start();
      expect((await r.listSchedules()).map((s) => [s.name, s.timezone])).toEqual([['zoned', 'Europe/Berlin'], ['zonedDecorated', 'America/New_York']]);
      const stored = await storage.adapter().listSchedules();
      expect(stored.map((s) => s.timezone)).toEqual(['Europe/Berlin', 'America/New_York']);
    });
  });

  describe('queues', () => {
    it('respects a rate limit on starts in a sliding window', async () => {
      const clock = new VirtualClock(Date.parse('2026-06-01T00:00:00Z'));
      const started: number[] = [];
      const send = defineTask('sendEmail', async () => started.push(clock.now()));
      const r = onClock(clock, { concurrency: 20 }).register(send).queue('emails', { rateLimit: { max: 3, per: '1s' } });
      for (let i = 0; i < 8; i++) await r.enqueue(send, [], { queue: 'emails' });
      const worker = onClock(clock, { concurrency: 20, queues: ['emails'], pollIntervalMs: 100 }).register(send).queue('emails', { rateLimit: { max: 3, per: '1s' } });
      await worker.start();
      await clock.advance(0);
      await settle(clock, () => started.length === 3, 'first window');
      await clock.advance(900);
      expect(started).toHaveLength(3);
      await clock.advance(200);
      await settle(clock, () => started.length === 6, 'second window');
      await clock.advance(1_100);
      await settle(clock, () => started.length === 8, 'the rest');
      for (const t of started) expect(started.filter((s) => s > t - 1_000 && s <= t).length).toBeLessThanOrEqual(3);
    });

    it('keeps shared concurrency across two workers, and workerConcurrency per worker', async () => {
      let running = 0;
      let peak = 0;
      const peaks = new Map<string, number>();
      const slow = defineTask('slowJob', async () => {
        running++;
        peak = Math.max(peak, running);
        await new Promise((resolve) => setTimeout(resolve, 60));
        running--;
        return taskContext().workflowId;
      });
      const make = () => storage.runtime({ concurrency: 10, queues: ['reports'] }).register(slow).queue('reports', { concurrency: 2 });
      const a = make();
      const b = make();
      const handles = [];
      for (let i = 0; i < 10; i++) handles.push(await a.enqueue(slow, [], { queue: 'reports' }));
      await Promise.all([a.start(), b.start()]);
      await Promise.all(handles.map((h) => h.result()));
      expect(peak).toBe(2);
      void peaks;

      // workerConcurrency caps one worker without a shared limit.
      running = 0;
      peak = 0;
      const c = storage.runtime({ concurrency: 10, queues: ['solo'] }).register(slow).queue('solo', { concurrency: 5, workerConcurrency: 1 });
      const more = [];
      for (let i = 0; i < 4; i++) more.push(await c.enqueue(slow, [], { queue: 'solo' }));
      await c.start();
      await Promise.all(more.map((h) => h.result()));
      expect(peak).toBe(1);
    });

    it('a queue with concurrency recovers the work of a crashed worker instead of jamming', async () => {
      const job = defineTask('serialJob', async (n: number) => n);
      const adapter = storage.adapter();
      await adapter.migrate();
      const now = Date.now();
      for (const id of ['held', 'waiting']) {
        await adapter.createWorkflow({ id, name: 'serialJob', kind: 'job', version: null, queue: 'serial', priority: 0, args: '[1]', parentId: null, nextAt: now, deadlineAt: null, now });
      }
      // A worker that died holding 'held' (its lease of 1 s runs out; nobody renews it).
      const [held] = await adapter.claim({ owner: 'dead-worker', queues: ['serial'], names: ['serialJob'], limit: 1, leaseMs: 1_000, now, queueLimits: { serial: { concurrency: 1 } } });
      expect(held).toBeDefined();
      const r = storage.runtime({ queues: ['serial'], pollIntervalMs: 100 }).register(job).queue('serial', { concurrency: 1 });
      await r.start();
      await waitFor(async () => (await r.listWorkflows({ name: 'serialJob', status: 'completed' })).length === 2, 10_000, 'both jobs');
      expect((await (await r.getWorkflow(held!.id)).info()).recoveryAttempts).toBe(1);
    });

    it('runs higher priority first, and equal priorities in due order', async () => {
      const order: string[] = [];
      const job = defineTask('ordered', async (label: string) => order.push(label));
      const client = storage.runtime().register(job);
      const base = Date.now() - 10_000;
      await client.enqueue(job, ['low-early'], { priority: 0, runAt: base });
      await client.enqueue(job, ['high-late'], { priority: 10, runAt: base + 2 });
      await client.enqueue(job, ['high-early'], { priority: 10, runAt: base + 1 });
      await client.enqueue(job, ['mid'], { priority: 5, runAt: base });
      const worker = storage.runtime({ concurrency: 1 }).register(job);
      await worker.start();
      await waitFor(() => order.length === 4, 5_000, 'all four');
      expect(order).toEqual(['high-early', 'high-late', 'mid', 'low-early']);
    });

    it('refuses invalid queue options, naming them', () => {
      const r = storage.runtime();
      expect(() => r.queue('q', { concurrency: 0 })).toThrow('invalid concurrency of queue q: 0');
      expect(() => r.queue('q', { rateLimit: { max: 5, per: 'soon' } })).toThrow('invalid rateLimit.per of queue q "soon"');
      expect(() => r.queue('q', { burst: 3 } as never)).toThrow('unknown option "burst" of queue q');
      expect(() => r.queue('q', { perKey: { concurrency: 0 } })).toThrow('invalid perKey.concurrency of queue q: 0');
      expect(() => r.queue('q', { perKey: { concurency: 2 } } as never)).toThrow('unknown option "concurency" of perKey of queue q; known: concurrency');
      expect(() => r.queue('q', { perKey: 2 } as never)).toThrow('invalid perKey of queue q: expected { concurrency? }, got 2');
      expect(() => r.queue('q', { perKey: {}, burst: 3 } as never)).toThrow('known: concurrency, workerConcurrency, rateLimit, perKey');
      expect(() => r.queue('', {})).toThrow('invalid queue name: it is empty');
    });
  });

  describe('deduplication and debounce', () => {
    it('a second enqueue with the same dedupeKey while the first is pending returns the first', async () => {
      const job = defineTask('dedupe', async (n: number) => n);
      const r = storage.runtime().register(job);
      const a = await r.enqueue(job, [1], { dedupeKey: 'k1', delay: '1h' });
      const b = await r.enqueue(job, [2], { dedupeKey: 'k1', delay: '1h' });
      const c = await r.enqueue(job, [3], { dedupeKey: 'k2', delay: '1h' });
      expect(b.id).toBe(a.id);
      expect(c.id).not.toBe(a.id);
      expect((await a.info()).args).toEqual([1]);
      expect(await r.listWorkflows({ name: 'dedupe' })).toHaveLength(2);
    });

    it('debounce: the last call within the window wins, and the job runs once after it', async () => {
      const clock = new VirtualClock(Date.parse('2026-06-01T00:00:00Z'));
      const calls: string[] = [];
      const reindex = defineTask('reindex', async (doc: string) => calls.push(`${doc}@${clock.now() - Date.parse('2026-06-01T00:00:00Z')}`));
      const r = onClock(clock, { pollIntervalMs: 50 }).register(reindex);
      await r.start();
      const first = await r.enqueue(reindex, ['v1'], { dedupeKey: 'doc-1', debounce: '10s' });
      await clock.advance('4s');
      await r.enqueue(reindex, ['v2'], { dedupeKey: 'doc-1', debounce: '10s' });
      await clock.advance('4s');
      const last = await r.enqueue(reindex, ['v3'], { dedupeKey: 'doc-1', debounce: '10s' });
      expect(last.id).toBe(first.id);
      await clock.advance('9s');
      expect(calls).toEqual([]);
      await clock.advance('1s');
      await settle(clock, () => calls.length === 1, 'the debounced run');
      expect(calls).toHaveLength(1);
      const [doc, at] = calls[0]!.split('@');
      expect(doc).toBe('v3');
      expect(Number(at)).toBeGreaterThanOrEqual(18_000); // not before the window after the last call
      await expect(r.enqueue(reindex, ['x'], { debounce: '1s' })).rejects.toThrow('debounce of reindex needs a dedupeKey');
    });
  });
});
