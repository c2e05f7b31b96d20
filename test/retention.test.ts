import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  defineTask,
  defineWorkflow,
  NonRetryableError,
  sleep,
  ValidationError,
  waitForSignal,
  type Runtime,
  type RuntimeOptions,
  type WorkflowStatus,
} from '@steadfast/core';
import { VirtualClock } from '@steadfast/core/testing';
import { ADAPTERS, type TestStorage } from './adapters.js';
import { memoryLogger, waitFor } from './helpers.js';

const T0 = Date.parse('2026-06-01T10:00:00Z');
const MINUTE = 60_000;

/**
 * Retention on a virtual clock. On SQLite a purge finishes within the clock's settle turns, so the loop really
 * runs every 100 virtual ms through each jump (tens of thousands of purges, seconds of real time); on
 * PostgreSQL the round trips let it run less often. Either way each purge sees the clock's `now`.
 */
describe.each(ADAPTERS.filter((a) => a.available))('retention on $name', (kind) => {
  let storage: TestStorage;
  /** Released at the end of each test, so a workflow held running by it can finish. */
  let release: () => void = () => {};
  beforeEach(async () => {
    storage = await kind.create();
  });
  afterEach(async () => {
    release();
    await storage.cleanup();
  });

  let charges = 0;
  const charge = defineTask('charge', async (n: number) => {
    charges++;
    return n * 2;
  });
  const refuse = defineTask('refuse', async () => {
    throw new NonRetryableError('card declined');
  });
  const hold = defineTask('hold', () => new Promise<string>((resolve) => (release = () => resolve('released'))));
  const order = defineWorkflow('order', async (n: number) => charge(n));
  const doomed = defineWorkflow('doomed', async () => {
    await charge(0);
    await refuse();
  });
  const napper = defineWorkflow('napper', async () => {
    await sleep('10h');
    return 'rested';
  });
  const waiter = defineWorkflow('waiter', async () => waitForSignal('go'));
  const blocker = defineWorkflow('blocker', async () => hold());
  const ALL = [charge, refuse, hold, order, doomed, napper, waiter, blocker];

  /** A runtime on the virtual clock: only timers (retention, heartbeats) and start notifications move it. */
  const onClock = (clock: VirtualClock, options: Partial<RuntimeOptions> = {}): Runtime =>
    storage
      .runtime({ clock, pollIntervalMs: 600_000, leaseMs: 3_600_000, heartbeatMs: 1_200_000, ...options })
      .register(...ALL);

  /**
   * Waits (in real time) for `check` while virtual time creeps on by 10 ms a turn, as real time would: a
   * worker woken while it was claiming looks again on a timer, which only a moving clock fires.
   */
  const settle = (clock: VirtualClock, check: () => Promise<boolean>, what: string) =>
    waitFor(async () => {
      await clock.advance(10);
      return check();
    }, 20_000, what);

  /**
   * Moves the clock to `at` (firing the timers on the way), then on by 100 ms at a time (a retention
   * interval) until `check` holds: the purges after the jump see a `now` of `at` or just after.
   */
  async function advanceUntil(clock: VirtualClock, at: number, check: () => Promise<boolean>, what: string): Promise<void> {
    await clock.advanceTo(at);
    await waitFor(async () => {
      await clock.advance(100);
      return check();
    }, 20_000, what);
  }

  /** Lets the retention loop run `n` more times. */
  async function purgeRounds(clock: VirtualClock, n = 5): Promise<void> {
    for (let i = 0; i < n; i++) {
      await clock.advance(100);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  async function statusOf(runtime: Runtime, id: string): Promise<WorkflowStatus | undefined> {
    return (await runtime.listWorkflows({ limit: 10_000 })).find((w) => w.id === id)?.status;
  }

  it('purges completed and failed workflows once older than their age, with their steps and events; never unfinished ones', async () => {
    const clock = new VirtualClock(T0);
    const runtime = onClock(clock, { retention: { completed: '1h', failed: '2h', intervalMs: 100 } });
    await runtime.start();
    const probe = storage.adapter();
    const exists = async (id: string) => (await probe.getWorkflow(id)) !== undefined;
    const expectPurged = async (id: string) => {
      expect(await probe.getWorkflow(id), id).toBeUndefined();
      expect(await probe.history(id), id).toEqual([]);
      expect(await probe.loadExecution({ workflowId: id, owner: 'nobody', epoch: 0 }).then((s) => s.steps, () => [])).toEqual([]);
    };
    const finish = (id: string, status: WorkflowStatus) => settle(clock, async () => (await statusOf(runtime, id)) === status, `${id} ${status}`);
    /** When `id` finished: the time it was asked to finish, give or take the clock's creep while waiting. */
    const expectFinishedAt = async (id: string, at: number) => {
      const finishedAt = (await probe.getWorkflow(id))!.finishedAt!;
      expect(finishedAt).toBeGreaterThanOrEqual(at);
      expect(finishedAt).toBeLessThan(at + 5_000);
    };

    // At T0: one completed, one failed (each with a checkpointed step), and one workflow of each unfinished status.
    await runtime.startWorkflow(order, [1], { id: 'old-done' });
    await runtime.startWorkflow(doomed, [], { id: 'old-failed' });
    await runtime.startWorkflow(napper, [], { id: 'sleeping' });
    await runtime.startWorkflow(waiter, [], { id: 'waiting' });
    await runtime.startWorkflow(blocker, [], { id: 'running' });
    await runtime.startWorkflow(order, [9], { id: 'pending', startAt: T0 + 20 * 60 * MINUTE });
    await finish('old-done', 'completed');
    await finish('old-failed', 'failed');
    await finish('sleeping', 'sleeping');
    await finish('waiting', 'sleeping');
    await finish('running', 'running');
    expect(await statusOf(runtime, 'pending')).toBe('pending');
    await expectFinishedAt('old-done', T0);
    const unfinished = ['sleeping', 'waiting', 'running', 'pending'];
    const historyBefore = new Map(await Promise.all(unfinished.map(async (id) => [id, await probe.history(id)] as const)));

    // At T0 + 30 min: a younger completed and failed one. Nothing is old enough yet.
    await clock.advanceTo(T0 + 30 * MINUTE);
    await runtime.startWorkflow(order, [2], { id: 'young-done' });
    await runtime.startWorkflow(doomed, [], { id: 'young-failed' });
    await finish('young-done', 'completed');
    await finish('young-failed', 'failed');
    await expectFinishedAt('young-done', T0 + 30 * MINUTE);
    await purgeRounds(clock);
    for (const id of ['old-done', 'old-failed', 'young-done', 'young-failed', ...unfinished]) expect(await exists(id), id).toBe(true);

    // Past an hour after old-done finished: it goes, with its steps and events; nothing else does.
    await advanceUntil(clock, T0 + 65 * MINUTE, async () => !(await exists('old-done')), 'old-done purged');
    await expectPurged('old-done');
    await purgeRounds(clock);
    for (const id of ['old-failed', 'young-done', 'young-failed', ...unfinished]) expect(await exists(id), id).toBe(true);

    await advanceUntil(clock, T0 + 95 * MINUTE, async () => !(await exists('young-done')), 'young-done purged');
    await expectPurged('young-done');
    await purgeRounds(clock);
    for (const id of ['old-failed', 'young-failed', ...unfinished]) expect(await exists(id), id).toBe(true);

    // Failed ones are kept for their own age, two hours.
    await advanceUntil(clock, T0 + 125 * MINUTE, async () => !(await exists('old-failed')), 'old-failed purged');
    await expectPurged('old-failed');
    await purgeRounds(clock);
    expect(await exists('young-failed')).toBe(true);
    await advanceUntil(clock, T0 + 155 * MINUTE, async () => !(await exists('young-failed')), 'young-failed purged');
    await expectPurged('young-failed');

    // The unfinished ones were never touched, whatever their age.
    await purgeRounds(clock);
    expect(await Promise.all(unfinished.map((id) => statusOf(runtime, id)))).toEqual(['sleeping', 'sleeping', 'running', 'pending']);
    for (const id of unfinished) expect((await probe.history(id)).slice(0, historyBefore.get(id)!.length), id).toEqual(historyBefore.get(id));

    // Nothing of a purged workflow is left behind: one started again with its id runs its step again.
    const chargesBefore = charges;
    const again = await runtime.startWorkflow(order, [21], { id: 'old-done' });
    await settle(clock, async () => (await statusOf(runtime, 'old-done')) === 'completed', 'old-done again');
    expect(await again.result()).toBe(42);
    expect(charges).toBe(chargesBefore + 1);
    expect((await probe.history('old-done')).filter((e) => e.type === 'created')).toHaveLength(1);
  }, 60_000);

  it('two runtimes on the same storage purging at the same time purge every expired workflow once, without errors', async () => {
    const clock = new VirtualClock(T0);
    const logs = [memoryLogger(), memoryLogger()];
    // Small batches, so the two loops interleave many times.
    const retention = { completed: '1h', intervalMs: 100, batchSize: 4 };
    const runtimes = logs.map(({ logger }) => onClock(clock, { retention, logger }));
    for (const runtime of runtimes) await runtime.start();
    const ids = Array.from({ length: 30 }, (_, i) => `done-${String(i).padStart(2, '0')}`);
    for (const [i, id] of ids.entries()) await runtimes[i % 2]!.startWorkflow(order, [i], { id });
    await runtimes[0]!.startWorkflow(napper, [], { id: 'sleeping' });
    await settle(clock, async () => (await runtimes[0]!.listWorkflows({ status: 'completed', limit: 100 })).length === 30, 'all completed');
    await settle(clock, async () => (await statusOf(runtimes[0]!, 'sleeping')) === 'sleeping', 'sleeping');
    // Make sure neither loop has purged anything yet (all are younger than an hour).
    await purgeRounds(clock);
    expect(await runtimes[1]!.listWorkflows({ status: 'completed', limit: 100 })).toHaveLength(30);

    await advanceUntil(clock, T0 + 61 * MINUTE, async () => (await runtimes[1]!.listWorkflows({ status: 'completed', limit: 100 })).length === 0, 'all purged');
    await purgeRounds(clock);
    const deleted = logs.flatMap(({ entries }) => entries.filter((e) => e.msg === 'retention purged finished workflows').map((e) => e.deleted as number));
    expect(deleted.reduce((a, b) => a + b, 0)).toBe(30);
    const failures = logs.flatMap(({ entries }) => entries.filter((e) => (e.level as number) >= 40));
    expect(failures).toEqual([]);
    expect(await statusOf(runtimes[1]!, 'sleeping')).toBe('sleeping');
    const probe = storage.adapter();
    for (const id of ids) expect(await probe.history(id), id).toEqual([]);
  }, 60_000);

  it('runtime.purge deletes finished workflows older than olderThan in the statuses given', async () => {
    const clock = new VirtualClock(T0);
    const runtime = onClock(clock);
    await runtime.start();
    await runtime.startWorkflow(order, [1], { id: 'done' });
    await runtime.startWorkflow(doomed, [], { id: 'failed' });
    await runtime.startWorkflow(napper, [], { id: 'sleeping' });
    const statuses = async () => Promise.all(['done', 'failed', 'sleeping'].map((id) => statusOf(runtime, id)));
    await settle(clock, async () => (await statuses()).join() === 'completed,failed,sleeping', 'finished and parked');
    await clock.advance('30m');
    expect(await runtime.purge({ olderThan: '1h' })).toBe(0);
    expect(await runtime.purge({ olderThan: '10m', statuses: ['cancelled'] })).toBe(0);
    expect(await runtime.purge({ olderThan: { minutes: 10 }, statuses: ['failed'] })).toBe(1);
    expect(await statusOf(runtime, 'failed')).toBeUndefined();
    expect(await statusOf(runtime, 'done')).toBe('completed');
    expect(await runtime.purge({ olderThan: 0 })).toBe(1);
    expect((await runtime.listWorkflows()).map((w) => [w.id, w.status])).toEqual([['sleeping', 'sleeping']]);
  });

  it('runtime.purge and the retention option refuse invalid input, deleting nothing', async () => {
    const clock = new VirtualClock(T0);
    const runtime = onClock(clock);
    await runtime.start();
    await runtime.startWorkflow(order, [1], { id: 'done' });
    await settle(clock, async () => (await statusOf(runtime, 'done')) === 'completed', 'done');
    const refused = async (options: unknown) => {
      const error = await runtime.purge(options as Parameters<Runtime['purge']>[0]).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error, JSON.stringify(options)).toBeInstanceOf(ValidationError);
      return (error as Error).message;
    };
    for (const status of ['pending', 'running', 'sleeping']) {
      expect(await refused({ olderThan: 0, statuses: ['completed', status] })).toContain('purge deletes finished workflows only');
    }
    expect(await refused({ olderThan: 0, statuses: ['done'] })).toContain('purge deletes finished workflows only');
    for (const olderThan of ['soon', '', -1, Number.NaN, null, { fortnights: 1 }]) {
      expect(await refused({ olderThan, statuses: ['completed'] })).toContain('purge olderThan');
    }
    await refused({});
    await refused({ olderThan: '1h', before: T0 });
    expect(await statusOf(runtime, 'done')).toBe('completed');

    for (const retention of [{ completed: 'whenever' }, { failed: -5 }, { intervalMs: 50 }, { intervalMs: 1.5 }, { batchSize: 0 }, { forever: '1h' }, 'daily']) {
      expect(() => storage.runtime({ retention: retention as RuntimeOptions['retention'] }), JSON.stringify(retention)).toThrow(ValidationError);
    }
  });
});
