// A queue nobody serves: work stored in it never runs, and used to say nothing. A runtime given no queues
// option now serves the queues it declares with runtime.queue(); work stored in a queue no live worker
// serves is warned about once (naming the queue and the queues option), and stats() lists such queues.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defineTask, WorkflowClient } from '@steadfast/core';
import { ADAPTERS, type TestStorage } from './adapters.js';
import { memoryLogger, waitFor } from './helpers.js';

const narrowJob = defineTask('unserved.narrow', async (n: number) => n * 2);

const warningsAbout = (entries: Array<Record<string, unknown>>, queue: string) =>
  entries.filter((e) => e.level === 40 && e.queue === queue && String(e.msg).includes('no live worker serves'));

describe.each(ADAPTERS.filter((a) => a.available))('unserved queues on $name', (kind) => {
  let storage: TestStorage;
  beforeEach(async () => {
    storage = await kind.create();
  });
  afterEach(async () => {
    await storage.cleanup();
  });

  it('a runtime given no queues option serves a queue it declares with runtime.queue()', async () => {
    const runtime = storage.runtime().register(narrowJob).queue('narrow', { concurrency: 2 });
    await runtime.start();
    const handle = await runtime.enqueue(narrowJob, [21], { queue: 'narrow' });
    expect(await handle.result()).toBe(42);
    expect((await runtime.stats()).workers[0]!.queues).toEqual(['default', 'narrow']);
  });

  it('warns once when work is stored in a queue no live worker serves, and stats() lists the queue as unserved', async () => {
    const log = memoryLogger();
    const runtime = storage.runtime({ queues: ['default'], logger: log.logger }).register(narrowJob).queue('narrow', { concurrency: 2 });
    await runtime.start();
    const first = await runtime.enqueue(narrowJob, [1], { queue: 'narrow' });
    await waitFor(() => warningsAbout(log.entries, 'narrow').length > 0, 5_000, 'the warning');
    await runtime.enqueueMany(narrowJob, [[2], [3]], { queue: 'narrow' });
    await runtime.enqueue(narrowJob, [4]); // the default queue is served here: no warning, no read
    await new Promise((resolve) => setTimeout(resolve, 200));
    const [warning, ...more] = warningsAbout(log.entries, 'narrow');
    expect(more).toHaveLength(0);
    expect(warning!.msg).toContain('queue "narrow", which no live worker serves');
    expect(warning!.msg).toContain('new Runtime({ queues: ["default","narrow"], ... })');
    expect(log.entries.filter((e) => e.level === 40 && e.queue === 'default')).toHaveLength(0);

    await waitFor(async () => (await runtime.stats()).byStatus.completed === 1, 5_000, 'the default job');
    const stats = await runtime.stats();
    expect(stats.unserved).toEqual([{ queue: 'narrow', count: 3 }]);
    expect(await first.status()).toBe('pending');

    // A worker that serves it, in another process as far as the first runtime knows: the work runs and the
    // queue is served again.
    const server = storage.runtime({ queues: ['narrow'] }).register(narrowJob);
    await server.start();
    expect(await first.result()).toBe(2);
    await waitFor(async () => (await runtime.stats()).byStatus.completed === 4, 5_000, 'the narrow jobs');
    expect((await runtime.stats()).unserved).toEqual([]);
  });

  it('a client storing work in a queue a live worker elsewhere serves does not warn', async () => {
    const worker = storage.runtime({ queues: ['narrow'] }).register(narrowJob);
    await worker.start();
    const log = memoryLogger();
    const client = new WorkflowClient({ storage: storage.adapter(), logger: log.logger });
    try {
      const handle = await client.enqueue(narrowJob, [5], { queue: 'narrow' });
      expect(await handle.result()).toBe(10);
      await client.enqueue(narrowJob, [6], { queue: 'elsewhere' });
      await waitFor(() => warningsAbout(log.entries, 'elsewhere').length > 0, 5_000, 'the warning for the queue nobody serves');
      expect(warningsAbout(log.entries, 'narrow')).toHaveLength(0);
      expect((await client.stats()).unserved).toEqual([{ queue: 'elsewhere', count: 1 }]);
    } finally {
      await client.close();
    }
  });
});
