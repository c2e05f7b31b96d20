import { describe, expect, it } from 'vitest';
import {
  CancelledError,
  defineTask,
  defineWorkflow,
  sleep,
  task,
  taskContext,
  workflow,
  WorkflowConflictError,
  WorkflowNotFoundError,
  type Runtime,
} from '@steadfast/core';
import { memoryLogger, useSqliteRuntimes, waitFor } from './helpers.js';


const { runtime } = useSqliteRuntimes();

describe('idempotent start', () => {
  it('returns the existing workflow for an id that exists and runs nothing new', async () => {
    let runs = 0;
    const once = defineWorkflow('once', async (n: number) => {
      runs++;
      return n * 2;
    });
    const other = defineWorkflow('other', async () => 'other');
    const r = runtime().register(once, other);
    await r.start();
    const a = await r.startWorkflow(once, [21], { id: 'same' });
    const b = await r.startWorkflow(once, [99], { id: 'same' });
    expect(b.id).toBe(a.id);
    expect(await a.result()).toBe(42);
    expect(await b.result()).toBe(42);
    const c = await r.startWorkflow(once, [1], { id: 'same' });
    expect(await c.result()).toBe(42);
    expect(runs).toBe(1);
    const error = await r.startWorkflow(other, [], { id: 'same' }).catch((e) => e);
    expect(error).toBeInstanceOf(WorkflowConflictError);
    expect(error.message).toBe('workflow id "same" is already used by once; cannot start other with the same id');
    expect(await r.listWorkflows()).toHaveLength(1);
  });
});

describe('decorated classes', () => {
  class Greeter {
    constructor(private readonly greeting: string) {}

    @task({ retries: 2, backoff: { type: 'fixed', initial: 1 } })
    async compose(name: string): Promise<string> {
      if (taskContext().attempt === 1) throw new Error('first attempt fails');
      return `${this.greeting}, ${name}`;
    }

    @workflow({ name: 'greet', queue: 'greetings' })
    async greet(name: string): Promise<string> {
      return (await this.compose(name)) + '!';
    }
  }

  it('calls a workflow method directly from outside: it starts on its runtime and is awaited', async () => {
    const greeter = new Greeter('Hello');
    const r = runtime({ queues: ['greetings'] }).register(greeter);
    await r.start();
    expect(await greeter.greet('Ada')).toBe('Hello, Ada!');
    const [info] = await r.listWorkflows({ name: 'greet' });
    expect(info).toMatchObject({ name: 'greet', queue: 'greetings', status: 'completed', output: 'Hello, Ada!', args: ['Ada'] });
  });

  it('runs a task called outside any workflow directly, with its retry policy', async () => {
    const greeter = new Greeter('Hi');
    expect(await greeter.compose('Bob')).toBe('Hi, Bob');
  });

  it('refuses to register two different implementations under one name', () => {
    const r = runtime();
    r.register(new Greeter('a'));
    expect(() => r.register(new Greeter('b'))).toThrow('a task named "Greeter.compose" is already registered; names must be unique');
  });
});

describe('graceful shutdown', () => {
  it('lets an in-flight step finish, then releases the workflow so the next start resumes it at once', async () => {
    const ran: string[] = [];
    const slow = defineTask('slow', async (label: string) => {
      ran.push(`start ${label}`);
      await new Promise((resolve) => setTimeout(resolve, 300));
      ran.push(`end ${label}`);
      return label;
    });
    const wf = defineWorkflow('twoSlow', async () => [await slow('one'), await slow('two')]);
    const first = runtime().register(wf, slow);
    await first.start();
    await first.startWorkflow(wf, [], { id: 'graceful' });
    await waitFor(() => ran.length === 1, 5_000, 'first step to start');
    await first.shutdown({ timeout: 5_000 });
    expect(ran).toEqual(['start one', 'end one']);

    const second = runtime().register(wf, slow);
    const info = await (await second.getWorkflow('graceful')).info();
    expect(info.status).toBe('sleeping'); // parked, due now, no lease held
    expect(info.nextAt!.getTime()).toBeLessThanOrEqual(Date.now());
    await second.start();
    expect(await (await second.getWorkflow('graceful')).result()).toEqual(['one', 'two']);
    expect(ran).toEqual(['start one', 'end one', 'start two', 'end two']);
  });

  it('after the deadline aborts what still runs and releases its lease', async () => {
    let aborted: unknown;
    const stuck = defineTask('stuck', async () => {
      const { signal } = taskContext();
      await new Promise((_, reject) => signal.addEventListener('abort', () => ((aborted = signal.reason), reject(signal.reason))));
    });
    const wf = defineWorkflow('stuckFlow', async () => stuck());
    const r = runtime().register(wf, stuck);
    await r.start();
    await r.startWorkflow(wf, [], { id: 'stuck-1' });
    await waitFor(async () => (await (await r.getWorkflow('stuck-1')).history()).some((e) => e.type === 'claimed'), 5_000, 'claim');
    await new Promise((resolve) => setTimeout(resolve, 50));
    await r.shutdown({ timeout: 100 });
    expect(aborted).toBeInstanceOf(Error);

    const client = runtime();
    const info = await (await client.getWorkflow('stuck-1')).info();
    expect(info.status).toBe('pending');
    expect((await (await client.getWorkflow('stuck-1')).history()).map((e) => e.type)).toContain('released');
  });

  it('start() and shutdown() are idempotent', async () => {
    const r = runtime();
    await Promise.all([r.start(), r.start()]);
    await Promise.all([r.shutdown(), r.shutdown()]);
    await expect(r.start()).rejects.toThrow('this runtime was shut down; create a new one');
  });
});

describe('client runtime and inspection', () => {
  it('a runtime never started enqueues work that a separate worker runtime executes', async () => {
    const double = defineTask('double', async (n: number) => n * 2);
    const client = runtime().register(double);
    const handle = await client.enqueue(double, [21], { id: 'job-1' });
    expect(await handle.status()).toBe('pending');
    const worker = runtime().register(double);
    await worker.start();
    expect(await handle.result()).toBe(42);
    expect((await handle.info()).kind).toBe('job');
  });

  it('getWorkflow of an unknown id throws WorkflowNotFoundError', async () => {
    const r = runtime();
    const error = await r.getWorkflow('nope').catch((e) => e);
    expect(error).toBeInstanceOf(WorkflowNotFoundError);
    expect(error.message).toBe('no workflow with id "nope"');
  });

  it('lists workflows by status and name', async () => {
    const a = defineWorkflow('listA', async () => 'a');
    const b = defineWorkflow('listB', async () => {
      await sleep('1h');
    });
    const r = runtime().register(a, b);
    await r.start();
    await (await r.startWorkflow(a, [])).result();
    const sleeper = await r.startWorkflow(b, []);
    await waitFor(async () => (await sleeper.status()) === 'sleeping', 5_000, 'sleeping');
    expect((await r.listWorkflows({ status: 'completed' })).map((w) => w.name)).toEqual(['listA']);
    expect((await r.listWorkflows({ status: ['sleeping', 'completed'] })).map((w) => w.name).sort()).toEqual(['listA', 'listB']);
    expect(await r.listWorkflows({ name: 'listB', status: 'completed' })).toEqual([]);
  });

  it('leaves workflows it has not registered for a worker that has, and says so', async () => {
    const known = defineWorkflow('knownOne', async () => 'known');
    const client = runtime();
    client.register(known);
    await client.startWorkflow(known, [], { id: 'orphan' });
    const { logger, entries } = memoryLogger();
    const worker = runtime({ logger });
    await worker.start();
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await (await worker.getWorkflow('orphan')).status()).toBe('pending');
    expect(entries.some((e) => String(e.msg).includes('whose names this runtime has not registered (knownOne)'))).toBe(true);
  });
});

describe('cancellation', () => {
  it('cancels a sleeping workflow: result() rejects with CancelledError and recovery never resumes it', async () => {
    const wf = defineWorkflow('napper', async () => {
      await sleep('300ms');
      return 'woke';
    });
    const r = runtime({ inMemoryWaitMs: 0 }).register(wf);
    await r.start();
    const handle = await r.startWorkflow(wf, []);
    await waitFor(async () => (await handle.status()) === 'sleeping', 5_000, 'sleeping');
    await handle.cancel();
    await expect(handle.result()).rejects.toBeInstanceOf(CancelledError);
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(await handle.status()).toBe('cancelled');
  });

  it('stops a running workflow: its in-flight task sees the abort signal and nothing more is written', async () => {
    let sawAbort = false;
    const after: string[] = [];
    const long = defineTask('long', async () => {
      const { signal } = taskContext();
      await new Promise((resolve) => {
        const t = setTimeout(resolve, 2_000);
        signal.addEventListener('abort', () => ((sawAbort = true), clearTimeout(t), resolve(undefined)));
      });
      return 'finished';
    });
    const next = defineTask('next', async () => after.push('next ran'));
    const wf = defineWorkflow('cancelMe', async () => {
      await long();
      await next();
    });
    const r = runtime().register(wf, long, next);
    await r.start();
    const handle = await r.startWorkflow(wf, []);
    await waitFor(async () => (await handle.history()).some((e) => e.type === 'claimed'), 5_000, 'claim');
    await new Promise((resolve) => setTimeout(resolve, 50));
    await handle.cancel();
    await waitFor(() => sawAbort, 5_000, 'abort signal');
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(after).toEqual([]);
    expect(await handle.status()).toBe('cancelled');
    expect((await handle.history()).map((e) => e.type)).not.toContain('step_completed');
  });
});

describe('a stalled worker', () => {
  it('that claims its own workflow back after its event loop stalled past the lease runs it once more, not in a loop', async () => {
    let runs = 0;
    const busy = defineTask('busy', async () => {
      runs++;
      if (runs === 1) {
        // Let the worker finish its claim round first (it plans its next look), then block the event loop past
        // the lease: no heartbeat can run, and the worker's own next claim comes before its next heartbeat.
        await new Promise((resolve) => setTimeout(resolve, 50));
        const end = Date.now() + 1_500;
        while (Date.now() < end);
        await new Promise((resolve) => setTimeout(resolve, 50));
      } else {
        await new Promise((resolve) => setTimeout(resolve, 1_200));
      }
      return runs;
    });
    const wf = defineWorkflow('stalls', async () => busy());
    const r = runtime({ leaseMs: 1_000, heartbeatMs: 300, pollIntervalMs: 100, idlePollIntervalMs: 100 }).register(wf, busy);
    await r.start();
    const handle = await r.startWorkflow(wf, []);
    expect(await handle.result()).toBe(2);
    expect(runs).toBe(2);
    const info = await handle.info();
    // Taking back its own lease is not a crash: it does not count towards maxRecoveryAttempts.
    expect(info.recoveryAttempts).toBe(0);
    expect((await handle.history()).map((e) => e.type)).toEqual(['created', 'claimed', 'recovered', 'step_completed', 'completed']);
  });
});

describe('retry of a workflow that has not failed', () => {
  it('is refused for a pending, a sleeping and a completed workflow, naming the status', async () => {
    const later = defineWorkflow('later', async () => 'x');
    const client = runtime().register(later);
    await client.startWorkflow(later, [], { id: 'not-failed', delay: '1h' });
    await expect(client.retry('not-failed')).rejects.toThrow('workflow not-failed is pending; only a failed workflow can be retried');
    await expect(client.retry('missing')).rejects.toBeInstanceOf(WorkflowNotFoundError);
  });
});

describe('cross-process wake-up on SQLite', () => {
  it('an idle worker notices work committed by another connection without waiting for its poll', async () => {
    const ping = defineTask('ping', async () => 'pong');
    const worker = runtime({ pollIntervalMs: 600_000 }).register(ping);
    await worker.start();
    await new Promise((resolve) => setTimeout(resolve, 100)); // the worker is idle, its next poll 10 minutes away
    const client = runtime().register(ping); // another adapter: another connection, as another process has
    const handle = await client.enqueue(ping, []);
    expect(await handle.result()).toBe('pong');
  });
});
