import { describe, expect, it } from 'vitest';
import {
  defineTask,
  defineWorkflow,
  NonRetryableError,
  RetryableError,
  SerializationError,
  taskContext,
  type Runtime,
} from '@steadfast/core';
import { VirtualClock } from '@steadfast/core/testing';
import { useSqliteRuntimes, waitFor } from './helpers.js';


const { runtime } = useSqliteRuntimes();

class PaymentDeclined extends Error {
  override name = 'PaymentDeclined';
  constructor(readonly orderId: string) {
    super(`payment for ${orderId} was declined`);
  }
}

describe('retries', () => {
  it('retries with backoff, exposing the attempt and a stable idempotency key', async () => {
    const seen: Array<{ attempt: number; key: string; stepIndex?: number }> = [];
    const flaky = defineTask(
      'flaky',
      async () => {
        const ctx = taskContext();
        seen.push({ attempt: ctx.attempt, key: ctx.idempotencyKey, stepIndex: ctx.stepIndex });
        if (ctx.attempt < 3) throw new Error(`boom ${ctx.attempt}`);
        return 'ok';
      },
      { retries: 3, backoff: { type: 'fixed', initial: '20ms' } },
    );
    const wf = defineWorkflow('usesFlaky', async () => flaky());
    const r = runtime().register(wf, flaky);
    await r.start();
    const handle = await r.startWorkflow(wf, [], { id: 'flaky-1' });
    expect(await handle.result()).toBe('ok');
    expect(seen.map((s) => s.attempt)).toEqual([1, 2, 3]);
    expect(new Set(seen.map((s) => s.key))).toEqual(new Set(['flaky-1:0']));
    expect(seen[0]!.stepIndex).toBe(0);
    const history = await handle.history();
    const retries = history.filter((e) => e.type === 'retry_scheduled');
    expect(retries.map((e) => e.data?.attempt)).toEqual([1, 2]);
    expect((retries[0]!.data?.error as { message: string }).message).toBe('boom 1');
    const done = history.find((e) => e.type === 'step_completed');
    expect(done?.data).toMatchObject({ name: 'flaky', attempts: 3 });
  });

  it('stops at once on NonRetryableError and fails the workflow with it', async () => {
    let attempts = 0;
    const strict = defineTask(
      'strict',
      async () => {
        attempts++;
        throw new NonRetryableError('card number is invalid');
      },
      { retries: 5, backoff: 'fixed' },
    );
    const wf = defineWorkflow('usesStrict', async () => strict());
    const r = runtime().register(wf, strict);
    await r.start();
    const handle = await r.startWorkflow(wf, []);
    const error = await handle.result().catch((e) => e);
    expect(error).toBeInstanceOf(NonRetryableError);
    expect(error.message).toBe('card number is invalid');
    expect(attempts).toBe(1);
    const info = await handle.info();
    expect(info.status).toBe('failed');
    expect(info.error?.message).toBe('card number is invalid');
    expect(info.error?.stack).toContain('card number is invalid');
  });

  it('honours RetryableError.retryAfter over the backoff', async () => {
    const times: number[] = [];
    const limited = defineTask(
      'limited',
      async () => {
        times.push(Date.now());
        if (times.length === 1) throw new RetryableError('rate limited', { retryAfter: 150 });
        return 'through';
      },
      { retries: 1, backoff: { type: 'fixed', initial: 0 } },
    );
    const wf = defineWorkflow('usesLimited', async () => limited());
    const r = runtime().register(wf, limited);
    await r.start();
    expect(await (await r.startWorkflow(wf, [])).result()).toBe('through');
    expect(times[1]! - times[0]!).toBeGreaterThanOrEqual(140);
  });

  it('throws exhausted retries into the workflow, which may catch them and compensate', async () => {
    const log: string[] = [];
    const charge = defineTask('charge', async (orderId: string) => {
      log.push('charge');
      throw new PaymentDeclined(orderId);
    }, { retries: 2, backoff: { type: 'fixed', initial: 5 } });
    const release = defineTask('releaseStock', async () => {
      log.push('release');
      return 'released';
    });
    const wf = defineWorkflow('saga', async (orderId: string) => {
      try {
        await charge(orderId);
        return 'charged';
      } catch (error) {
        expect(error).toBeInstanceOf(PaymentDeclined);
        return `compensated: ${await release()} after ${(error as Error).message}`;
      }
    });
    const r = runtime({ errorClasses: [PaymentDeclined] }).register(wf, charge, release);
    await r.start();
    expect(await (await r.startWorkflow(wf, ['o-9'])).result()).toBe('compensated: released after payment for o-9 was declined');
    expect(log).toEqual(['charge', 'charge', 'charge', 'release']);
  });

  it('revives an application error class registered with the runtime after a restart', async () => {
    const charge = defineTask('charge2', async (orderId: string) => {
      throw new PaymentDeclined(orderId);
    });
    const wf = defineWorkflow('declines', async (orderId: string) => charge(orderId));
    const r = runtime({ errorClasses: [PaymentDeclined] }).register(wf, charge);
    await r.start();
    const error = await (await r.startWorkflow(wf, ['o-2'])).result().catch((e) => e);
    expect(error).toBeInstanceOf(PaymentDeclined);
    expect(error.orderId).toBe('o-2');
  });

  it('fails a step whose result cannot be serialized, naming the path', async () => {
    const bad = defineTask('returnsFunction', async () => ({ ok: true, callback: () => 1 }), { retries: 3 });
    const wf = defineWorkflow('usesBad', async () => bad());
    const r = runtime().register(wf, bad);
    await r.start();
    const error = await (await r.startWorkflow(wf, [])).result().catch((e) => e);
    expect(error).toBeInstanceOf(SerializationError);
    expect(error.message).toContain('result of task returnsFunction.callback');
  });

  it('resumes a failed workflow with retry(id), re-running only the step that failed', async () => {
    const counts = { first: 0, second: 0 };
    let healthy = false;
    const first = defineTask('first', async () => ++counts.first);
    const second = defineTask('second', async () => {
      counts.second++;
      if (!healthy) throw new Error('downstream is down');
      return 'fine';
    });
    const wf = defineWorkflow('twoSteps', async () => `${await first()} ${await second()}`);
    const r = runtime().register(wf, first, second);
    await r.start();
    const handle = await r.startWorkflow(wf, [], { id: 'dead-letter' });
    await expect(handle.result()).rejects.toThrow('downstream is down');
    expect((await r.listWorkflows({ status: 'failed' })).map((w) => w.id)).toEqual(['dead-letter']);

    healthy = true;
    await r.retry('dead-letter');
    expect(await handle.result()).toBe('1 fine');
    expect(counts).toEqual({ first: 1, second: 2 });
    expect((await handle.history()).map((e) => e.type)).toContain('retried');
    await expect(r.retry('dead-letter')).rejects.toThrow('workflow dead-letter is completed; only a failed workflow can be retried');
  });

  it('keeps the attempt count and the backoff wait across a restart during a long backoff', async () => {
    const clock = new VirtualClock();
    const attempts: number[] = [];
    const slowRetry = defineTask(
      'slowRetry',
      async () => {
        attempts.push(taskContext().attempt);
        if (taskContext().attempt < 3) throw new Error('not yet');
        return 'done';
      },
      { retries: 5, backoff: { type: 'fixed', initial: '1h' } },
    );
    const wf = defineWorkflow('patient', async () => slowRetry());
    const first = runtime({ clock, pollIntervalMs: 60_000 }).register(wf, slowRetry);
    await first.start();
    const handle = await first.startWorkflow(wf, [], { id: 'patient-1' });
    await clock.advance(0);
    await waitFor(async () => (await handle.status()) === 'sleeping', 5_000, 'backoff to suspend');
    expect(attempts).toEqual([1]);
    // The backoff holds no slot: the workflow sleeps until the retry is due.
    expect((await handle.info()).nextAt?.getTime()).toBe(clock.now() + 3_600_000);
    await first.shutdown();

    await clock.advance('59m');
    const second = runtime({ clock, pollIntervalMs: 60_000 }).register(wf, slowRetry);
    await second.start();
    await clock.advance('59s');
    expect(attempts).toEqual([1]); // not early
    await clock.advance('1s');
    await waitFor(() => attempts.length === 2, 5_000, 'second attempt');
    expect(attempts).toEqual([1, 2]); // the count continued from the stored attempt
    await clock.advance('1h');
    expect(await (await second.getWorkflow('patient-1')).result()).toBe('done');
    expect(attempts).toEqual([1, 2, 3]);
  });
});
