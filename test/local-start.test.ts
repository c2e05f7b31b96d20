// A start made by a runtime whose worker has a free slot is stored claimed by that worker and runs there at
// once, without a claim; otherwise (no free slot, a queue with flow control, a start for later) it is stored
// pending, for any worker. Judged on the event log and on the storage calls the worker makes.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defineTask, defineWorkflow, type Runtime, type StorageAdapter } from '@steadfast/core';
import { ADAPTERS, type TestStorage } from './adapters.js';

describe.each(ADAPTERS.filter((a) => a.available))('starts on the runtime that makes them, on $name', (kind) => {
  let storage: TestStorage;
  beforeEach(async () => {
    storage = await kind.create();
  });
  afterEach(async () => {
    await storage.cleanup();
  });

  /** A runtime whose storage counts claims, and the rows they returned. */
  function counted(options: Parameters<TestStorage['runtime']>[0]): { runtime: Runtime; claimedRows: () => number; claims: () => number } {
    const runtime = storage.runtime(options);
    const adapter: StorageAdapter = runtime.storage;
    const claim = adapter.claim.bind(adapter);
    let rows = 0;
    let calls = 0;
    adapter.claim = async (request) => {
      calls++;
      const claimed = await claim(request);
      rows += claimed.length;
      return claimed;
    };
    return { runtime, claimedRows: () => rows, claims: () => calls };
  }

  const double = defineTask('localDouble', async (n: number) => n * 2);
  const twice = defineWorkflow('localTwice', async (n: number) => (await double(n)) + (await double(n + 1)));

  it('runs a start at once on its own worker, claimed by it in the same write, with no claim', async () => {
    const { runtime, claimedRows, claims } = counted({ concurrency: 4, workerId: 'local-worker' });
    runtime.register(twice, double);
    await runtime.start();
    await new Promise((resolve) => setTimeout(resolve, 200)); // its first claim, at start, is done (idle looks: every 30 s)
    const claimsAtStart = claims();
    for (let n = 0; n < 5; n++) {
      const handle = await runtime.startWorkflow(twice, [n]);
      expect(await handle.result()).toBe(4 * n + 2);
      const history = await handle.history();
      expect(history.map((e) => e.type)).toEqual(['created', 'claimed', 'step_completed', 'step_completed', 'completed']);
      expect(history[1]!.data).toEqual({ owner: 'local-worker', epoch: 1 });
      expect((await handle.info()).attempts).toBe(1);
    }
    expect(claimedRows()).toBe(0);
    // Nor a claim after each end: a workflow that ended with no parent made nothing due.
    expect(claims() - claimsAtStart).toBe(0);
  });

  it('stores a start pending when no slot is free, a queue has flow control, or it is for later', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const hold = defineTask('localHold', async () => {
      await gate;
      return 'held';
    });
    const { runtime, claimedRows } = counted({ concurrency: 1, queues: ['default', 'limited'] });
    runtime.register(twice, double, hold);
    runtime.queue('limited', { concurrency: 5 });
    await runtime.start();
    const held = await runtime.enqueue(hold, []);
    const waiting = await runtime.startWorkflow(twice, [1]); // the one slot is taken
    expect(await waiting.status()).toBe('pending');
    release();
    expect(await held.result()).toBe('held');
    expect(await waiting.result()).toBe(6);
    expect(claimedRows()).toBe(1);

    const limited = await runtime.startWorkflow(twice, [2], { queue: 'limited' });
    expect(await limited.result()).toBe(10);
    expect(claimedRows()).toBe(2);
    const later = await runtime.startWorkflow(twice, [3], { delay: '200ms' });
    expect(await later.status()).toBe('pending');
    expect(await later.result()).toBe(14);
    expect(claimedRows()).toBe(3);
  });

  it('a start of an id that exists is not claimed again', async () => {
    const { runtime } = counted({ concurrency: 4 });
    runtime.register(twice, double);
    await runtime.start();
    const first = await runtime.startWorkflow(twice, [4], { id: 'same-id' });
    expect(await first.result()).toBe(18);
    const again = await runtime.startWorkflow(twice, [4], { id: 'same-id' });
    expect(await again.result()).toBe(18);
    expect((await again.history()).filter((e) => e.type === 'claimed')).toHaveLength(1);
  });
});
