import { describe, expect, it } from 'vitest';
import { DateTime } from 'luxon';
import { defineTask, defineWorkflow, now, runAt, sleep, type Runtime } from '@steadfast/core';
import { VirtualClock } from '@steadfast/core/testing';
import { useSqliteRuntimes, waitFor } from './helpers.js';


const { runtime } = useSqliteRuntimes();

describe('durable timers on a virtual clock', () => {
  it('sleeps a week durably, suspended, and wakes exactly when due', async () => {
    const clock = new VirtualClock();
    const sent: number[] = [];
    const remind = defineTask('remind', async (who: string) => {
      sent.push(clock.now());
      return `reminded ${who}`;
    });
    const weekly = defineWorkflow('weekly', async (who: string) => {
      await sleep('7 days');
      return remind(who);
    });
    const r = runtime({ clock, pollIntervalMs: 3_600_000 }).register(weekly, remind);
    await r.start();
    const started = clock.now();
    const handle = await r.startWorkflow(weekly, ['ada']);
    await clock.advance(0);
    await waitFor(async () => (await handle.status()) === 'sleeping', 5_000, 'sleeping');
    expect((await handle.info()).nextAt?.getTime()).toBe(started + 7 * 86_400_000);

    await clock.advance(7 * 86_400_000 - 1);
    expect(sent).toEqual([]);
    expect(await handle.status()).toBe('sleeping');
    await clock.advance(1);
    expect(await handle.result()).toBe('reminded ada');
    expect(sent).toEqual([started + 7 * 86_400_000]);
    const types = (await handle.history()).map((e) => e.type);
    expect(types).toEqual(['created', 'claimed', 'step_completed', 'sleeping', 'woke', 'step_completed', 'completed']);
  });

  it('runAt waits until a zoned wall-clock time and returns at once for a past time', async () => {
    const clock = new VirtualClock(Date.parse('2026-11-30T12:00:00Z'));
    const target = DateTime.fromISO('2026-12-01T09:00', { zone: 'Europe/Berlin' });
    const wf = defineWorkflow('berlinMorning', async () => {
      await runAt('2020-01-01T00:00:00Z'); // in the past: no wait
      const before = await now();
      await runAt(target);
      return [before, await now()];
    });
    const r = runtime({ clock, pollIntervalMs: 3_600_000 }).register(wf);
    await r.start();
    const handle = await r.startWorkflow(wf, []);
    await clock.advance('1d');
    const [before, after] = (await handle.result()) as number[];
    expect(before).toBe(Date.parse('2026-11-30T12:00:00Z'));
    // Not before 09:00 Berlin (08:00Z); the virtual clock may have moved on a little while the runtime worked.
    expect(after).toBeGreaterThanOrEqual(Date.parse('2026-12-01T08:00:00Z'));
    expect(after).toBeLessThan(Date.parse('2026-12-01T08:01:00Z'));
  });

  it('keeps short waits in memory with the lease held', async () => {
    const clock = new VirtualClock();
    const wf = defineWorkflow('shortNap', async () => {
      await sleep('2s');
      return 'rested';
    });
    const r = runtime({ clock, inMemoryWaitMs: 5_000, pollIntervalMs: 60_000 }).register(wf);
    await r.start();
    const handle = await r.startWorkflow(wf, []);
    await clock.advance(0);
    await waitFor(async () => (await handle.history()).some((e) => e.type === 'step_completed'), 5_000, 'sleep step');
    expect(await handle.status()).toBe('running');
    await clock.advance('2s');
    expect(await handle.result()).toBe('rested');
    expect((await handle.history()).map((e) => e.type)).not.toContain('sleeping');
  });

  it('a delayed start never begins early', async () => {
    const clock = new VirtualClock();
    const started: number[] = [];
    const job = defineTask('delayedJob', async () => {
      started.push(clock.now());
      return 'ran';
    });
    const r = runtime({ clock, pollIntervalMs: 60_000 }).register(job);
    await r.start();
    const t0 = clock.now();
    const handle = await r.enqueue(job, [], { delay: '90m' });
    await clock.advance({ minutes: 89, seconds: 59 });
    expect(started).toEqual([]);
    await clock.advance('1s');
    expect(await handle.result()).toBe('ran');
    expect(started).toEqual([t0 + 90 * 60_000]);
  });
});

describe('durable timers in real time', () => {
  it('sleeps in memory and suspended, never waking early', async () => {
    const wf = defineWorkflow('realSleeps', async () => {
      const a = await now();
      await sleep('120ms'); // in memory
      const b = await now();
      await sleep(250); // suspended (over inMemoryWaitMs)
      const c = await now();
      return [b - a, c - b];
    });
    const r = runtime({ inMemoryWaitMs: 150 }).register(wf);
    await r.start();
    const handle = await r.startWorkflow(wf, []);
    const [first, second] = (await handle.result()) as number[];
    expect(first).toBeGreaterThanOrEqual(120);
    expect(second).toBeGreaterThanOrEqual(250);
    const types = (await handle.history()).map((e) => e.type);
    expect(types.filter((t) => t === 'sleeping')).toHaveLength(1);
  });

  it('runs an enqueued job at its runAt time', async () => {
    const job = defineTask('atTime', async () => Date.now());
    const r = runtime().register(job);
    await r.start();
    const at = Date.now() + 200;
    const handle = await r.enqueue(job, [], { runAt: new Date(at) });
    expect(await handle.result()).toBeGreaterThanOrEqual(at);
  });
});
