import { afterEach, describe, expect, it } from 'vitest';
import { defineTask, defineWorkflow, NonRetryableError, sleep, waitForSignal } from '../src/index.js';
import { percentile } from '../src/client/workflow-activity.js';
import { createTestRuntime, type TestEnvironment } from '../src/testing/index.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const START = Date.UTC(2026, 0, 1);

const envs: TestEnvironment[] = [];
afterEach(async () => {
  for (const env of envs.splice(0)) await env.shutdown();
});

async function testRuntime(...items: object[]): Promise<TestEnvironment> {
  const env = await createTestRuntime(...items);
  envs.push(env);
  return env;
}

const charge = defineTask('inspect.charge', async (order: { id: string; cents: number }) => `ch-${order.id}`);
const decline = defineTask('inspect.decline', async (_note: string) => {
  throw new NonRetryableError('card declined');
});
const napper = defineWorkflow('inspect.napper', async (id: string, cents: number) => {
  const chargeId = await charge({ id, cents });
  await sleep('1h');
  return chargeId;
});
const declined = defineWorkflow('inspect.declined', async (note: string) => decline(note));
const approval = defineWorkflow('inspect.approval', async () => waitForSignal<string>('go', { timeout: '1h' }));

describe('handle.steps()', () => {
  it('decodes arguments and results, and shows a sleep as set (not completed) until its wake time', async () => {
    const env = await testRuntime(napper, charge);
    const handle = await env.runtime.startWorkflow(napper, ['o-1', 4200], { id: 'nap-1' });
    await env.advance(0);
    expect(await handle.status()).toBe('sleeping');
    const [task, timer] = await handle.steps();
    expect(task).toEqual({
      position: 0, name: 'inspect.charge', kind: 'task', status: 'completed', attempts: 1,
      args: [{ id: 'o-1', cents: 4200 }], argsPreview: '[{"id":"o-1","cents":4200}]', output: 'ch-o-1', error: undefined,
      wakeAt: undefined, recordedAt: new Date(START),
    });
    expect(timer).toMatchObject({ position: 1, name: 'sleep', kind: 'sleep', status: 'sleeping', wakeAt: new Date(START + HOUR), args: undefined });

    await env.advance(HOUR - 1);
    expect((await handle.steps())[1]!.status).toBe('sleeping');
    await env.advance(1);
    expect(await handle.result()).toBe('ch-o-1');
    expect((await handle.steps()).map((s) => s.status)).toEqual(['completed', 'completed']);
  });

  it('reports a failed step with its error, and arguments too long for the preview as the preview only', async () => {
    const env = await testRuntime(declined, decline);
    const note = 'x'.repeat(300);
    const handle = await env.runtime.startWorkflow(declined, [note]);
    await env.advance(0);
    const [step] = await handle.steps();
    expect(step).toMatchObject({ status: 'failed', args: undefined, output: undefined });
    expect(step!.error).toBeInstanceOf(NonRetryableError);
    expect(step!.error!.message).toBe('card declined');
    expect(step!.argsPreview).toHaveLength(120);
    expect(step!.argsPreview!.endsWith('…')).toBe(true);
  });

  it('marks a timer cancelled when the workflow ends before it fires, and a signal deadline once the signal came', async () => {
    const env = await testRuntime(napper, charge, approval);
    const nap = await env.runtime.startWorkflow(napper, ['o-2', 1]);
    const waiting = await env.runtime.startWorkflow(approval, []);
    await env.advance(0);
    expect((await waiting.steps()).map((s) => [s.kind, s.status])).toEqual([['sleep', 'sleeping']]);
    await env.runtime.signal(waiting.id, 'go', 'yes');
    await nap.cancel();
    await env.advance(0);
    expect(await waiting.result()).toBe('yes');
    expect((await waiting.steps()).map((s) => [s.kind, s.status])).toEqual([['sleep', 'cancelled'], ['signal', 'completed']]);
    expect((await nap.steps()).map((s) => s.status)).toEqual(['completed', 'cancelled']);
  });
});

describe('activity()', () => {
  it('counts what finished per bucket from the stored workflows, with the failure rate and latency', async () => {
    const env = await testRuntime(napper, charge, declined, decline);
    // Two naps finish an hour after they start (latency 1 h), a declined one at once.
    await env.runtime.startWorkflow(napper, ['a', 1]);
    await env.runtime.startWorkflow(napper, ['b', 1]);
    await env.advance(10 * MINUTE);
    await env.runtime.startWorkflow(declined, ['no']);
    await env.advance(HOUR);
    const activity = await env.runtime.activity({ window: '2h', bucket: '30m' });
    expect(activity.bucketMs).toBe(30 * MINUTE);
    expect(activity.until).toEqual(new Date(START + 90 * MINUTE));
    expect(activity.since).toEqual(new Date(START - 30 * MINUTE));
    expect(activity.buckets.map((b) => [b.start.getTime() - START, b.completed, b.failed])).toEqual([
      [-30 * MINUTE, 0, 0], [0, 0, 1], [30 * MINUTE, 0, 0], [60 * MINUTE, 2, 0],
    ]);
    expect(activity.total).toMatchObject({ completed: 2, failed: 1, cancelled: 0, failureRate: 1 / 3 });
    expect(activity.total.latency).toMatchObject({ count: 2, meanMs: HOUR, maxMs: HOUR, p50Ms: HOUR, p99Ms: HOUR });
    expect(activity.buckets[0]!.latency).toBeNull();
    expect(activity.buckets[0]!.failureRate).toBeNull();
    // Defaults: the last hour in minutes.
    const hour = await env.runtime.activity();
    expect(hour.buckets).toHaveLength(60);
    expect(hour.total.completed).toBe(2);
  });

  it('refuses windows and buckets it cannot chart, naming the option', async () => {
    const env = await testRuntime(napper, charge);
    await expect(env.runtime.activity({ window: '10s' })).rejects.toThrow(/invalid window of activity\(\): 10s \(expected from 1 minute to 31 days\)/);
    await expect(env.runtime.activity({ window: '1h', bucket: '1s' })).rejects.toThrow(/invalid bucket of activity\(\): 1s for a window of 1h/);
    await expect(env.runtime.activity({ window: 'soon' })).rejects.toThrow(/invalid window of activity\(\)/);
    await expect(env.runtime.activity({ every: '1m' } as object)).rejects.toThrow(/unknown option "every" for activity/);
  });

  it('estimates percentiles inside a latency class, never above the largest value', () => {
    // 10 in [100, 250) ms, max 200: the median is halfway through the class as far as the max allows.
    const counts = new Array(18).fill(0);
    counts[4] = 10;
    expect(percentile(counts, 0.5, 200)).toBe(150);
    expect(percentile(counts, 1, 200)).toBe(200);
    expect(percentile(new Array(18).fill(0), 0.5, 0)).toBe(0);
  });
});

describe('listWorkflows after a cursor', () => {
  it('returns the next page and refuses a malformed cursor', async () => {
    const env = await testRuntime(napper, charge);
    for (const id of ['w1', 'w2', 'w3']) {
      await env.runtime.startWorkflow(napper, [id, 1], { id });
      await env.advance(1);
    }
    const [first, second] = await env.runtime.listWorkflows({ limit: 2 });
    expect([first!.id, second!.id]).toEqual(['w3', 'w2']);
    const rest = await env.runtime.listWorkflows({ after: { createdAt: second!.createdAt.getTime(), id: second!.id } });
    expect(rest.map((w) => w.id)).toEqual(['w1']);
    await expect(env.runtime.listWorkflows({ after: { createdAt: -1, id: 'x' } })).rejects.toThrow(/invalid after.createdAt of listWorkflows/);
    await expect(env.runtime.listWorkflows({ after: { createdAt: 1 } as never })).rejects.toThrow(/invalid after.id of listWorkflows/);
  });
});
