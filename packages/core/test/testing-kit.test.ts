import { afterEach, describe, expect, it } from 'vitest';
import {
  CancelledError,
  defineTask,
  defineTransaction,
  defineWorkflow,
  now,
  sleep,
  task,
  taskContext,
  TimeoutError,
  waitForSignal,
  workflow,
} from '../src/index.js';
import { createTestRuntime, MemoryAdapter, type MemoryTransaction, type TestEnvironment } from '../src/testing/index.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const START = Date.UTC(2026, 0, 1);

const envs: TestEnvironment[] = [];
afterEach(async () => {
  for (const env of envs.splice(0)) await env.shutdown();
});

/** `createTestRuntime`, shut down after the test. */
async function testRuntime(...args: object[]): Promise<TestEnvironment> {
  const env = await createTestRuntime(...args);
  envs.push(env);
  return env;
}

/** Elapsed real time of `fn`, to show that virtual weeks take milliseconds. */
async function timed<T>(fn: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = performance.now();
  const value = await fn();
  return { value, ms: performance.now() - started };
}

class Reminders {
  readonly sent: Array<{ who: string; at: number }> = [];
  constructor(private readonly clock: () => number) {}

  @task({ retries: 2 })
  async remind(who: string): Promise<string> {
    this.sent.push({ who, at: this.clock() });
    return `reminded ${who}`;
  }

  @workflow()
  async weekly(who: string): Promise<string> {
    await sleep('7 days');
    return this.remind(who);
  }
}

describe('a workflow that waits a week', () => {
  it('runs in milliseconds with advance (decorated class, as in DESIGN)', async () => {
    let env!: TestEnvironment;
    const reminders = new Reminders(() => env.clock.now());
    env = await testRuntime(reminders);
    const { ms } = await timed(async () => {
      const handle = await env.runtime.startWorkflow(reminders.weekly, ['ada']);
      await env.advance(0);
      expect(await handle.status()).toBe('sleeping');
      await env.advance(7 * DAY - 1);
      expect(reminders.sent).toEqual([]);
      expect(await handle.status()).toBe('sleeping');
      await env.advance(1);
      expect(await handle.result()).toBe('reminded ada');
      expect(reminders.sent).toEqual([{ who: 'ada', at: START + 7 * DAY }]);
      expect((await handle.history()).map((e) => e.type)).toEqual([
        'created', 'claimed', 'step_completed', 'sleeping', 'woke', 'step_completed', 'completed',
      ]);
    });
    expect(ms).toBeLessThan(2_000); // a week, in real milliseconds even on a loaded machine
  });

  it('resolves handle.result() by itself with autoAdvance (defineWorkflow)', async () => {
    const remind = defineTask('kit.remind', async (who: string) => `reminded ${who}`);
    const weekly = defineWorkflow('kit.weekly', async (who: string) => {
      const before = await now();
      await sleep('7 days');
      return { message: await remind(who), slept: [before, await now()] };
    });
    const env = await testRuntime({ items: [weekly, remind], autoAdvance: true });
    const { value, ms } = await timed(async () => (await env.runtime.startWorkflow(weekly, ['ada'])).result());
    expect(value).toEqual({ message: 'reminded ada', slept: [START, START + 7 * DAY] });
    expect(env.clock.now()).toBe(START + 7 * DAY);
    expect(ms).toBeLessThan(2_000); // a week, in real milliseconds even on a loaded machine
  });

  it('autoAdvance leaves time alone while nothing waits on it', async () => {
    const gate = defineWorkflow('kit.gate', async () => waitForSignal<string>('open'));
    const env = await testRuntime({ items: [gate], autoAdvance: true, start: '2026-06-01T00:00:00Z' });
    const handle = await env.runtime.startWorkflow(gate, []);
    await env.advance(0); // returns once the runtime is idle: the workflow waits for its signal
    expect(await handle.status()).toBe('sleeping');
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(env.clock.now()).toBe(Date.parse('2026-06-01T00:00:00Z'));
    await env.runtime.signal(handle.id, 'open', 'now');
    expect(await handle.result()).toBe('now');
  });
});

describe('the README example (packages/core/README.md, Testing your workflows)', () => {
  const remind = defineTask('remind', async (who: string) => `reminded ${who}`);
  const weekly = defineWorkflow('weekly', async (who: string) => {
    await sleep('7 days');
    return remind(who);
  });

  it('reminds after a week', async () => {
    const env = await createTestRuntime(weekly, remind);
    const handle = await env.runtime.startWorkflow(weekly, ['ada']);
    await env.advance('7 days');
    expect(await handle.result()).toBe('reminded ada');
    await env.shutdown();
  });
});

describe('retries', () => {
  it('waits out a 1h backoff between attempts, durably', async () => {
    let env!: TestEnvironment;
    const attempts: Array<{ attempt: number; at: number }> = [];
    const flaky = defineTask(
      'kit.flaky',
      async () => {
        const { attempt } = taskContext();
        attempts.push({ attempt, at: env.clock.now() });
        if (attempt < 3) throw new Error(`upstream down (attempt ${attempt})`);
        return 'ok';
      },
      { retries: 3, backoff: { type: 'fixed', initial: '1h' } },
    );
    const job = defineWorkflow('kit.retrying', async () => flaky());
    env = await testRuntime(job, flaky);
    const handle = await env.runtime.startWorkflow(job, []);
    await env.advance(0);
    expect(attempts).toEqual([{ attempt: 1, at: START }]);
    expect(await handle.status()).toBe('sleeping');
    await env.advance('59m');
    expect(attempts).toHaveLength(1);
    await env.advance('1m');
    expect(attempts.map((a) => a.at)).toEqual([START, START + HOUR]);
    await env.advance('1h');
    expect(await handle.result()).toBe('ok');
    expect(attempts).toEqual([
      { attempt: 1, at: START },
      { attempt: 2, at: START + HOUR },
      { attempt: 3, at: START + 2 * HOUR },
    ]);
    const types = (await handle.history()).map((e) => e.type);
    expect(types.filter((t) => t === 'retry_scheduled')).toHaveLength(2);
  });

  it('an exhausted task fails the workflow with its error; retry() resumes it', async () => {
    let healthy = false;
    const call = defineTask('kit.call', async () => {
      if (!healthy) throw new Error('still down');
      return 'up';
    }, { retries: 1, backoff: { type: 'fixed', initial: '10m' } });
    const wf = defineWorkflow('kit.callTwice', async () => call());
    const env = await testRuntime({ items: [wf, call], autoAdvance: true });
    const handle = await env.runtime.startWorkflow(wf, []);
    await expect(handle.result()).rejects.toThrow('still down');
    expect(env.clock.now()).toBe(START + 10 * 60_000);
    healthy = true;
    await env.runtime.retry(handle.id);
    expect(await handle.result()).toBe('up');
  });
});

describe('signals', () => {
  const approval = defineWorkflow('kit.approval', async () => {
    const decision = await waitForSignal<{ approved: boolean }>('decision', { timeout: '3 days' });
    return { decision: decision ?? 'expired', at: await now() };
  });

  it('a signal sent after 2 days is delivered at once', async () => {
    const env = await testRuntime(approval);
    const handle = await env.runtime.startWorkflow(approval, []);
    await env.advance('2 days');
    expect(await handle.status()).toBe('sleeping');
    await env.runtime.signal(handle.id, 'decision', { approved: true });
    await env.advance(0);
    expect(await handle.result()).toEqual({ decision: { approved: true }, at: START + 2 * DAY });
  });

  it('without a signal, the wait times out after 3 days', async () => {
    const env = await testRuntime(approval);
    const handle = await env.runtime.startWorkflow(approval, []);
    await env.advance('3 days');
    expect(await handle.result()).toEqual({ decision: 'expired', at: START + 3 * DAY });
  });
});

describe('child workflows', () => {
  it('a parent awaits a child that sleeps a day', async () => {
    const child = defineWorkflow('kit.child', async (n: number) => {
      await sleep('1 day');
      return n * 2;
    });
    const parent = defineWorkflow('kit.parent', async (n: number) => {
      const doubled = await child(n);
      return { doubled, at: await now() };
    });
    const env = await testRuntime(parent, child);
    const handle = await env.runtime.startWorkflow(parent, [21]);
    await env.advance(0);
    const children = await env.runtime.listWorkflows({ name: 'kit.child' });
    expect(children.map((c) => [c.parentId, c.status])).toEqual([[handle.id, 'sleeping']]);
    await env.advance('1 day');
    expect(await handle.result()).toEqual({ doubled: 42, at: START + DAY });
  });
});

describe('cancellation and timeouts', () => {
  it('cancelling a sleeping workflow rejects its result and nothing runs when it was due', async () => {
    const ran: string[] = [];
    const send = defineTask('kit.send', async () => void ran.push('send'));
    const wf = defineWorkflow('kit.cancellable', async () => {
      await sleep('1 day');
      await send();
    });
    const env = await testRuntime(wf, send);
    const handle = await env.runtime.startWorkflow(wf, []);
    await env.advance('1h');
    expect(await handle.status()).toBe('sleeping');
    await handle.cancel();
    await expect(handle.result()).rejects.toBeInstanceOf(CancelledError);
    await env.advance('2 days');
    expect(ran).toEqual([]);
    expect(await handle.status()).toBe('cancelled');
  });

  it('a workflow timeout cancels it at its deadline with a TimeoutError', async () => {
    const wf = defineWorkflow('kit.slowpoke', async () => {
      await sleep('2 days');
      return 'late';
    }, { timeout: '1 day' });
    const env = await testRuntime({ items: [wf], autoAdvance: true });
    const handle = await env.runtime.startWorkflow(wf, []);
    const error = await handle.result().then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(CancelledError);
    expect((error as Error).message).toMatch(/deadline/);
    expect(env.clock.now()).toBe(START + DAY);
  });

  it('a task timeout fires on the virtual clock while the task hangs', async () => {
    const hang = defineTask('kit.hang', () => new Promise<string>((_resolve, reject) => {
      const { signal } = taskContext();
      signal.addEventListener('abort', () => reject(signal.reason));
    }), { timeout: '30s' });
    const wf = defineWorkflow('kit.hanging', async () => {
      try {
        return await hang();
      } catch (error) {
        return { timedOut: error instanceof TimeoutError, at: await now() };
      }
    });
    const env = await testRuntime(wf, hang);
    const handle = await env.runtime.startWorkflow(wf, []);
    await env.advance('29s');
    expect(await handle.status()).toBe('running');
    await env.advance('1s');
    expect(await handle.result()).toEqual({ timedOut: true, at: START + 30_000 });
  });
});

describe('ordering', () => {
  it('workflows due at different times run in due order, whatever the order they were started in', async () => {
    let env!: TestEnvironment;
    const order: Array<[string, number]> = [];
    const record = defineTask('kit.record', async (label: string) => void order.push([label, env.clock.now()]));
    const at = defineWorkflow('kit.at', async (label: string, delay: string) => {
      await sleep(delay);
      await record(label);
    });
    env = await testRuntime(at, record);
    await env.runtime.startWorkflow(at, ['third', '3h']);
    await env.runtime.startWorkflow(at, ['first', '1h']);
    await env.runtime.startWorkflow(at, ['second', '2h']);
    await env.runtime.startWorkflow(at, ['later', '2h'], { delay: '30m' });
    await env.advance('1 day');
    expect(order).toEqual([
      ['first', START + HOUR],
      ['second', START + 2 * HOUR],
      ['later', START + 2.5 * HOUR],
      ['third', START + 3 * HOUR],
    ]);
  });
});

describe('the MemoryAdapter in a runtime', () => {
  it('a transactional step commits its writes with its checkpoint, once', async () => {
    const deposit = defineTransaction('kit.deposit', async (cents: number) => {
      const trx = taskContext().trx as MemoryTransaction;
      trx.set('balance', (trx.get<number>('balance') ?? 0) + cents);
      return trx.get<number>('balance');
    });
    const wf = defineWorkflow('kit.deposits', async () => [await deposit(100), await deposit(50)]);
    const storage = new MemoryAdapter();
    const env = await testRuntime({ items: [wf, deposit], storage });
    const handle = await env.runtime.startWorkflow(wf, []);
    await env.advance(0);
    expect(await handle.result()).toEqual([100, 150]);
    expect(storage.getData('balance')).toBe(150);
  });

  it('records handed out are copies', async () => {
    const storage = new MemoryAdapter();
    await storage.migrate();
    const { record } = await storage.createWorkflow({
      id: 'w', name: 'n', kind: 'workflow', version: null, queue: 'default', priority: 0, args: '[]', parentId: null,
      nextAt: 0, deadlineAt: null, now: 0,
    });
    record.status = 'completed';
    (await storage.getWorkflow('w'))!.args = 'changed';
    expect(await storage.getWorkflow('w')).toMatchObject({ status: 'pending', args: '[]' });
    await storage.close();
    await expect(storage.getWorkflow('w')).rejects.toThrow(/closed/);
  });
});

describe('createTestRuntime', () => {
  it('passes runtime options through: with inMemoryWaitMs a short sleep keeps its lease', async () => {
    const nap = defineWorkflow('kit.nap', async () => {
      await sleep('2s');
      return now();
    });
    const env = await testRuntime({ items: [nap], options: { inMemoryWaitMs: 5_000 }, start: new Date(START + DAY) });
    const handle = await env.runtime.startWorkflow(nap, []);
    await env.advance('1s');
    expect(await handle.status()).toBe('running');
    await env.advance('1s');
    expect(await handle.result()).toBe(START + DAY + 2_000);
    expect((await handle.history()).map((e) => e.type)).not.toContain('sleeping');
  });


  it('refuses unknown options and a storage or clock of its own', async () => {
    await expect(createTestRuntime({ itemz: [] } as never)).rejects.toThrow(/unknown createTestRuntime option "itemz"/);
    await expect(createTestRuntime({ options: { clock: undefined } as never })).rejects.toThrow(/options.clock is not allowed/);
  });
});
